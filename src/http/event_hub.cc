#include "http/event_hub.h"

#include <algorithm>

namespace labelloop::http {

EventHub::EventHub(size_t history_size) : history_size_(std::max<size_t>(history_size, 1)) {}

void EventHub::Publish(std::string type, nlohmann::json data) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    history_.push_back(ServerEvent{++last_id_, std::move(type), std::move(data)});
    while (history_.size() > history_size_) history_.pop_front();
  }
  changed_.notify_all();
}

std::vector<ServerEvent> EventHub::WaitAfter(int64_t after_id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || last_id_ > after_id; });
  std::vector<ServerEvent> events;
  if (closed_) return events;
  for (const ServerEvent& event : history_) {
    if (event.id > after_id) events.push_back(event);
  }
  return events;
}

int64_t EventHub::last_id() const {
  std::lock_guard lock(mu_);
  return last_id_;
}

void EventHub::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  changed_.notify_all();
}

bool EventHub::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool EventHub::TryAcquireStream(int max_streams) {
  std::lock_guard lock(mu_);
  if (closed_ || open_streams_ >= max_streams) return false;
  ++open_streams_;
  return true;
}

void EventHub::ReleaseStream() {
  std::lock_guard lock(mu_);
  if (open_streams_ > 0) --open_streams_;
}

int EventHub::open_streams() const {
  std::lock_guard lock(mu_);
  return open_streams_;
}

}  // namespace labelloop::http
