#include "events/event_queue.h"

#include <fmt/format.h>

#include "store/object_keys.h"

namespace labelloop::events {

namespace {

std::string ObjectDedupeKey(const std::string& key, const std::string& etag) {
  return fmt::format("object:{}:{}", key, etag);
}

}  // namespace

bool IsEventObjectKey(std::string_view key) {
  if (key.starts_with(store::kDetectionPrefix)) return key.size() > store::kDetectionPrefix.size() && key.back() != '/';
  return key.starts_with(store::kHumanLoopPrefix) && key.ends_with("/output.json");
}

Result<db::InsertedEvent> EventQueue::ObjectCreated(const std::string& key, const std::string& etag, int64_t size_bytes,
                                                    std::string_view origin) {
  if (!IsEventObjectKey(key)) return db::InsertedEvent{};
  return Enqueue(kObjectCreated, ObjectDedupeKey(key, etag),
                 {{"key", key}, {"etag", etag}, {"size", size_bytes}, {"origin", origin}});
}

Status EventQueue::MarkObjectHandled(const std::string& key, const std::string& etag, std::string_view origin) {
  return db_
      ->InsertDispatchedEvent(std::string(kObjectCreated), ObjectDedupeKey(key, etag),
                              nlohmann::json{{"key", key}, {"etag", etag}, {"origin", origin}}.dump(), clock_->NowMs())
      .status();
}

Result<db::InsertedEvent> EventQueue::ParameterChanged(int64_t seq, const std::string& name, const std::string& value,
                                                       int64_t version, const std::string& modified_by) {
  return Enqueue(kParameterChange, fmt::format("parameter:{}", seq),
                 {{"name", name}, {"value", value}, {"version", version}, {"modified_by", modified_by}, {"seq", seq}});
}

Result<db::InsertedEvent> EventQueue::ScheduleFired(const std::string& name, int64_t fire_ms, bool manual) {
  return Enqueue(kScheduleFired, fmt::format("schedule:{}:{}", name, fire_ms),
                 {{"schedule", name}, {"fire_ms", fire_ms}, {"manual", manual}});
}

void EventQueue::SetWakeup(std::function<void()> wakeup) {
  std::lock_guard lock(mu_);
  wakeup_ = std::move(wakeup);
}

Result<db::InsertedEvent> EventQueue::Enqueue(std::string_view type, const std::string& dedupe_key,
                                              nlohmann::json payload) {
  ASSIGN_OR_RETURN(db::InsertedEvent event,
                   db_->InsertEvent(std::string(type), dedupe_key, payload.dump(), clock_->NowMs()));
  if (event.inserted) {
    std::function<void()> wakeup;
    {
      std::lock_guard lock(mu_);
      wakeup = wakeup_;
    }
    if (wakeup) wakeup();
  }
  return event;
}

}  // namespace labelloop::events
