#include "model/evaluation.h"

#include <algorithm>

#include <fmt/format.h>

namespace labelloop::model {
namespace {

double F1(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

// The threshold on `scores` maximising F1 of "score >= t means positive".
double BestThreshold(const std::vector<std::pair<double, bool>>& scored) {
  auto sorted = scored;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  int positives = int(std::count_if(sorted.begin(), sorted.end(), [](const auto& s) { return s.second; }));
  if (positives == 0 || sorted.empty()) return 100.0;
  int tp = 0, fp = 0;
  double best_f1 = -1, best_t = sorted.front().first;
  for (size_t i = 0; i < sorted.size(); ++i) {
    sorted[i].second ? ++tp : ++fp;
    if (i + 1 < sorted.size() && sorted[i + 1].first == sorted[i].first) continue;
    double f1 = F1(double(tp) / (tp + fp), double(tp) / positives);
    if (f1 > best_f1) best_f1 = f1, best_t = sorted[i].first;
  }
  return best_t;
}

}  // namespace

int PredictedClass(const TestPrediction& p) {
  int best = int(p.confidence_pct.size());
  double best_score = p.background_pct;
  for (size_t i = 0; i < p.confidence_pct.size(); ++i) {
    if (p.confidence_pct[i] > best_score) best_score = p.confidence_pct[i], best = int(i);
  }
  return best;
}

EvaluationResult Evaluate(const std::vector<std::string>& labels, std::vector<TestPrediction> predictions) {
  const int n = int(labels.size());
  EvaluationResult r;
  r.confusion.assign(n, std::vector<int>(n + 1, 0));
  int correct = 0;
  for (const auto& p : predictions) {
    int predicted = PredictedClass(p);
    r.confusion[p.true_class][predicted]++;
    correct += predicted == p.true_class;
  }
  r.accuracy = predictions.empty() ? 0 : double(correct) / predictions.size();
  double f1_sum = 0;
  for (int c = 0; c < n; ++c) {
    LabelMetrics m;
    m.name = labels[c];
    int tp = r.confusion[c][c], fn = 0, fp = 0;
    for (int p = 0; p <= n; ++p) fn += p != c ? r.confusion[c][p] : 0;
    for (int t = 0; t < n; ++t) fp += t != c ? r.confusion[t][c] : 0;
    m.support = tp + fn;
    m.precision = tp + fp > 0 ? double(tp) / (tp + fp) : 0;
    m.recall = m.support > 0 ? double(tp) / m.support : 0;
    m.f1 = F1(m.precision, m.recall);
    std::vector<std::pair<double, bool>> scored;
    for (const auto& p : predictions) scored.emplace_back(p.confidence_pct[c], p.true_class == c);
    m.assumed_threshold_pct = BestThreshold(scored);
    f1_sum += m.f1;
    r.labels.push_back(m);
  }
  r.macro_f1 = n > 0 ? f1_sum / n : 0;
  r.predictions = std::move(predictions);
  return r;
}

Result<std::map<std::string, double>> AssumedThresholds(const Json& evaluation) {
  std::map<std::string, double> out;
  if (!evaluation.is_object() || !evaluation.contains("labels")) return out;
  const Json& labels = evaluation["labels"];
  if (!labels.is_array()) return InvalidArgumentError("evaluation: \"labels\" is not an array");
  for (size_t i = 0; i < labels.size(); ++i) {
    const Json& l = labels[i];
    if (!l.is_object() || !l.contains("assumed_threshold")) continue;  // older evaluations have none
    const Json& name = l.contains("name") ? l["name"] : Json();
    const Json& threshold = l["assumed_threshold"];
    if (!name.is_string() || !threshold.is_number() || threshold.get<double>() < 0 || threshold.get<double>() > 100) {
      return InvalidArgumentError(fmt::format("evaluation: labels[{}] needs a name and an assumed_threshold 0-100", i));
    }
    out[name.get<std::string>()] = threshold.get<double>();
  }
  return out;
}

Json EvaluationToJson(const std::vector<std::string>& labels, const EvaluationResult& result) {
  Json j;
  j["macro_f1"] = result.macro_f1;
  j["accuracy"] = result.accuracy;
  j["test_image_count"] = result.predictions.size();
  Json per_label = Json::array();
  for (const auto& m : result.labels) {
    per_label.push_back({{"name", m.name}, {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1},
                         {"support", m.support}, {"assumed_threshold", m.assumed_threshold_pct}});
  }
  j["labels"] = per_label;
  Json axis = labels;
  axis.push_back(kNoLabel);
  j["confusion_matrix"] = {{"true_labels", labels}, {"predicted_labels", axis}, {"counts", result.confusion}};
  Json images = Json::array();
  for (const auto& p : result.predictions) {
    int predicted = PredictedClass(p);
    double confidence = predicted < int(labels.size()) ? p.confidence_pct[predicted] : p.background_pct;
    // Every label's confidence, so the console can draw precision and recall against any
    // threshold from the held-out images (kept in the evaluation JSON: no migration).
    Json scores = Json::object();
    for (size_t c = 0; c < labels.size() && c < p.confidence_pct.size(); ++c) scores[labels[c]] = p.confidence_pct[c];
    images.push_back({{"image", p.image},
                      {"true_label", labels[p.true_class]},
                      {"predicted_label", predicted < int(labels.size()) ? labels[predicted] : std::string(kNoLabel)},
                      {"confidence", confidence},
                      {"true_label_confidence", p.confidence_pct[p.true_class]},
                      {"scores", std::move(scores)}});
  }
  j["test_images"] = images;
  return j;
}

double Auroc(const std::vector<double>& pos, const std::vector<double>& neg) {
  if (pos.empty() || neg.empty()) return 0.5;
  std::vector<std::pair<double, int>> all;
  for (double s : pos) all.emplace_back(s, 1);
  for (double s : neg) all.emplace_back(s, 0);
  std::sort(all.begin(), all.end());
  // Mann-Whitney U with average ranks for ties.
  double rank_sum = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    double avg_rank = (i + 1 + j) / 2.0;
    for (size_t k = i; k < j; ++k) rank_sum += all[k].second ? avg_rank : 0;
    i = j;
  }
  double n1 = double(pos.size()), n0 = double(neg.size());
  return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0);
}

}  // namespace labelloop::model
