// ExecutionStepper: the states-language semantics, without threads or storage. Given an
// execution row it runs the current state once (calling the Task handler if any) and
// returns the next row plus the history events to commit with it, in one transaction.
// Runtime errors (a path missing from the input, a bad SecondsPath) become an
// ExecutionFailed transition with error "States.Runtime", never a returned Status.
// Stateless apart from its const inputs; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/workflow_db.h"
#include "workflow/state_machine.h"
#include "workflow/task_registry.h"

namespace labelloop::workflow {

// One state transition: the execution row after it and the events it adds.
struct Transition {
  db::Execution execution;
  std::vector<db::ExecutionEvent> events;
};

// The states-language error name of a failed task's status code ("Unavailable", ...).
std::string_view ErrorNameOf(StatusCode code);

class ExecutionStepper {
 public:
  // Stores an event before a Task handler runs (TaskScheduled), so a crash re-run shows.
  using RecordEvent = std::function<Status(db::ExecutionEvent event)>;

  // REQUIRES: the pointers outlive the stepper.
  ExecutionStepper(const StateMachine* machine, const TaskRegistry* registry, const Clock* clock)
      : machine_(machine), registry_(registry), clock_(clock) {}

  // A new execution entering StartAt (ExecutionStarted, StateEntered, maybe WaitStarted).
  Transition Begin(const std::string& id, const std::string& branch, const Json& input) const;

  // Runs the current state of `execution` (REQUIRES: RUNNING and due). An error only when
  // `record` fails (nothing ran then, except the handler never being called).
  Result<Transition> Step(const db::Execution& execution, const RecordEvent& record) const;

 private:
  Result<Transition> StepTask(const State& state, const db::Execution& execution, const Json& raw_input,
                              const RecordEvent& record) const;

  const StateMachine* machine_;
  const TaskRegistry* registry_;
  const Clock* clock_;
};

}  // namespace labelloop::workflow
