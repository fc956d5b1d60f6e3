// Evaluation metrics of a classifier on a labelled test set: macro F1, per-label
// precision/recall/F1/support and assumed threshold, confusion matrix, per-image results;
// plus AUROC for open-set checks. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace labelloop::model {

inline constexpr std::string_view kNoLabel = "(none)";  // predicted when background wins

struct TestPrediction {
  std::string image;
  int true_class = 0;                 // index into labels
  std::vector<double> confidence_pct; // per label, 0-100 (background excluded)
  double background_pct = 0;          // the background class's probability * 100
};

struct LabelMetrics {
  std::string name;
  double precision = 0, recall = 0, f1 = 0;
  int support = 0;
  double assumed_threshold_pct = 0;  // confidence that maximises this label's one-vs-rest F1
};

struct EvaluationResult {
  double macro_f1 = 0;
  double accuracy = 0;
  std::vector<LabelMetrics> labels;
  std::vector<std::vector<int>> confusion;  // [true label][predicted label or labels.size() for none]
  std::vector<TestPrediction> predictions;
};

// Predicted class: the argmax over labels and background; labels.size() means none.
int PredictedClass(const TestPrediction& p);

EvaluationResult Evaluate(const std::vector<std::string>& labels, std::vector<TestPrediction> predictions);

// Each label's assumed threshold (0-100) from an evaluation written by EvaluationToJson;
// InvalidArgument naming the entry when one is malformed.
Result<std::map<std::string, double>> AssumedThresholds(const Json& evaluation);

// The evaluation JSON stored in evaluation/<version>/ and in the database.
Json EvaluationToJson(const std::vector<std::string>& labels, const EvaluationResult& result);

// Area under the ROC curve for scores of positives vs negatives (ties count half).
double Auroc(const std::vector<double>& positive_scores, const std::vector<double>& negative_scores);

}  // namespace labelloop::model
