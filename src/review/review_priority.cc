#include "review/review_priority.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "common/content_hash.h"
#include "common/json_util.h"
#include "review/review_service.h"

namespace labelloop::review {
namespace {

// The `index`-th (0 or 1) uniform number in [0, 1) drawn from `task_name`: 52 bits of its
// SHA-256 each, so the two are independent and exact as doubles.
double UniformFromName(std::string_view task_name, int index) {
  constexpr int kHexDigits = 13;  // 52 bits
  const std::string hex = Sha256Hex(task_name).substr(index * kHexDigits, kHexDigits);
  return double(std::stoull(hex, nullptr, 16)) / double(uint64_t{1} << 52);
}

}  // namespace

double Informativeness(const std::vector<double>& label_confidences_pct) {
  std::vector<double> classes;
  double labels_total = 0;
  for (const double c : label_confidences_pct) {
    if (std::isnan(c)) continue;
    classes.push_back(std::clamp(c, 0.0, 100.0));
    labels_total += classes.back();
  }
  classes.push_back(std::clamp(100.0 - labels_total, 0.0, 100.0));  // the background
  classes.push_back(0.0);  // a second class when there is only the background
  std::partial_sort(classes.begin(), classes.begin() + 2, classes.end(), std::greater<>());
  return std::clamp(1.0 - (classes[0] - classes[1]) / 100.0, 0.0, 1.0);
}

std::vector<double> LabelConfidences(std::string_view labels_json) {
  std::vector<double> out;
  Result<Json> labels = ParseJson(labels_json, "detection labels");
  if (!labels.ok() || !labels->is_array()) return out;
  for (const Json& label : *labels) {
    if (!label.is_object()) continue;
    const auto it = label.find("confidence");
    if (it != label.end() && it->is_number()) out.push_back(it->get<double>());
  }
  return out;
}

double ReviewThresholdPct(std::optional<double> top_label_threshold, double minimum_pct, bool minimum_set_explicitly) {
  if (minimum_set_explicitly) return minimum_pct;
  return top_label_threshold.value_or(minimum_pct);
}

QueuePlace PlaceInQueue(std::string_view task_name, std::string_view source, double informativeness,
                        double random_share) {
  if (source == kSourceSampling) return {UniformFromName(task_name, 1), kSelectionSampled};
  if (UniformFromName(task_name, 0) < random_share) return {UniformFromName(task_name, 1), kSelectionRandom};
  return {std::clamp(informativeness, 0.0, 1.0), kSelectionUncertainty};
}

}  // namespace labelloop::review
