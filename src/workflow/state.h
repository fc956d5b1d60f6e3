// State: one parsed and validated state of a state machine (the states-language fields
// this engine supports, per type). Plain immutable data once the StateMachine is built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/choice_rule.h"
#include "workflow/json_path.h"
#include "workflow/payload_template.h"

namespace labelloop::workflow {

enum class StateType { kTask, kChoice, kPass, kWait, kSucceed, kFail };

// "Task", "Choice", ...
std::string_view StateTypeName(StateType type);

// Error names a Retry/Catch matches on besides a task's own error names.
// The longest Wait (a literal "Seconds", or what "SecondsPath" gives at run time): a year
// and a day, so a wake-up time can never overflow.
inline constexpr double kMaxWaitSeconds = 366.0 * 24 * 3600;

inline constexpr std::string_view kErrorAll = "States.ALL";
inline constexpr std::string_view kErrorTaskFailed = "States.TaskFailed";
// Runtime errors (a path missing from the input, a bad Wait time): fail the execution,
// never retried or caught.
inline constexpr std::string_view kErrorRuntime = "States.Runtime";

struct Retrier {
  std::vector<std::string> error_equals;
  double interval_seconds = 1.0;
  int max_attempts = 3;       // retries after the first attempt; 0: never retry
  double backoff_rate = 2.0;  // interval of retry n (0-based) = interval_seconds * backoff_rate^n
};

struct Catcher {
  std::vector<std::string> error_equals;
  std::string next;
  std::optional<JsonPath> result_path;  // where {"Error","Cause"} goes; nullopt: ResultPath null (discarded)
};

// True when `error` (a task's error name) is matched by `error_equals`.
bool ErrorMatches(const std::vector<std::string>& error_equals, std::string_view error);

struct State {
  std::string name;
  StateType type = StateType::kPass;
  std::string next;   // empty for End states, Choice, Succeed and Fail
  bool end = false;

  // Input and output processing; nullopt means the field was JSON null.
  std::optional<JsonPath> input_path;   // default "$"
  std::optional<JsonPath> output_path;  // default "$"
  std::optional<JsonPath> result_path;  // default "$" (Task, Pass)
  std::optional<PayloadTemplate> parameters;       // Task, Pass
  std::optional<PayloadTemplate> result_selector;  // Task

  std::optional<Json> result;  // Pass: "Result"

  std::string resource;  // Task
  std::vector<Retrier> retry;
  std::vector<Catcher> catchers;

  std::vector<ChoiceRule> choices;  // Choice
  std::string default_next;         // Choice: "Default" (may be empty)

  std::optional<double> wait_seconds;          // Wait: "Seconds"
  std::optional<JsonPath> wait_seconds_path;  // Wait: "SecondsPath"

  std::string error;  // Fail
  std::string cause;  // Fail
};

// Parses one state's JSON object, checking its fields (types, required, allowed for its
// Type). Names are not resolved here. InvalidArgument naming the state and the field.
Result<State> ParseState(const std::string& name, const Json& definition);

}  // namespace labelloop::workflow
