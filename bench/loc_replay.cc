// loc_replay: scores localiser settings on the per-location maps fewshot_eval --loc-dump
// saved, without retraining, so settings can be compared on the validation split in seconds.
//
//   loc_replay var/loc/val_public_k10.bin --config "t=0.2,0.25,0.3 bt=0,0.55"
//
// Each --config is a cross-product of comma-separated values for the keys of
// model::LocalizerOptions: t (threshold on the probability; 0: no such box), bt (on the label
// against the background; 0: none), grid, sizes (e.g. 224+448; all), combine (max, mean);
// "A | B" averages the boxes of settings A and B edge by edge. Output: per setting, the
// IoU >= 0.5 share and mean IoU (mean ± sd over the dump's seeds), by logo size with
// --by-scale, how the misses fail, and the mean centre offset and area ratio. --draw N
// draws the first setting's first N misses with the label's maps beside them.
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "box_eval.h"
#include "common/file_util.h"
#include "model/classifier.h"
#include "model/feature_maps.h"
#include "vision/image_decoder.h"

namespace lb = labelloop::bench;
namespace lm = labelloop::model;

namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// One key's value applied to options; false for an unknown key or value.
bool Apply(const std::string& key, const std::string& value, lm::LocalizerOptions& o) {
  if (key == "t") o.threshold = std::stod(value);
  else if (key == "bt") o.background_threshold = std::stod(value);
  else if (key == "grid") o.grid_cells = std::stoi(value);
  else if (key == "sizes") {
    o.sizes.clear();
    if (value != "all") for (const auto& s : Split(value, '+')) o.sizes.push_back(std::stoi(s));
  } else if (key == "combine") o.max_over_sizes = value == "max";
  else return false;
  return true;
}

// The cross-product of a config's keys' values, as (description, options).
std::vector<std::pair<std::string, lm::LocalizerOptions>> Expand(const std::string& config) {
  std::vector<std::pair<std::string, lm::LocalizerOptions>> out = {{"", lm::LocalizerOptions{}}};
  for (const auto& term : Split(config, ' ')) {
    const size_t eq = term.find('=');
    if (eq == std::string::npos) throw std::runtime_error("bad term " + term);
    const std::string key = term.substr(0, eq);
    std::vector<std::pair<std::string, lm::LocalizerOptions>> next;
    for (const auto& [name, o] : out) {
      for (const auto& value : Split(term.substr(eq + 1), ',')) {
        lm::LocalizerOptions c = o;
        if (!Apply(key, value, c)) throw std::runtime_error("bad term " + term);
        next.emplace_back(name + (name.empty() ? "" : " ") + key + "=" + value, c);
      }
    }
    out = std::move(next);
  }
  return out;
}

// A miss, for a look: the image with the truth (green) and the box (red), and beside it
// the label's probability at each size (the letterbox undone, white = the map's peak).
void DrawMiss(const lb::LocationRecord& r, const lm::BoundingBox& got, double iou, const std::string& image_path,
              const std::string& png_path) {
  cv::Mat bgr = cv::imread(image_path, cv::IMREAD_COLOR);
  if (bgr.empty()) return;
  const double fit = 256.0 / std::max(bgr.cols, bgr.rows);
  cv::resize(bgr, bgr, cv::Size(int(bgr.cols * fit), int(bgr.rows * fit)));
  auto rect = [&](const lm::BoundingBox& b) {
    return cv::Rect(int(b.left * bgr.cols), int(b.top * bgr.rows), int(b.width * bgr.cols), int(b.height * bgr.rows));
  };
  cv::rectangle(bgr, rect(r.truth), cv::Scalar(0, 200, 0), 2);
  cv::rectangle(bgr, rect(got), cv::Scalar(0, 0, 255), 2);
  cv::putText(bgr, fmt::format("{:.2f}", iou), cv::Point(4, 14), cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 255), 1);
  std::vector<cv::Mat> panels = {bgr};
  for (const auto& m : r.maps) {
    const size_t n = size_t(m.height) * m.width;
    cv::Mat plane(m.height, m.width, CV_32F, const_cast<float*>(m.probs.data()) + size_t(r.class_index) * n);
    const lm::LetterboxPlacement at = lm::PlaceInLetterbox(r.width, r.height, m.letterbox_size);
    cv::Mat big;
    cv::resize(plane, big, cv::Size(m.letterbox_size, m.letterbox_size), 0, 0, cv::INTER_LINEAR);
    cv::Mat crop = big(cv::Rect(at.x, at.y, at.width, at.height)).clone(), shown;
    double peak = 0;
    cv::minMaxLoc(crop, nullptr, &peak);
    crop.convertTo(shown, CV_8U, 255.0 / std::max(1e-6, peak));
    cv::resize(shown, shown, bgr.size(), 0, 0, cv::INTER_NEAREST);
    cv::cvtColor(shown, shown, cv::COLOR_GRAY2BGR);
    cv::rectangle(shown, rect(r.truth), cv::Scalar(0, 200, 0), 1);
    cv::putText(shown, fmt::format("{} peak {:.2f}", m.letterbox_size, peak), cv::Point(4, 14), cv::FONT_HERSHEY_SIMPLEX, 0.45,
                cv::Scalar(0, 0, 255), 1);
    panels.push_back(shown);
  }
  cv::Mat row;
  cv::hconcat(panels, row);
  cv::imwrite(png_path, row);
}

// The images fewshot_eval --boxes would draw (its last seed, a path hash picks 1 in 20, at
// most 24): the truth (green) and the box (red), for docs/boxes/.
void DrawForDocs(const lb::LocationRecord& r, const lm::BoundingBox& got, double iou, const std::string& image_path,
                 const std::string& dir) {
  labelloop::Result<std::string> bytes = labelloop::ReadFileBytes(image_path);
  if (!bytes.ok()) return;
  auto bgra = labelloop::vision::DecodeImageWithAlpha(*bytes, image_path);
  if (!bgra.ok()) return;
  std::string name = r.path;
  std::replace(name.begin(), name.end(), '/', '_');
  lb::DrawBoxes(lm::CompositeOnWhite(*bgra), r.truth, got, fmt::format("{} IoU {:.2f}", r.path.substr(0, r.path.find('/')), iou),
                fmt::format("{}/{}.png", dir, name.substr(0, name.rfind('.'))));
}

struct Tally {
  std::map<int, lb::IouTally> by_seed;
  std::map<int, std::map<int, lb::IouTally>> by_scale_seed;  // bin -> seed -> tally
  int too_big = 0, too_small = 0, misplaced = 0;             // misses, over all seeds
  double localize_s = 0;                                     // time in Localize
  double dx = 0, dy = 0, log_area = 0;                       // sums: centre offsets (image sides), log area ratio
};

std::string Line(const std::map<int, lb::IouTally>& by_seed) {
  double h = 0, h2 = 0, m = 0, m2 = 0;
  int images = 0;
  for (const auto& [seed, t] : by_seed) h += t.HitShare(), h2 += t.HitShare() * t.HitShare(), m += t.MeanIou(), m2 += t.MeanIou() * t.MeanIou(), images += t.images;
  const double n = by_seed.size();
  h /= n, m /= n;
  return fmt::format("{:5.1f}% ± {:3.1f} / {:.3f} ± {:.3f} ({} img/seed)", 100 * h, 100 * std::sqrt(std::max(0.0, h2 / n - h * h)), m,
                     std::sqrt(std::max(0.0, m2 / n - m * m)), int(images / n));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"localiser settings scored on fewshot_eval --loc-dump files"};
  std::vector<std::string> dumps, configs;
  bool by_scale = false;
  std::string draw_dir, images_dir, boxes_dir;
  int draw = 0;
  app.add_option("dumps", dumps, "dump files")->required();
  app.add_option("--config", configs, "settings (see the header)")->required();
  app.add_flag("--by-scale", by_scale, "also by logo size");
  app.add_option("--draw", draw, "draw this many misses of the first setting (with --images and --draw-dir)");
  app.add_option("--images", images_dir, "the folder the dump's image paths are under (e.g. BENCH/train_k20)");
  app.add_option("--draw-dir", draw_dir, "where the drawings go");
  app.add_option("--boxes", boxes_dir, "draw the first setting's boxes as fewshot_eval --boxes does (with --images)");
  CLI11_PARSE(app, argc, argv);
  for (const auto& path : dumps) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<lb::LocationRecord> records = lb::ReadLocationRecords(in);
    std::cout << fmt::format("{}: {} records\n", path, records.size());
    int boxes_drawn = 0;
    for (const auto& full : configs) {
      // "A | B | C": the box of A's settings averaged with those of B and C (each one setting).
      const auto parts = Split(full, '|');
      const std::string config = parts[0];
      std::vector<lm::LocalizerOptions> also;
      for (size_t i = 1; i < parts.size(); ++i) also.push_back(Expand(parts[i]).at(0).second);
      for (auto [name, options] : Expand(config)) {
        if (!also.empty()) name += " |" + full.substr(full.find('|') + 1);
        Tally t;
        for (const auto& r : records) {
          const auto started = std::chrono::steady_clock::now();
          lm::BoundingBox got = lm::Localize(r.maps, r.class_index, r.width, r.height, options);
          t.localize_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          if (!also.empty()) {  // edges averaged with the other settings' boxes
            double x1 = got.left + got.width, y1 = got.top + got.height;
            for (const auto& a : also) {
              const lm::BoundingBox b = lm::Localize(r.maps, r.class_index, r.width, r.height, a);
              got.left += b.left, got.top += b.top, x1 += b.left + b.width, y1 += b.top + b.height;
            }
            const double n = also.size() + 1.0;
            got.left /= n, got.top /= n, got.width = x1 / n - got.left, got.height = y1 / n - got.top;
          }
          const double iou = lm::IntersectionOverUnion(got, r.truth);
          t.by_seed[r.seed].Add(iou);
          if (!boxes_dir.empty() && r.seed == records.back().seed && boxes_drawn < 24 && std::hash<std::string>{}(r.path) % 20 == 0) {
            DrawForDocs(r, got, iou, images_dir + "/" + r.path, boxes_dir);
            ++boxes_drawn;
          }
          t.dx += (got.left + got.width / 2) - (r.truth.left + r.truth.width / 2);
          t.dy += (got.top + got.height / 2) - (r.truth.top + r.truth.height / 2);
          t.log_area += std::log(std::max(1e-9, got.width * got.height) / std::max(1e-9, r.truth.width * r.truth.height));
          t.by_scale_seed[lb::ScaleBin(r.scale)][r.seed].Add(iou);
          if (iou >= 0.5) continue;
          if (draw > 0 && !draw_dir.empty()) {
            std::string name = r.path;
            std::replace(name.begin(), name.end(), '/', '_');
            DrawMiss(r, got, iou, images_dir + "/" + r.path, fmt::format("{}/s{}_{}.png", draw_dir, r.seed, name));
            --draw;
          }
          const double inter = iou * (got.width * got.height + r.truth.width * r.truth.height) / (1 + iou);
          const double covers_truth = inter / std::max(1e-12, r.truth.width * r.truth.height);
          const double inside = inter / std::max(1e-12, got.width * got.height);
          if (covers_truth >= 0.8) ++t.too_big;
          else if (inside >= 0.8) ++t.too_small;
          else ++t.misplaced;
        }
        boxes_dir.clear();  // the first setting's only
        const double n = std::max<size_t>(1, records.size());
        std::cout << fmt::format("  {:<40} {}  misses: big {} small {} off {}; centre {:+.3f} {:+.3f} area x{:.2f}; {:.0f} us/box\n",
                                 name, Line(t.by_seed), t.too_big, t.too_small, t.misplaced, t.dx / n, t.dy / n,
                                 std::exp(t.log_area / n), 1e6 * t.localize_s / n);
        if (!by_scale) continue;
        for (const auto& [bin, seeds] : t.by_scale_seed) std::cout << fmt::format("      {:<22} {}\n", lb::ScaleBinName(bin), Line(seeds));
      }
    }
  }
  return 0;
}
