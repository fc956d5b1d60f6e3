// EventDispatcher: the server's event loop. Each tick it turns new parameter changes
// (also those the CLI made in another process, via the change-sequence cursor) and due
// schedules into events, then starts one workflow execution per pending event, with the
// event in its input and the branch named after it. Events are dispatched oldest first;
// an event whose execution could not be started stays pending and is retried next tick.
// Thread-safe: Tick may run on the dispatcher's thread or a test's.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "db/param_db.h"
#include "events/event_queue.h"
#include "schedule/scheduler.h"
#include "workflow/engine.h"

namespace labelloop::flows {

struct DispatcherOptions {
  int64_t wait_seconds = 2;   // the Wait states' period in the training branch ($.wait_seconds)
  int64_t tick_ms = 200;      // longest sleep between ticks when nothing wakes the loop
  int batch = 500;            // events dispatched per tick at most
};

// The workflow branch an event runs ("detection", "training-poll", ...), or "" when the
// event starts nothing.
std::string BranchOfEvent(const db::EventRecord& event, const nlohmann::json& payload);

class EventDispatcher {
 public:
  EventDispatcher(events::EventQueue* queue, workflow::Engine* engine, db::ParamDb* param_db,
                  schedule::Scheduler* schedules, const Clock* clock, DispatcherOptions options = {});
  ~EventDispatcher();

  // On the first start of a data folder, parameter values written before now (the
  // defaults) are not changes to react to: the cursor starts at the latest one.
  Status InitializeParameterCursor();
  // Parameter changes since the cursor -> parameter-change events. System-only
  // parameters (For-System-Use-Only) are the system's own bookkeeping and start nothing.
  Result<int> PollParameterChanges();
  // Due (or manually triggered) schedules -> schedule events.
  Result<int> PollSchedules();
  // Pending events -> executions. Returns how many were started.
  Result<int> DispatchPending();
  // All three; errors are logged and retried next tick. Returns executions started.
  int Tick();

  void Start();
  void Stop();
  // Makes the loop tick now (an event was queued).
  void Wake();

 private:
  events::EventQueue* queue_;
  workflow::Engine* engine_;
  db::ParamDb* param_db_;
  schedule::Scheduler* schedules_;
  const Clock* clock_;
  DispatcherOptions options_;
  std::mutex tick_mu_;  // one tick at a time
  std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;     // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace labelloop::flows
