#include "flows/event_dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/json_util.h"
#include "params/parameter_definitions.h"
#include "store/object_keys.h"

namespace labelloop::flows {
namespace {

constexpr const char* kParameterCursor = "parameter-changes";

}  // namespace

std::string BranchOfEvent(const db::EventRecord& event, const nlohmann::json& payload) {
  if (event.type == events::kParameterChange) return "parameter-change";
  if (event.type == events::kScheduleFired) return payload.value("schedule", "");
  if (event.type == events::kObjectCreated) {
    const std::string key = payload.value("key", "");
    if (key.starts_with(store::kDetectionPrefix)) return "detection";
    if (key.starts_with(store::kHumanLoopPrefix)) return "review-output";
  }
  return "";
}

EventDispatcher::EventDispatcher(events::EventQueue* queue, workflow::Engine* engine, db::ParamDb* param_db,
                                 schedule::Scheduler* schedules, const Clock* clock, DispatcherOptions options)
    : queue_(queue), engine_(engine), param_db_(param_db), schedules_(schedules), clock_(clock), options_(options) {}

EventDispatcher::~EventDispatcher() { Stop(); }

Status EventDispatcher::InitializeParameterCursor() {
  ASSIGN_OR_RETURN(std::optional<std::string> cursor, queue_->db().FindCursor(kParameterCursor));
  if (cursor) return OkStatus();
  ASSIGN_OR_RETURN(const int64_t last, param_db_->LastChangeSeq());
  return queue_->db().PutCursor(kParameterCursor, std::to_string(last));
}

Result<int> EventDispatcher::PollParameterChanges() {
  ASSIGN_OR_RETURN(std::optional<std::string> cursor, queue_->db().FindCursor(kParameterCursor));
  int64_t after = cursor ? std::stoll(*cursor) : 0;
  int queued = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<db::ParamChange> changes, param_db_->ListChangesAfter(after, 100));
    if (changes.empty()) break;
    for (const db::ParamChange& change : changes) {
      const params::ParameterDefinition* definition = params::FindParameterDefinition(change.name);
      if (definition != nullptr && !definition->system_only) {
        ASSIGN_OR_RETURN(db::InsertedEvent event, queue_->ParameterChanged(change.seq, change.name, change.value,
                                                                            change.version, change.modified_by));
        if (event.inserted) ++queued;
      }
      after = change.seq;
    }
    // The cursor moves after the events are queued: a crash in between re-queues them,
    // and the dedupe key (the change's sequence number) drops the copies.
    RETURN_IF_ERROR(queue_->db().PutCursor(kParameterCursor, std::to_string(after)));
  }
  return queued;
}

Result<int> EventDispatcher::PollSchedules() {
  ASSIGN_OR_RETURN(std::vector<schedule::ScheduleFire> due, schedules_->TakeDue());
  int queued = 0;
  for (const schedule::ScheduleFire& fire : due) {
    ASSIGN_OR_RETURN(db::InsertedEvent event, queue_->ScheduleFired(fire.name, fire.fire_ms, fire.manual));
    if (event.inserted) ++queued;
  }
  return queued;
}

Result<int> EventDispatcher::DispatchPending() {
  ASSIGN_OR_RETURN(std::vector<db::EventRecord> pending, queue_->db().ListPendingEvents(options_.batch));
  int started = 0;
  for (const db::EventRecord& event : pending) {
    ASSIGN_OR_RETURN(nlohmann::json payload, ParseJson(event.payload_json, fmt::format("event {}", event.id)));
    const std::string branch = BranchOfEvent(event, payload);
    std::string execution_id;
    if (branch.empty()) {
      spdlog::warn("event {} ({} {}) starts no flow; dropped", event.id, event.type, event.dedupe_key);
    } else {
      nlohmann::json input = payload;
      input["event_type"] = event.type;
      input["event_id"] = event.id;
      input["wait_seconds"] = options_.wait_seconds;
      // Named after the event: a crash before the event is marked dispatched re-dispatches
      // it next start, and the engine then finds the execution already there.
      ASSIGN_OR_RETURN(execution_id, engine_->StartExecution(input, branch,
                                                             fmt::format("{}-event{}", FormatCompactUtc(event.created_ms), event.id)));
      ++started;
    }
    RETURN_IF_ERROR(queue_->db().MarkEventDispatched(event.id, execution_id, clock_->NowMs()));
  }
  return started;
}

int EventDispatcher::Tick() {
  std::lock_guard lock(tick_mu_);
  if (Result<int> r = PollParameterChanges(); !r.ok()) spdlog::warn("parameter changes: {}", r.status().ToString());
  if (Result<int> r = PollSchedules(); !r.ok()) spdlog::warn("schedules: {}", r.status().ToString());
  Result<int> started = DispatchPending();
  if (!started.ok()) {
    spdlog::warn("dispatching events: {} (retrying)", started.status().ToString());
    return 0;
  }
  return *started;
}

void EventDispatcher::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      woken_ = false;
      lock.unlock();
      const int started = Tick();
      lock.lock();
      // A full batch means more are waiting: go again at once.
      if (started >= options_.batch) continue;
      wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms), [&] { return stopping_ || woken_; });
    }
  });
}

void EventDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventDispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

}  // namespace labelloop::flows
