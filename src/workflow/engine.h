// Engine: runs executions of one StateMachine durably on a WorkflowDb. Every transition
// is one db transaction, so after a crash (kill -9 at any moment) a new Engine on the same
// database resumes every RUNNING execution at its last committed state; a Task interrupted
// by the crash runs again with the same TaskContext::IdempotencyKey (at-least-once). A
// Wait or a Retry delay holds no thread: the row's wake_at_ms says when the next step is
// due and workers pick due executions. One Engine per database. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/workflow_db.h"
#include "workflow/execution_stepper.h"
#include "workflow/state_machine.h"
#include "workflow/task_registry.h"

namespace labelloop::workflow {

struct EngineOptions {
  int worker_threads = 2;     // 1..64
  int64_t idle_poll_ms = 100;  // longest sleep of an idle worker before it looks at the db again
};

class Engine {
 public:
  using Listener = std::function<void(const db::ExecutionEvent&)>;

  // REQUIRES: registry, db and clock outlive the engine. InvalidArgument for a null pointer,
  // bad options, or a Task Resource of `machine` missing from `registry`.
  static Result<std::unique_ptr<Engine>> Create(StateMachine machine, const TaskRegistry* registry,
                                                db::WorkflowDb* db, const Clock* clock, EngineOptions options = {});
  ~Engine();  // Stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Creates a RUNNING execution at StartAt; durable before it returns; wakes a worker.
  // `branch` is a free label stored for filtering ("detection", "training-poll").
  // InvalidArgument for an empty branch; db errors as they come.
  // `id` empty: the engine names the execution. Given: starting the same id again is a
  // no-op that returns it (AlreadyExists is swallowed), so a caller that may retry after
  // a crash (the event dispatcher) starts each execution once.
  Result<std::string> StartExecution(const Json& input, const std::string& branch, const std::string& id = "");

  // Starts the worker threads; they resume the RUNNING executions found in the db.
  // FailedPrecondition when started before (or stopped).
  Status Start();
  // Graceful: no new steps; waits for running task handlers to return and commits their
  // results. Idempotent. Everything not finished stays RUNNING in the db.
  void Stop();

  // Tests and benchmarks: on the caller's thread, runs every step due at clock->NowMs()
  // until none is due. Returns the number of steps run.
  int RunUntilIdle();

  // Worker threads running their loop now: options.worker_threads between Start and
  // Stop, unless one died (readiness reports the engine not ready then).
  int live_workers() const { return live_workers_.load(); }
  int worker_threads() const { return options_.worker_threads; }

  // Called after each stored event, from the thread that stored it, with no engine lock
  // held (so it may call back into the engine). Set it before Start().
  void SetListener(Listener listener);

  Result<db::Execution> GetExecution(const std::string& id);
  // Newest first; see db::ExecutionFilter for status/branch filters and pagination.
  Result<std::vector<db::Execution>> ListExecutions(const db::ExecutionFilter& filter);
  Result<std::vector<db::ExecutionEvent>> GetHistory(const std::string& id);

  // The definition (its JSON text for the console's graph: machine().definition_json()).
  const StateMachine& machine() const { return machine_; }

 private:
  Engine(StateMachine machine, const TaskRegistry* registry, db::WorkflowDb* db, const Clock* clock,
         EngineOptions options);

  // Claims a due execution id (from the ready queue, refilled from the db); nullopt when
  // none is due.
  std::optional<std::string> ClaimDue();
  void Release(const std::string& id);
  // Runs steps of a claimed execution while it stays due. Returns the steps run.
  int Drive(const std::string& id);
  Status RunOneStep(db::Execution& execution);
  void DelayAfterError(const std::string& id, const Status& status);
  void WorkerLoop();
  void Publish(const std::vector<db::ExecutionEvent>& events);
  std::string NewExecutionId();

  const StateMachine machine_;
  const TaskRegistry* const registry_;
  db::WorkflowDb* const db_;
  const Clock* const clock_;
  const EngineOptions options_;
  const ExecutionStepper stepper_;

  std::mutex mu_;
  std::condition_variable wake_;                  // new work, a released execution, or Stop
  std::deque<std::string> ready_;                 // GUARDED_BY(mu_): due ids, not yet claimed
  std::set<std::string> busy_;                    // GUARDED_BY(mu_): ids queued in ready_ or claimed
  std::map<std::string, int64_t> not_before_ms_;  // GUARDED_BY(mu_): retry delay after a failed step
  bool started_ = false;                          // GUARDED_BY(mu_)
  bool stopping_ = false;                         // GUARDED_BY(mu_)
  std::mt19937_64 id_random_;                     // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;
  std::atomic<int> live_workers_{0};

  std::mutex listener_mu_;
  std::shared_ptr<const Listener> listener_;  // GUARDED_BY(listener_mu_)
};

}  // namespace labelloop::workflow
