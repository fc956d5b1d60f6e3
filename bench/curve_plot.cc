#include "curve_plot.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace labelloop::bench {

std::optional<int> AnswersToReach(const Curve& curve, double f1) {
  for (const CurvePoint& p : curve.points) {
    if (p.macro_f1 >= f1) return p.answers;
  }
  return std::nullopt;
}

std::string FormatCurveTable(const std::vector<Curve>& curves) {
  std::string out = fmt::format("{:>8} {:>8} {:>6}", "answers", "per_lbl", "seed");
  for (const char* arm : {"product", "random"}) out += fmt::format(" | {:>7} F1  AUC_none AUC_unkn", arm);
  out += "\n";
  std::map<std::pair<int, int>, std::map<std::string, CurvePoint>> rows;  // (seed, answers) -> arm -> point
  std::map<std::pair<int, int>, double> per_label;
  for (const Curve& c : curves) {
    for (const CurvePoint& p : c.points) {
      rows[{c.seed, p.answers}][c.arm] = p;
      per_label[{c.seed, p.answers}] = p.answers_per_label;
    }
  }
  for (const auto& [key, arms] : rows) {
    out += fmt::format("{:>8} {:>8.2f} {:>6}", key.second, per_label[key], key.first);
    for (const char* arm : {"product", "random"}) {
      auto it = arms.find(arm);
      if (it == arms.end()) {
        out += fmt::format(" | {:>28}", "-");
        continue;
      }
      out += fmt::format(" | {:>10.3f} {:>8.3f} {:>8.3f}", it->second.macro_f1, it->second.auroc_none, it->second.auroc_unknown);
    }
    out += "\n";
  }
  return out;
}

Status PlotCurves(const std::vector<Curve>& curves, const std::string& title, double target_f1, double allowed_per_label,
                  const std::string& path) {
  constexpr int kWidth = 900, kHeight = 600, kLeft = 80, kRight = 30, kTop = 60, kBottom = 70;
  double x_max = 1, y_min = 1, y_max = 0;
  for (const Curve& c : curves) {
    for (const CurvePoint& p : c.points) {
      x_max = std::max(x_max, p.answers_per_label);
      y_min = std::min(y_min, p.macro_f1), y_max = std::max(y_max, p.macro_f1);
    }
  }
  y_min = std::min(y_min, target_f1), y_max = std::max(y_max, target_f1);
  y_min = std::max(0.0, std::floor(y_min * 10 - 0.5) / 10), y_max = std::min(1.0, std::ceil(y_max * 10 + 0.5) / 10);
  if (y_max <= y_min) y_max = y_min + 0.1;
  const auto to_px = [&](double x, double y) {
    return cv::Point(kLeft + int((kWidth - kLeft - kRight) * x / x_max),
                     kHeight - kBottom - int((kHeight - kTop - kBottom) * (y - y_min) / (y_max - y_min)));
  };
  cv::Mat img(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar black(0, 0, 0), grid(225, 225, 225), blue(200, 90, 20), grey(120, 120, 120), red(40, 40, 210);
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  for (int t = 0; t <= 10; ++t) {  // F1 grid every tenth of the range
    const double y = y_min + (y_max - y_min) * t / 10;
    cv::line(img, to_px(0, y), to_px(x_max, y), grid, 1);
    cv::putText(img, fmt::format("{:.2f}", y), to_px(0, y) + cv::Point(-60, 5), font, 0.45, black, 1, cv::LINE_AA);
  }
  for (int x = 0; x <= int(x_max); ++x) {
    cv::line(img, to_px(x, y_min), to_px(x, y_max), grid, 1);
    cv::putText(img, std::to_string(x), to_px(x, y_min) + cv::Point(-5, 20), font, 0.45, black, 1, cv::LINE_AA);
  }
  cv::rectangle(img, to_px(0, y_max), to_px(x_max, y_min), black, 1);
  cv::line(img, to_px(0, target_f1), to_px(x_max, target_f1), red, 1, cv::LINE_AA);
  cv::line(img, to_px(allowed_per_label, y_min), to_px(allowed_per_label, y_max), red, 1, cv::LINE_AA);
  cv::putText(img, fmt::format("target: F1 {:.3f} (random at {:.0f}/label) within {:.1f} answers/label", target_f1, x_max,
                               allowed_per_label),
              to_px(0, y_max) + cv::Point(8, 18), font, 0.5, red, 1, cv::LINE_AA);
  for (const Curve& c : curves) {
    const cv::Scalar colour = c.arm == "product" ? blue : grey;
    for (size_t i = 0; i < c.points.size(); ++i) {
      const cv::Point at = to_px(c.points[i].answers_per_label, c.points[i].macro_f1);
      cv::circle(img, at, 4, colour, cv::FILLED, cv::LINE_AA);
      if (i > 0) cv::line(img, to_px(c.points[i - 1].answers_per_label, c.points[i - 1].macro_f1), at, colour, 2, cv::LINE_AA);
    }
  }
  cv::putText(img, title, cv::Point(kLeft, 30), font, 0.65, black, 1, cv::LINE_AA);
  cv::putText(img, "reviewer answers per label", cv::Point(kWidth / 2 - 110, kHeight - 25), font, 0.55, black, 1, cv::LINE_AA);
  cv::putText(img, "macro-F1", cv::Point(8, kTop - 12), font, 0.5, black, 1, cv::LINE_AA);
  cv::putText(img, "product ranking", cv::Point(kWidth - 250, kHeight - 25), font, 0.5, blue, 2, cv::LINE_AA);
  cv::putText(img, "random", cv::Point(kWidth - 90, kHeight - 25), font, 0.5, grey, 2, cv::LINE_AA);
  if (!cv::imwrite(path, img)) return InternalError(fmt::format("cannot write the plot {}", path));
  return OkStatus();
}

}  // namespace labelloop::bench
