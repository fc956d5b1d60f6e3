// StateMachine: a parsed and validated states-language definition (Amazon States Language
// JSON: Task, Choice, Pass, Wait, Succeed, Fail; Retry/Catch; InputPath, Parameters,
// ResultSelector, ResultPath, OutputPath). Invariant: every Next/Default/Catch Next names
// a state, every state is reachable from StartAt, every Task's Resource is registered.
// Immutable once built; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workflow/state.h"
#include "workflow/task_registry.h"

namespace labelloop::workflow {

class StateMachine {
 public:
  const std::string& start_at() const { return start_at_; }
  const std::string& comment() const { return comment_; }
  // The definition as given (for the console's graph).
  const std::string& definition_json() const { return definition_json_; }
  // In definition order.
  const std::vector<State>& states() const { return states_; }
  // nullptr when no state has that name.
  const State* FindState(std::string_view name) const;

 private:
  friend Result<StateMachine> ParseStateMachine(std::string_view json_text, const TaskRegistry& registry);

  std::string start_at_;
  std::string comment_;
  std::string definition_json_;
  std::vector<State> states_;
  std::map<std::string, size_t, std::less<>> index_;  // name -> position in states_
};

// Parses and validates a definition. InvalidArgument, naming the state and the field, for:
// JSON errors, missing or unknown StartAt, unknown state Type, missing required or
// unknown fields, bad JSONPath, Next/Default/Catch Next naming no state, unreachable
// states, a Task Resource not in `registry`.
Result<StateMachine> ParseStateMachine(std::string_view json_text, const TaskRegistry& registry);
// Reads `path` and parses it; the errors name the file.
Result<StateMachine> LoadStateMachineFile(const std::string& path, const TaskRegistry& registry);

}  // namespace labelloop::workflow
