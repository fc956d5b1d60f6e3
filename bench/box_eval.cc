#include "box_eval.h"

#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace labelloop::bench {

std::map<std::string, TruthBox> LoadTruthBoxes(const std::string& csv_path) {
  std::map<std::string, TruthBox> out;
  std::ifstream csv(csv_path);
  std::string line;
  auto read_line = [&]() {
    if (!std::getline(csv, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the benchmark's CSV has CRLF line ends
    return true;
  };
  if (!read_line()) return out;
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string cell; std::getline(hs, cell, ',');) header.push_back(cell);
  auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return int(i);
    }
    return -1;
  };
  const int file = column("file"), box = column("box"), scale = column("scale");
  if (file < 0 || box < 0 || scale < 0) return out;
  while (read_line()) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (int(cells.size()) <= std::max(box, scale) || cells[box].empty()) continue;
    TruthBox t;
    std::stringstream bs(cells[box]);
    if (!(bs >> t.x0 >> t.y0 >> t.x1 >> t.y1)) continue;
    t.scale = cells[scale].empty() ? 0 : std::stod(cells[scale]);
    out[cells[file]] = t;
  }
  return out;
}

model::BoundingBox ToFractions(const TruthBox& box, int width, int height) {
  return {box.x0 / width, box.y0 / height, (box.x1 - box.x0) / width, (box.y1 - box.y0) / height};
}

int ScaleBin(double scale) {
  for (size_t b = 1; b < kScaleBinEdges.size(); ++b) {
    if (scale < kScaleBinEdges[b]) return int(b - 1);
  }
  return int(kScaleBinEdges.size()) - 2;
}

std::string ScaleBinName(int bin) {
  static const char* kNames[] = {"small (scale < 0.30)", "medium (0.30-0.45)", "large (>= 0.45)"};
  return kNames[bin];
}

void DrawBoxes(const cv::Mat& bgr, const model::BoundingBox& truth, const model::BoundingBox& predicted,
               const std::string& caption, const std::string& png_path) {
  cv::Mat canvas = bgr.clone();
  const int thickness = std::max(2, std::max(canvas.cols, canvas.rows) / 200);
  auto rect = [&](const model::BoundingBox& b) {
    return cv::Rect(cv::Point(int(b.left * canvas.cols), int(b.top * canvas.rows)),
                    cv::Point(int((b.left + b.width) * canvas.cols), int((b.top + b.height) * canvas.rows)));
  };
  cv::rectangle(canvas, rect(truth), cv::Scalar(0, 200, 0), thickness);
  cv::rectangle(canvas, rect(predicted), cv::Scalar(0, 0, 255), thickness);
  const double font = std::max(0.5, canvas.cols / 700.0);
  cv::putText(canvas, caption, cv::Point(8, int(24 * font)), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(255, 255, 255), 4);
  cv::putText(canvas, caption, cv::Point(8, int(24 * font)), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(0, 0, 0), 1);
  cv::imwrite(png_path, canvas);
}

}  // namespace labelloop::bench
