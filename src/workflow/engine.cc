#include "workflow/engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace labelloop::workflow {
namespace {

constexpr int kRefillBatch = 64;
// After a step could not be committed (db busy, I/O error): how long the execution rests.
constexpr int64_t kErrorDelayMs = 1000;
constexpr int kMaxWorkerThreads = 64;

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Create(StateMachine machine, const TaskRegistry* registry, db::WorkflowDb* db,
                                               const Clock* clock, EngineOptions options) {
  if (registry == nullptr || db == nullptr || clock == nullptr) {
    return InvalidArgumentError("workflow engine: registry, db and clock must not be null");
  }
  if (options.worker_threads < 1 || options.worker_threads > kMaxWorkerThreads) {
    return InvalidArgumentError(fmt::format("workflow engine: worker_threads must be 1..{}, got {}",
                                            kMaxWorkerThreads, options.worker_threads));
  }
  if (options.idle_poll_ms < 1 || options.idle_poll_ms > 60'000) {
    return InvalidArgumentError(
        fmt::format("workflow engine: idle_poll_ms must be 1..60000, got {}", options.idle_poll_ms));
  }
  for (const State& state : machine.states()) {
    if (state.type == StateType::kTask && registry->Find(state.resource) == nullptr) {
      return InvalidArgumentError(fmt::format("workflow engine: state '{}': Task Resource '{}' is not registered",
                                              state.name, state.resource));
    }
  }
  return std::unique_ptr<Engine>(new Engine(std::move(machine), registry, db, clock, options));
}

Engine::Engine(StateMachine machine, const TaskRegistry* registry, db::WorkflowDb* db, const Clock* clock,
               EngineOptions options)
    : machine_(std::move(machine)),
      registry_(registry),
      db_(db),
      clock_(clock),
      options_(options),
      stepper_(&machine_, registry_, clock_),
      id_random_(std::random_device{}()) {}

Engine::~Engine() { Stop(); }

std::string Engine::NewExecutionId() {
  uint64_t random;
  {
    std::lock_guard lock(mu_);
    random = id_random_();
  }
  return fmt::format("{}-{:016x}", FormatCompactUtc(clock_->NowMs()), random);
}

Result<std::string> Engine::StartExecution(const Json& input, const std::string& branch, const std::string& requested_id) {
  if (branch.empty()) return InvalidArgumentError("workflow execution: branch is empty (e.g. \"detection\")");
  const std::string id = requested_id.empty() ? NewExecutionId() : requested_id;
  Transition start = stepper_.Begin(id, branch, input);
  const bool running = start.execution.status == db::kExecutionRunning;
  Result<std::vector<db::ExecutionEvent>> created = db_->CreateExecution(start.execution, std::move(start.events));
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists && !requested_id.empty()) return id;
  ASSIGN_OR_RETURN(std::vector<db::ExecutionEvent> stored, std::move(created));
  if (running) {
    std::lock_guard lock(mu_);
    if (busy_.insert(id).second) ready_.push_back(id);
  }
  wake_.notify_one();
  Publish(stored);
  return id;
}

Status Engine::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return FailedPreconditionError("workflow engine: Start called twice (or after Stop)");
  started_ = true;
  for (int i = 0; i < options_.worker_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  return OkStatus();
}

void Engine::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
}

void Engine::SetListener(Listener listener) {
  auto shared = listener ? std::make_shared<const Listener>(std::move(listener)) : nullptr;
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(shared);
}

void Engine::Publish(const std::vector<db::ExecutionEvent>& events) {
  std::shared_ptr<const Listener> listener;
  {
    std::lock_guard lock(listener_mu_);
    listener = listener_;
  }
  if (!listener) return;
  for (const db::ExecutionEvent& event : events) {
    try {
      (*listener)(event);
    } catch (const std::exception& e) {
      spdlog::error("workflow: listener threw on {} event {} of execution {}: {}", event.type, event.id,
                    event.execution_id, e.what());
    } catch (...) {
      spdlog::error("workflow: listener threw a non-standard exception on event {} of execution {}", event.id,
                    event.execution_id);
    }
  }
}

std::optional<std::string> Engine::ClaimDue() {
  const int64_t now_ms = clock_->NowMs();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return std::nullopt;
    if (!ready_.empty()) {
      std::string id = std::move(ready_.front());
      ready_.pop_front();
      return id;  // stays in busy_ while claimed
    }
  }
  Result<std::vector<db::Execution>> due = db_->ListDueExecutions(now_ms, kRefillBatch);
  if (!due.ok()) {
    spdlog::error("workflow: cannot list due executions: {}", due.status().ToString());
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  if (stopping_) return std::nullopt;
  for (const db::Execution& execution : *due) {
    auto delayed = not_before_ms_.find(execution.id);
    if (delayed != not_before_ms_.end()) {
      if (delayed->second > now_ms) continue;
      not_before_ms_.erase(delayed);
    }
    if (busy_.insert(execution.id).second) ready_.push_back(execution.id);
  }
  if (ready_.empty()) return std::nullopt;
  std::string id = std::move(ready_.front());
  ready_.pop_front();
  if (!ready_.empty()) wake_.notify_one();  // more due work than this worker can take
  return id;
}

void Engine::Release(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    busy_.erase(id);
  }
  // An idle worker may have found this execution due but busy and gone to sleep.
  wake_.notify_all();
}

void Engine::DelayAfterError(const std::string& id, const Status& status) {
  spdlog::error("workflow: execution {}: step not committed, retrying in {} ms: {}", id, kErrorDelayMs,
                status.ToString());
  std::lock_guard lock(mu_);
  not_before_ms_[id] = clock_->NowMs() + kErrorDelayMs;
}

Status Engine::RunOneStep(db::Execution& execution) {
  const auto record = [this](db::ExecutionEvent event) -> Status {
    std::vector<db::ExecutionEvent> events;
    events.push_back(std::move(event));
    ASSIGN_OR_RETURN(std::vector<db::ExecutionEvent> stored, db_->AppendEvents(std::move(events)));
    Publish(stored);
    return OkStatus();
  };
  ASSIGN_OR_RETURN(Transition transition, stepper_.Step(execution, record));
  ASSIGN_OR_RETURN(std::vector<db::ExecutionEvent> stored,
                   db_->UpdateExecution(transition.execution, std::move(transition.events)));
  execution = std::move(transition.execution);
  Publish(stored);
  return OkStatus();
}

int Engine::Drive(const std::string& id) {
  // Re-read under the claim: the row in the db is the truth, and nobody else moves it now.
  Result<db::Execution> execution = db_->GetExecution(id);
  if (!execution.ok()) {
    DelayAfterError(id, execution.status());
    return 0;
  }
  int steps = 0;
  while (execution->status == db::kExecutionRunning && execution->wake_at_ms.value_or(0) <= clock_->NowMs()) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    Status status;
    try {  // the worker loop's catch-all: a bug in a step must not kill the worker
      status = RunOneStep(*execution);
    } catch (const std::exception& e) {
      status = InternalError(fmt::format("step of state '{}' threw: {}", execution->current_state, e.what()));
    } catch (...) {
      status = InternalError(fmt::format("step of state '{}' threw a non-standard exception", execution->current_state));
    }
    if (!status.ok()) {
      DelayAfterError(id, status);
      break;
    }
    ++steps;
  }
  return steps;
}

int Engine::RunUntilIdle() {
  int steps = 0;
  while (std::optional<std::string> id = ClaimDue()) {
    steps += Drive(*id);
    Release(*id);
  }
  return steps;
}

void Engine::WorkerLoop() {
  ++live_workers_;
  struct Exit {
    std::atomic<int>& live;
    ~Exit() { --live; }
  } exit{live_workers_};
  while (true) {
    if (std::optional<std::string> id = ClaimDue()) {
      Drive(*id);
      Release(*id);
      continue;
    }
    // Nothing due (or all due ones are claimed): sleep until the earliest wake-up, capped
    // by idle_poll_ms, or until StartExecution/Release/Stop notifies.
    int64_t sleep_ms = options_.idle_poll_ms;
    Result<std::optional<int64_t>> earliest = db_->FindEarliestWakeMs();
    if (!earliest.ok()) {
      spdlog::error("workflow: cannot read the next wake-up time: {}", earliest.status().ToString());
    } else if (earliest->has_value()) {
      const int64_t until_ms = **earliest - clock_->NowMs();
      if (until_ms > 0) sleep_ms = std::min(sleep_ms, until_ms);
    }
    std::unique_lock lock(mu_);
    if (stopping_) return;
    if (!ready_.empty()) continue;
    wake_.wait_for(lock, std::chrono::milliseconds(sleep_ms));
    if (stopping_) return;
  }
}

Result<db::Execution> Engine::GetExecution(const std::string& id) { return db_->GetExecution(id); }

Result<std::vector<db::Execution>> Engine::ListExecutions(const db::ExecutionFilter& filter) {
  return db_->ListExecutions(filter);
}

Result<std::vector<db::ExecutionEvent>> Engine::GetHistory(const std::string& id) { return db_->GetHistory(id); }

}  // namespace labelloop::workflow
