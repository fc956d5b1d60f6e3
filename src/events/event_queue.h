// EventQueue: the typed front of the durable event queue (db::EventDb). Producers (API
// uploads, the bucket watcher, the parameter-change feed, the schedules) enqueue here;
// the workflow's event dispatcher drains it. Each event has a dedupe key, so an object
// (key + content hash), a parameter change (its sequence number) or a schedule fire (name +
// time) is queued once however often it is reported. Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "db/event_db.h"

namespace labelloop::events {

inline constexpr std::string_view kObjectCreated = "object-created";
inline constexpr std::string_view kParameterChange = "parameter-change";
inline constexpr std::string_view kScheduleFired = "schedule";

// True for keys whose creation starts a flow: images under images_for_detection/ and
// review answers (".../output.json") under a2i-human-loop-data/.
bool IsEventObjectKey(std::string_view key);

class EventQueue {
 public:
  EventQueue(db::EventDb* db, const Clock* clock) : db_(db), clock_(clock) {}

  // `origin` says who saw it ("api", "watcher"). Keys that start no flow are ignored
  // (returns inserted = false, id 0).
  Result<db::InsertedEvent> ObjectCreated(const std::string& key, const std::string& etag, int64_t size_bytes,
                                          std::string_view origin);
  // Records the object as already handled (its flow ran synchronously, e.g. an API
  // detection), so a later report of the same key + content starts nothing.
  Status MarkObjectHandled(const std::string& key, const std::string& etag, std::string_view origin);
  Result<db::InsertedEvent> ParameterChanged(int64_t seq, const std::string& name, const std::string& value,
                                             int64_t version, const std::string& modified_by);
  Result<db::InsertedEvent> ScheduleFired(const std::string& name, int64_t fire_ms, bool manual);

  // Called (outside any lock) after an event is newly queued, e.g. to wake the dispatcher.
  void SetWakeup(std::function<void()> wakeup);

  db::EventDb& db() { return *db_; }

 private:
  Result<db::InsertedEvent> Enqueue(std::string_view type, const std::string& dedupe_key, nlohmann::json payload);

  db::EventDb* db_;
  const Clock* clock_;
  std::mutex mu_;
  std::function<void()> wakeup_;  // GUARDED_BY(mu_)
};

}  // namespace labelloop::events
