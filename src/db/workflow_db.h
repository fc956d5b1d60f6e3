// WorkflowDb: durable workflow executions and their history events. The workflow engine
// writes every state transition as one call (one transaction) so a crash at any moment
// leaves each execution at a state boundary it can resume from. All methods are
// thread-safe and return errors as Status (never throw): Unavailable when the database is
// busy or an I/O error may pass, DataLoss when stored data cannot be read back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

// Execution statuses (same names as the seed's step functions).
inline constexpr std::string_view kExecutionRunning = "RUNNING";
inline constexpr std::string_view kExecutionSucceeded = "SUCCEEDED";
inline constexpr std::string_view kExecutionFailed = "FAILED";

// History event types.
inline constexpr std::string_view kEventExecutionStarted = "ExecutionStarted";
inline constexpr std::string_view kEventStateEntered = "StateEntered";
inline constexpr std::string_view kEventStateExited = "StateExited";
inline constexpr std::string_view kEventTaskScheduled = "TaskScheduled";
inline constexpr std::string_view kEventTaskSucceeded = "TaskSucceeded";
inline constexpr std::string_view kEventTaskFailed = "TaskFailed";
inline constexpr std::string_view kEventTaskRetried = "TaskRetried";
inline constexpr std::string_view kEventWaitStarted = "WaitStarted";
inline constexpr std::string_view kEventExecutionSucceeded = "ExecutionSucceeded";
inline constexpr std::string_view kEventExecutionFailed = "ExecutionFailed";

struct Execution {
  std::string id;                  // unique, chosen by the engine
  std::string branch;              // free label given by the caller ("detection", "training-poll")
  std::string status;              // kExecutionRunning / kExecutionSucceeded / kExecutionFailed
  std::string input_json;          // the execution's input
  std::string current_state;       // RUNNING: the state the next step runs; else the last state
  std::string current_input_json;  // raw input of current_state
  std::optional<int64_t> wake_at_ms;  // RUNNING: the next step is due at this time; else unset
  int64_t start_ms = 0;
  std::optional<int64_t> stop_ms;  // set when the execution finished
  std::string output_json;         // SUCCEEDED: the output; else empty
  std::string error;               // FAILED: the error name ("Unavailable", "States.Runtime", ...)
  std::string cause;               // FAILED: a human-readable cause
  int64_t step_count = 0;          // transitions committed; UpdateExecution requires +1 each time
  int attempt = 1;                 // 1-based attempt of current_state (a Task with Retry)
  std::vector<int> retry_counts;   // retries used so far per Retry entry of current_state
  std::map<std::string, int> state_entries;  // how many times each state was entered

  bool operator==(const Execution&) const = default;
};

struct ExecutionEvent {
  int64_t id = 0;            // assigned when stored; increases in storage order
  std::string execution_id;
  int64_t time_ms = 0;
  std::string type;          // one of the kEvent* names
  std::string state_name;    // the state concerned (for ExecutionStarted: the start state)
  std::string input_json;    // StateEntered/StateExited/Task*: the input; else may be empty
  std::string output_json;   // StateExited/TaskSucceeded/ExecutionSucceeded: the output
  std::string error;         // TaskFailed/ExecutionFailed
  std::string cause;
  std::string detail_json;   // type-specific JSON object (attempt, wake_at_ms, resource, ...) or empty

  bool operator==(const ExecutionEvent&) const = default;
};

struct ExecutionFilter {
  std::optional<std::string> status;  // only executions with this status
  std::optional<std::string> branch;  // only executions of this branch
  int limit = 50;                     // 1..1000
  std::string before_id;              // page after this execution (older ones); empty: from the newest
  int offset = 0;                     // or skip this many (not together with before_id)
};

// InvalidArgument (naming the execution and the field) unless: id and branch non-empty and
// at most 256 bytes, known status, RUNNING has wake_at_ms, times and counts non-negative.
Status ValidateExecution(const Execution& execution);

class WorkflowDb {
 public:
  virtual ~WorkflowDb() = default;

  // Inserts a new execution and appends `events` to its history, in one transaction.
  // Returns the events as stored (ids set). AlreadyExists when the id is taken.
  virtual Result<std::vector<ExecutionEvent>> CreateExecution(const Execution& execution,
                                                              std::vector<ExecutionEvent> events) = 0;
  // Replaces every field of the execution `execution.id` and appends `events`, in one
  // transaction. REQUIRES: execution.step_count is the stored step_count + 1 (otherwise
  // FailedPrecondition and nothing changes: someone else moved it). NotFound when absent.
  virtual Result<std::vector<ExecutionEvent>> UpdateExecution(const Execution& execution,
                                                              std::vector<ExecutionEvent> events) = 0;
  // Appends events that change no execution field. NotFound when an execution is absent.
  virtual Result<std::vector<ExecutionEvent>> AppendEvents(std::vector<ExecutionEvent> events) = 0;

  // NotFound when absent.
  virtual Result<Execution> GetExecution(const std::string& id) = 0;
  // Newest first (by start_ms, then by creation order). InvalidArgument for a bad filter;
  // NotFound when before_id names no execution.
  virtual Result<std::vector<Execution>> ListExecutions(const ExecutionFilter& filter) = 0;
  // RUNNING executions with wake_at_ms <= now_ms, earliest wake-up first, at most `limit`.
  virtual Result<std::vector<Execution>> ListDueExecutions(int64_t now_ms, int limit) = 0;
  // The earliest wake_at_ms of any RUNNING execution; std::nullopt when none is running.
  virtual Result<std::optional<int64_t>> FindEarliestWakeMs() = 0;
  // Every event of the execution in storage order. NotFound when the execution is absent.
  virtual Result<std::vector<ExecutionEvent>> GetHistory(const std::string& execution_id) = 0;
};

// Opens (creating if needed) the SQLite database at `path` with its own connection and
// applies pending migrations; ":memory:" gives a private in-memory database. One mutex
// serialises calls on this handle. `clock` stamps migrations and must outlive the db.
// DataLoss when the file is not an SQLite database; FailedPrecondition when it was written
// by a newer labelloop.
Result<std::unique_ptr<WorkflowDb>> OpenSqliteWorkflowDb(const std::string& path, const Clock* clock);

}  // namespace labelloop::db
