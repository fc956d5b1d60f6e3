// The parameter branch: a changed parameter takes effect (schedules re-armed, inference
// units resized, sampling restarted) and is notified.
#include <fmt/format.h>

#include "flows/flow_tasks.h"

namespace labelloop::flows {
namespace {

constexpr int64_t kMsPerMinute = 60'000;

// The value the parameter had before `version`, or "" when it had none.
std::string PreviousValue(params::ParameterStore& params, const std::string& name, int64_t version) {
  Result<std::vector<params::ParameterValue>> history = params.History(name);
  if (!history.ok()) return "";
  for (const params::ParameterValue& v : *history) {
    if (v.version < version) return v.value;  // newest first
  }
  return "";
}

}  // namespace

Result<Json> FlowTasks::ApplyParameter(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input, "name", "apply parameter"));
  ASSIGN_OR_RETURN(const std::string value, RequireString(input, "value", "apply parameter"));
  const int64_t version = input.value("version", int64_t{0});
  Json applied = Json::array();
  bool training_check_requested = false;

  if (name == params::kEnableAutomaticTraining || name == params::kAutomaticTrainingPollFrequency) {
    ASSIGN_OR_RETURN(const bool enabled, deps_.params->GetBool(params::kEnableAutomaticTraining));
    ASSIGN_OR_RETURN(const int64_t minutes, deps_.params->GetInt(params::kAutomaticTrainingPollFrequency));
    RETURN_IF_ERROR(deps_.schedules->Configure(schedule::kTrainingPoll, enabled, minutes * kMsPerMinute));
    applied.push_back(fmt::format("{} {} every {} min", schedule::kTrainingPoll, enabled ? "enabled" : "disabled", minutes));
    // Switching automatic training back on checks for training at once (the seed relies on it).
    if (name == params::kEnableAutomaticTraining && value == "true" &&
        PreviousValue(*deps_.params, name, version) == "false") {
      RETURN_IF_ERROR(deps_.schedules->RequestTrigger(schedule::kTrainingPoll));
      training_check_requested = true;
      applied.push_back("training check requested now");
    }
  } else if (name == params::kEnableAutomaticHumanSampling || name == params::kAutomaticHumanSamplingFrequency) {
    ASSIGN_OR_RETURN(const bool enabled, deps_.params->GetBool(params::kEnableAutomaticHumanSampling));
    ASSIGN_OR_RETURN(const int64_t minutes, deps_.params->GetInt(params::kAutomaticHumanSamplingFrequency));
    RETURN_IF_ERROR(deps_.schedules->Configure(schedule::kSamplingPoll, enabled, minutes * kMsPerMinute));
    applied.push_back(fmt::format("{} {} every {} min", schedule::kSamplingPoll, enabled ? "enabled" : "disabled", minutes));
    if (name == params::kEnableAutomaticHumanSampling && value == "true" &&
        PreviousValue(*deps_.params, name, version) == "false") {
      RETURN_IF_ERROR(deps_.sampling->ResetCursor());
      applied.push_back("sampling restarted: counting detections from now");
    }
  } else if (name == params::kMinimumInferenceUnits) {
    ASSIGN_OR_RETURN(const int64_t units, deps_.params->GetInt(params::kMinimumInferenceUnits));
    RETURN_IF_ERROR(deps_.detection->SetUnits(int(units)));
    applied.push_back(fmt::format("{} inference unit(s)", units));
  }
  // Thresholds, intervals and the F1 minimum are read where they are used: nothing to apply.

  Json result = {{"parameter", name}, {"value", value}, {"version", version}, {"applied", applied},
                 {"training_check_requested", training_check_requested}};
  Notify(fmt::format("Parameter updated: {}", name),
         {{"parameter", name}, {"value", value}, {"version", version},
          {"modified_by", input.value("modified_by", "")}, {"applied", applied}, {"execution", context.execution_id}});
  return result;
}

}  // namespace labelloop::flows
