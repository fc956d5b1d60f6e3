#include "workflow/execution_stepper.h"

#include <fmt/format.h>

#include <cmath>
#include <exception>

#include "common/json_util.h"

namespace labelloop::workflow {
namespace {

// A runaway loop (Choice -> Pass -> Choice without a Wait) fails instead of holding a
// worker forever.
constexpr int64_t kMaxStepsPerExecution = 100'000;

std::string Dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A failure that ends the execution with States.Runtime.
struct RuntimeError {
  std::string cause;
};

Result<Json> ApplyInputPath(const State& state, const Json& raw) {
  if (!state.input_path) return Json::object();
  Result<Json> value = state.input_path->Get(raw);
  if (!value.ok()) return value.status().WithContext("InputPath");
  return value;
}

Result<Json> ApplyOutputPath(const State& state, const Json& output) {
  if (!state.output_path) return Json::object();
  Result<Json> value = state.output_path->Get(output);
  if (!value.ok()) return value.status().WithContext("OutputPath");
  return value;
}

// The state's raw input with `result` placed at `result_path` (nullopt: result discarded).
Result<Json> ApplyResultPath(const std::optional<JsonPath>& result_path, const Json& raw, Json result) {
  if (!result_path) return raw;
  if (result_path->IsRoot()) return result;
  Json output = raw;
  RETURN_IF_ERROR(result_path->Set(output, std::move(result)));
  return output;
}

// Builds one Transition from the current row.
class TransitionBuilder {
 public:
  TransitionBuilder(const db::Execution& from, int64_t now_ms) : now_ms_(now_ms) {
    t_.execution = from;
    ++t_.execution.step_count;
  }

  db::Execution& row() { return t_.execution; }

  void Add(std::string_view type, const std::string& state, const std::string& input_json = "",
           const std::string& output_json = "", Json detail = nullptr, const std::string& error = "",
           const std::string& cause = "") {
    db::ExecutionEvent& e = t_.events.emplace_back();
    e.execution_id = t_.execution.id;
    e.time_ms = now_ms_;
    e.type = std::string(type);
    e.state_name = state;
    e.input_json = input_json;
    e.output_json = output_json;
    e.error = error;
    e.cause = cause;
    if (!detail.is_null()) e.detail_json = Dump(detail);
  }

  void Fail(const std::string& state, const std::string& error, const std::string& cause) {
    db::ExecutionEvent& e = t_.events.emplace_back();
    e.execution_id = t_.execution.id;
    e.time_ms = now_ms_;
    e.type = std::string(db::kEventExecutionFailed);
    e.state_name = state;
    e.error = error;
    e.cause = cause;
    db::Execution& row = t_.execution;
    row.status = std::string(db::kExecutionFailed);
    row.error = error;
    row.cause = cause;
    row.wake_at_ms.reset();
    row.stop_ms = now_ms_;
  }

  void Succeed(const std::string& state, const Json& output) {
    const std::string output_json = Dump(output);
    Add(db::kEventExecutionSucceeded, state, "", output_json);
    db::Execution& row = t_.execution;
    row.status = std::string(db::kExecutionSucceeded);
    row.output_json = output_json;
    row.wake_at_ms.reset();
    row.stop_ms = now_ms_;
  }

  // StateEntered for `state` with raw `input`; a Wait also starts waiting here.
  void Enter(const State& state, const Json& input) {
    db::Execution& row = t_.execution;
    row.current_state = state.name;
    row.current_input_json = Dump(input);
    row.attempt = 1;
    row.retry_counts.assign(state.retry.size(), 0);
    row.wake_at_ms = now_ms_;
    const int entry = ++row.state_entries[state.name];
    Add(db::kEventStateEntered, state.name, row.current_input_json, "", Json{{"entry", entry}});
    if (state.type != StateType::kWait) return;
    Result<double> seconds = WaitSeconds(state, input);
    if (!seconds.ok()) return Fail(state.name, std::string(kErrorRuntime), seconds.status().message());
    const int64_t wake_at_ms = now_ms_ + static_cast<int64_t>(std::llround(*seconds * 1000.0));
    row.wake_at_ms = wake_at_ms;
    Add(db::kEventWaitStarted, state.name, "", "", Json{{"seconds", *seconds}, {"wake_at_ms", wake_at_ms}});
  }

  // StateExited of `state`, then the next state (or the end of the execution).
  void ExitTo(const State& state, const std::string& input_json, const Json& output, const std::string& next,
              const StateMachine& machine) {
    Add(db::kEventStateExited, state.name, input_json, Dump(output));
    if (next.empty()) return Succeed(state.name, output);
    const State* next_state = machine.FindState(next);
    if (next_state == nullptr) {
      return Fail(state.name, std::string(kErrorRuntime), fmt::format("state '{}' is not in the state machine", next));
    }
    Enter(*next_state, output);
  }

  Transition Build() && { return std::move(t_); }

 private:
  static Result<double> WaitSeconds(const State& state, const Json& raw) {
    if (state.wait_seconds) return *state.wait_seconds;
    ASSIGN_OR_RETURN(const Json effective, ApplyInputPath(state, raw));
    Result<Json> value = state.wait_seconds_path->Get(effective);
    if (!value.ok()) return value.status().WithContext(fmt::format("state '{}': SecondsPath", state.name));
    if (!value->is_number() || !(value->get<double>() >= 0) || value->get<double>() > kMaxWaitSeconds) {
      return InvalidArgumentError(fmt::format("state '{}': SecondsPath '{}' gave {}, not a number of seconds 0..{}",
                                              state.name, state.wait_seconds_path->text(), value->dump(),
                                              kMaxWaitSeconds));
    }
    return value->get<double>();
  }

  int64_t now_ms_;
  Transition t_;
};

Json ErrorOutput(const std::string& error, const std::string& cause) { return Json{{"Error", error}, {"Cause", cause}}; }

}  // namespace

std::string_view ErrorNameOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "Ok";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
    case StatusCode::kUnauthenticated: return "Unauthenticated";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kInsufficientStorage: return "InsufficientStorage";
    case StatusCode::kDataLoss: return "DataLoss";
    case StatusCode::kInternal: return "Internal";
  }
  return "Internal";
}

Transition ExecutionStepper::Begin(const std::string& id, const std::string& branch, const Json& input) const {
  const int64_t now_ms = clock_->NowMs();
  db::Execution row;
  row.id = id;
  row.branch = branch;
  row.status = std::string(db::kExecutionRunning);
  row.input_json = Dump(input);
  row.start_ms = now_ms;
  row.step_count = -1;  // the builder counts creation as step 0
  TransitionBuilder b(row, now_ms);
  b.Add(db::kEventExecutionStarted, machine_->start_at(), row.input_json);
  b.Enter(*machine_->FindState(machine_->start_at()), input);
  return std::move(b).Build();
}

Result<Transition> ExecutionStepper::Step(const db::Execution& execution, const RecordEvent& record) const {
  const int64_t now_ms = clock_->NowMs();
  TransitionBuilder b(execution, now_ms);
  const std::string& name = execution.current_state;
  const auto runtime_failure = [&](const Status& status) {
    b.Fail(name, std::string(kErrorRuntime), status.message());
    return std::move(b).Build();
  };
  const State* state = machine_->FindState(name);
  if (state == nullptr) {
    return runtime_failure(InvalidArgumentError(fmt::format(
        "state '{}' is not in the state machine (was the definition changed while the execution ran?)", name)));
  }
  if (execution.step_count >= kMaxStepsPerExecution) {
    return runtime_failure(ResourceExhaustedError(
        fmt::format("execution made {} steps, the limit; does the definition loop without end?", execution.step_count)));
  }
  Result<Json> raw = ParseJson(execution.current_input_json, fmt::format("stored input of state '{}'", name));
  if (!raw.ok()) return runtime_failure(raw.status());
  const std::string where = fmt::format("state '{}'", name);

  switch (state->type) {
    case StateType::kTask:
      return StepTask(*state, execution, *raw, record);
    case StateType::kPass: {
      Result<Json> effective = ApplyInputPath(*state, *raw);
      if (effective.ok() && state->parameters) effective = state->parameters->Apply(*effective);
      if (!effective.ok()) return runtime_failure(effective.status().WithContext(where));
      Result<Json> output = ApplyResultPath(state->result_path, *raw, state->result ? *state->result : *effective);
      if (output.ok()) output = ApplyOutputPath(*state, *output);
      if (!output.ok()) return runtime_failure(output.status().WithContext(where));
      b.ExitTo(*state, execution.current_input_json, *output, state->next, *machine_);
      return std::move(b).Build();
    }
    case StateType::kChoice: {
      Result<Json> effective = ApplyInputPath(*state, *raw);
      if (!effective.ok()) return runtime_failure(effective.status().WithContext(where));
      std::string next;
      for (const ChoiceRule& rule : state->choices) {
        Result<bool> matched = rule.Evaluate(*effective);
        if (!matched.ok()) return runtime_failure(matched.status());
        if (*matched) {
          next = rule.next();
          break;
        }
      }
      if (next.empty()) next = state->default_next;
      if (next.empty()) {
        b.Fail(name, "States.NoChoiceMatched",
               fmt::format("state '{}': no choice rule matched the input {} and there is no Default", name,
                           Dump(*effective)));
        return std::move(b).Build();
      }
      Result<Json> output = ApplyOutputPath(*state, *effective);
      if (!output.ok()) return runtime_failure(output.status().WithContext(where));
      b.ExitTo(*state, execution.current_input_json, *output, next, *machine_);
      return std::move(b).Build();
    }
    case StateType::kWait:
    case StateType::kSucceed: {
      // A Wait is due: its time is over (it started waiting when it was entered).
      Result<Json> effective = ApplyInputPath(*state, *raw);
      Result<Json> output = effective.ok() ? ApplyOutputPath(*state, *effective) : effective;
      if (!output.ok()) return runtime_failure(output.status().WithContext(where));
      b.ExitTo(*state, execution.current_input_json, *output, state->type == StateType::kWait ? state->next : "",
               *machine_);
      return std::move(b).Build();
    }
    case StateType::kFail:
      b.Fail(name, state->error, state->cause);
      return std::move(b).Build();
  }
  return runtime_failure(InternalError(fmt::format("state '{}' has an unknown type", name)));
}

Result<Transition> ExecutionStepper::StepTask(const State& state, const db::Execution& execution, const Json& raw,
                                              const RecordEvent& record) const {
  TransitionBuilder b(execution, clock_->NowMs());
  const std::string where = fmt::format("state '{}'", state.name);
  Result<Json> effective = ApplyInputPath(state, raw);
  if (effective.ok() && state.parameters) effective = state.parameters->Apply(*effective);
  if (!effective.ok()) {
    b.Fail(state.name, std::string(kErrorRuntime), effective.status().WithContext(where).message());
    return std::move(b).Build();
  }
  TaskContext context;
  context.execution_id = execution.id;
  context.state_name = state.name;
  context.attempt = execution.attempt;
  context.clock = clock_;
  auto entry = execution.state_entries.find(state.name);
  context.state_entry = entry == execution.state_entries.end() ? 1 : entry->second;

  const std::string input_json = Dump(*effective);
  db::ExecutionEvent scheduled;
  scheduled.execution_id = execution.id;
  scheduled.time_ms = clock_->NowMs();
  scheduled.type = std::string(db::kEventTaskScheduled);
  scheduled.state_name = state.name;
  scheduled.input_json = input_json;
  scheduled.detail_json = Dump(Json{{"resource", state.resource},
                                    {"attempt", context.attempt},
                                    {"idempotency_key", context.IdempotencyKey()}});
  RETURN_IF_ERROR(record(std::move(scheduled)));

  // The one catch-all around handlers: an exception is a task failure, like an error.
  Result<Json> result = InternalError("task handler did not run");
  const TaskHandler* handler = registry_->Find(state.resource);
  if (handler == nullptr) {
    result = FailedPreconditionError(fmt::format("task resource '{}' is not registered", state.resource));
  } else {
    try {
      result = (*handler)(*effective, context);
    } catch (const std::exception& e) {
      result = InternalError(fmt::format("task handler '{}' threw: {}", state.resource, e.what()));
    } catch (...) {
      result = InternalError(fmt::format("task handler '{}' threw a non-standard exception", state.resource));
    }
  }
  TransitionBuilder done(execution, clock_->NowMs());  // "now" after the handler returned
  const Json attempt_detail = Json{{"attempt", context.attempt}};

  if (result.ok()) {
    done.Add(db::kEventTaskSucceeded, state.name, input_json, Dump(*result), attempt_detail);
    Result<Json> selected = state.result_selector ? state.result_selector->Apply(*result) : *result;
    Result<Json> output = selected.ok() ? ApplyResultPath(state.result_path, raw, *selected) : selected;
    if (output.ok()) output = ApplyOutputPath(state, *output);
    if (!output.ok()) {
      done.Fail(state.name, std::string(kErrorRuntime), output.status().WithContext(where).message());
      return std::move(done).Build();
    }
    done.ExitTo(state, execution.current_input_json, *output, state.next, *machine_);
    return std::move(done).Build();
  }

  const std::string error(ErrorNameOf(result.status().code()));
  const std::string& cause = result.status().message();
  done.Add(db::kEventTaskFailed, state.name, input_json, "", attempt_detail, error, cause);

  // Retry: the first retrier whose ErrorEquals matches decides; once its attempts are used
  // up the error goes on to Catch.
  for (size_t i = 0; i < state.retry.size(); ++i) {
    const Retrier& retrier = state.retry[i];
    if (!ErrorMatches(retrier.error_equals, error)) continue;
    std::vector<int> counts = execution.retry_counts;
    counts.resize(state.retry.size(), 0);
    if (counts[i] >= retrier.max_attempts) break;
    const double interval_s = retrier.interval_seconds * std::pow(retrier.backoff_rate, counts[i]);
    const int64_t interval_ms = static_cast<int64_t>(std::llround(std::min(interval_s, kMaxWaitSeconds) * 1000.0));
    ++counts[i];
    db::Execution& row = done.row();
    row.retry_counts = counts;
    row.attempt = execution.attempt + 1;
    row.wake_at_ms = clock_->NowMs() + interval_ms;
    done.Add(db::kEventTaskRetried, state.name, "", "",
             Json{{"attempt", row.attempt}, {"interval_ms", interval_ms}, {"wake_at_ms", *row.wake_at_ms},
                  {"retrier", i}},
             error, cause);
    return std::move(done).Build();
  }
  for (const Catcher& catcher : state.catchers) {
    if (!ErrorMatches(catcher.error_equals, error)) continue;
    Result<Json> output = ApplyResultPath(catcher.result_path, raw, ErrorOutput(error, cause));
    if (!output.ok()) {
      done.Fail(state.name, std::string(kErrorRuntime), output.status().WithContext(where + ": Catch").message());
      return std::move(done).Build();
    }
    done.ExitTo(state, execution.current_input_json, *output, catcher.next, *machine_);
    return std::move(done).Build();
  }
  done.Fail(state.name, error, cause);
  return std::move(done).Build();
}

}  // namespace labelloop::workflow
