// loc_replay: scores localiser settings on the per-location maps fewshot_eval --loc-dump
// saved, without retraining, so settings can be compared on the validation split in seconds.
//
//   loc_replay var/loc/val_public_k10.bin --config "t=0.2,0.25,0.3 score=prob,bg best=0,1"
//
// Each --config is a cross-product of comma-separated values for the keys t (threshold),
// grid, sizes (e.g. 224+448; all), combine (max, mean), score (prob, bg, logratio), best
// (n sizes with the highest peak; 0: all), norm (0/1: each size scaled to its floor..peak),
// sub (0/1: sub-cell edges), inset (edge inset, share of the long side). Output: per setting, the IoU >= 0.5 share and mean IoU (mean ±
// sd over the dump's seeds), by logo size with --by-scale, and how the misses fail.
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "box_eval.h"

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
  else if (key == "grid") o.grid_cells = std::stoi(value);
  else if (key == "sizes") {
    o.sizes.clear();
    if (value != "all") for (const auto& s : Split(value, '+')) o.sizes.push_back(std::stoi(s));
  } else if (key == "combine") o.max_over_sizes = value == "max";
  else if (key == "score") {
    if (value == "prob") o.score = lm::LocalizerOptions::Score::kProbability;
    else if (value == "bg") o.score = lm::LocalizerOptions::Score::kVersusBackground;
    else if (value == "logratio") o.score = lm::LocalizerOptions::Score::kLogRatio;
    else return false;
  } else if (key == "best") o.best_sizes = std::stoi(value);
  else if (key == "norm") o.normalize_sizes = value == "1";
  else if (key == "sub") o.subcell_edges = value == "1";
  else if (key == "inset") o.edge_inset = std::stod(value);
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

struct Tally {
  std::map<int, lb::IouTally> by_seed;
  std::map<int, std::map<int, lb::IouTally>> by_scale_seed;  // bin -> seed -> tally
  int too_big = 0, too_small = 0, misplaced = 0;             // misses, over all seeds
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
  app.add_option("dumps", dumps, "dump files")->required();
  app.add_option("--config", configs, "settings (see the header)")->required();
  app.add_flag("--by-scale", by_scale, "also by logo size");
  CLI11_PARSE(app, argc, argv);
  for (const auto& path : dumps) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<lb::LocationRecord> records = lb::ReadLocationRecords(in);
    std::cout << fmt::format("{}: {} records\n", path, records.size());
    for (const auto& config : configs) {
      for (const auto& [name, options] : Expand(config)) {
        Tally t;
        for (const auto& r : records) {
          const lm::BoundingBox got = lm::Localize(r.maps, r.class_index, r.width, r.height, options);
          const double iou = lm::IntersectionOverUnion(got, r.truth);
          t.by_seed[r.seed].Add(iou);
          t.by_scale_seed[lb::ScaleBin(r.scale)][r.seed].Add(iou);
          if (iou >= 0.5) continue;
          const double inter = iou * (got.width * got.height + r.truth.width * r.truth.height) / (1 + iou);
          const double covers_truth = inter / std::max(1e-12, r.truth.width * r.truth.height);
          const double inside = inter / std::max(1e-12, got.width * got.height);
          if (covers_truth >= 0.8) ++t.too_big;
          else if (inside >= 0.8) ++t.too_small;
          else ++t.misplaced;
        }
        std::cout << fmt::format("  {:<48} {}  misses: big {} small {} off {}\n", name, Line(t.by_seed), t.too_big,
                                 t.too_small, t.misplaced);
        if (!by_scale) continue;
        for (const auto& [bin, seeds] : t.by_scale_seed) std::cout << fmt::format("      {:<22} {}\n", lb::ScaleBinName(bin), Line(seeds));
      }
    }
  }
  return 0;
}
