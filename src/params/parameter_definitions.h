// The parameters of labelloop (DESIGN.md): names, types, defaults, ranges and one-line
// descriptions, in one immutable table. Values are stored as text; the table is what
// validation (parameter_validation.h) checks them against. Thread-safe (constant data).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labelloop::params {

inline constexpr std::string_view kEnableAutomaticTraining = "Enable-Automatic-Training";
inline constexpr std::string_view kAutomaticTrainingPollFrequency = "Automatic-Training-Poll-Frequency";
inline constexpr std::string_view kMinimumUntrainedImages = "Minimum-Untrained-Images";
inline constexpr std::string_view kMinimumF1Score = "Minimum-F1-Score";
inline constexpr std::string_view kMinimumInferenceUnits = "Minimum-Inference-Units";
inline constexpr std::string_view kMinimumLabelDetectionConfidence = "Minimum-Label-Detection-Confidence";
inline constexpr std::string_view kEnableA2IWorkflow = "Enable-A2I-Workflow";
inline constexpr std::string_view kEnableAutomaticHumanSampling = "Enable-Automatic-Human-Sampling";
inline constexpr std::string_view kAutomaticHumanSamplingFrequency = "Automatic-Human-Sampling-Frequency";
inline constexpr std::string_view kHumanSamplingInterval = "Human-Sampling-Interval";
inline constexpr std::string_view kForSystemUseOnly = "For-System-Use-Only";

// Keys of the For-System-Use-Only object that labelloop itself maintains.
inline constexpr std::string_view kPreviousTrainedImagesKey = "previous_trained_images";

enum class ParameterType { kBool, kInt, kFloat, kJson };

// "bool", "int", "float", "json".
std::string_view ParameterTypeName(ParameterType type);

struct ParameterDefinition {
  std::string name;
  ParameterType type = ParameterType::kBool;
  std::string default_value;  // in canonical form (see parameter_validation.h)
  std::optional<double> min, max;  // inclusive; set for every kInt and kFloat parameter
  std::string unit;                // "minutes", "percent", ... or "" when unitless
  std::string description;         // one line, for the console and `params list`
  bool system_only = false;        // written only by labelloop (SetSystem), never by users
};

// Every parameter, in the order DESIGN.md lists them (the order of `params list`).
const std::vector<ParameterDefinition>& ParameterDefinitions();
// nullptr when `name` is not a parameter (names are case-sensitive).
const ParameterDefinition* FindParameterDefinition(std::string_view name);
// "Enable-Automatic-Training, Automatic-Training-Poll-Frequency, ...": for error messages.
std::string KnownParameterNames();

}  // namespace labelloop::params
