// EventHub: the server's live event feed (GET /api/v1/stream). Publishers (the routes, and
// the app's listeners on the workflow engine and the notifier) call Publish; each open
// stream waits for events after the last id it sent. Ids grow by one per event within a
// process; the last `history_size` events are kept so a reconnecting browser
// (Last-Event-ID) misses nothing recent. Thread-safe; Publish never blocks on a stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace labelloop::http {

struct ServerEvent {
  int64_t id = 0;
  std::string type;     // e.g. "object.created", "execution", "notification"
  nlohmann::json data;
};

class EventHub {
 public:
  explicit EventHub(size_t history_size = 256);

  void Publish(std::string type, nlohmann::json data);

  // Events with id > after_id, waiting up to `timeout` for the first one. Empty on
  // timeout or once the hub is closed. When after_id is older than the kept history,
  // returns the whole history (the caller cannot tell what it missed before that).
  std::vector<ServerEvent> WaitAfter(int64_t after_id, std::chrono::milliseconds timeout);
  // Id of the newest event (0 before the first).
  int64_t last_id() const;

  // Wakes every waiter; WaitAfter returns at once from now on. Idempotent.
  void Close();
  bool closed() const;

  // Stream slots: each open stream holds a server worker, so their number is capped.
  bool TryAcquireStream(int max_streams);
  void ReleaseStream();
  int open_streams() const;

 private:
  const size_t history_size_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<ServerEvent> history_;  // GUARDED_BY(mu_), oldest first
  int64_t last_id_ = 0;              // GUARDED_BY(mu_)
  bool closed_ = false;              // GUARDED_BY(mu_)
  int open_streams_ = 0;             // GUARDED_BY(mu_)
};

}  // namespace labelloop::http
