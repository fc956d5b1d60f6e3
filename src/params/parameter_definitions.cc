#include "params/parameter_definitions.h"

namespace labelloop::params {
namespace {

constexpr double kMinutesPerYear = 365.0 * 24 * 60;  // the longest poll frequency
constexpr double kMaxCount = 1'000'000;              // sane upper bound for image/detection counts

ParameterDefinition Bool(std::string_view name, std::string description) {
  return {std::string(name), ParameterType::kBool, "true", std::nullopt, std::nullopt, "", std::move(description), false};
}

ParameterDefinition Number(std::string_view name, ParameterType type, std::string default_value, double min,
                           double max, std::string unit, std::string description) {
  return {std::string(name), type, std::move(default_value), min, max, std::move(unit), std::move(description), false};
}

}  // namespace

std::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kBool: return "bool";
    case ParameterType::kInt: return "int";
    case ParameterType::kFloat: return "float";
    case ParameterType::kJson: return "json";
  }
  return "unknown";
}

const std::vector<ParameterDefinition>& ParameterDefinitions() {
  static const std::vector<ParameterDefinition> kDefinitions = {
      Bool(kEnableAutomaticTraining,
           "Train a new model version on its own when enough new labelled images have arrived."),
      Number(kAutomaticTrainingPollFrequency, ParameterType::kInt, "720", 1, kMinutesPerYear, "minutes",
             "How often the training-poll schedule checks for new labelled images."),
      Number(kMinimumUntrainedImages, ParameterType::kInt, "10", 1, kMaxCount, "images",
             "New labelled images (since the last training) needed to start a training."),
      Number(kMinimumF1Score, ParameterType::kFloat, "0.8", 0, 1, "",
             "A new model version is deployed only if its test F1 score (0-1) reaches this."),
      Number(kMinimumInferenceUnits, ParameterType::kInt, "1", 1, 64, "",
             "Detection workers a model version is started with."),
      Number(kMinimumLabelDetectionConfidence, ParameterType::kFloat, "70.0", 0, 100, "percent",
             "Detections below this confidence (0-100) go to human review when Enable-A2I-Workflow is on."),
      Bool(kEnableA2IWorkflow, "Send low-confidence detections to reviewers."),
      Bool(kEnableAutomaticHumanSampling, "Send a regular sample of all detections to reviewers, for quality control."),
      Number(kAutomaticHumanSamplingFrequency, ParameterType::kInt, "720", 1, kMinutesPerYear, "minutes",
             "How often the sampling-poll schedule takes a review sample."),
      Number(kHumanSamplingInterval, ParameterType::kInt, "1000", 1, kMaxCount, "detections",
             "Every N-th detection is sampled for review."),
      {std::string(kForSystemUseOnly), ParameterType::kJson, R"({"previous_trained_images":0})", std::nullopt,
       std::nullopt, "", "System data (previous_trained_images, the running model version); written only by labelloop.",
       true},
  };
  return kDefinitions;
}

const ParameterDefinition* FindParameterDefinition(std::string_view name) {
  for (const ParameterDefinition& definition : ParameterDefinitions()) {
    if (definition.name == name) return &definition;
  }
  return nullptr;
}

std::string KnownParameterNames() {
  std::string names;
  for (const ParameterDefinition& definition : ParameterDefinitions()) {
    if (!names.empty()) names += ", ";
    names += definition.name;
  }
  return names;
}

}  // namespace labelloop::params
