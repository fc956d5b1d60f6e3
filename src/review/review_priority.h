// Where a new review task goes in the queue: its priority (0-1, higher is reviewed first;
// ties oldest first) and its selection, the reason it has that priority. Most tasks are
// ranked by how much an answer would teach the model; a share are random picks, so answers
// also measure quality without the ranking's bias. Thread-safe (stateless, deterministic).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace labelloop::review {

// A task's `selection`: ranked by informativeness; a random pick of the low-confidence
// tasks; a quality-control sample (every n-th detection, also at a random place); created
// before the queue was ranked (priority 0, so oldest first after the ranked ones).
inline constexpr std::string_view kSelectionUncertainty = "uncertainty", kSelectionRandom = "random",
                                  kSelectionSampled = "sampled", kSelectionUnranked = "unranked";

// How much a reviewer's answer would teach the model, 0-1: one minus the margin between the
// two most likely classes, the labels and the background (what the labels leave of 100,
// since the ensemble's probabilities sum to 1). Two labels at 48% each, or a label at 45%
// against a background at 50%, are near 1; one clear label, or a clear "none of them", near
// 0. `label_confidences_pct` holds every label's confidence (0-100; values outside are
// clamped, NaN ignored); with none the background has it all (0).
double Informativeness(const std::vector<double>& label_confidences_pct);

// The "confidence" of each entry of a detection log's labels JSON array (the shape of
// model::DetectedLabelJson); entries without a numeric one, or text that is not a JSON
// array, give nothing.
std::vector<double> LabelConfidences(std::string_view labels_json);

// The confidence (0-100) under which a detection's top label sends it to review:
// Minimum-Label-Detection-Confidence (`minimum_pct`) once someone set it explicitly, else
// the top label's own assumed threshold, else the minimum (docs/parameters.md
// "Per-label thresholds"). `top_label_threshold` is nullopt for a detection without labels
// or a label whose version's evaluation has none.
double ReviewThresholdPct(std::optional<double> top_label_threshold, double minimum_pct, bool minimum_set_explicitly);

struct QueuePlace {
  double priority = 0;  // 0-1
  std::string_view selection;
};

// A task from `source` kSourceSampling goes to a random place; a low-confidence one is a
// random pick with probability `random_share` (0-1), else ranked by `informativeness`.
// The random numbers come from the SHA-256 of `task_name`, so a task's place can be
// reproduced from its name.
QueuePlace PlaceInQueue(std::string_view task_name, std::string_view source, double informativeness,
                        double random_share);

}  // namespace labelloop::review
