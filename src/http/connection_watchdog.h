// ConnectionWatchdog: a deadline for each request head. libmicrohttpd's own timeout
// counts inactivity only, so a client sending one header line every few seconds would hold
// its connection (and its thread) for ever; the watchdog shuts down the socket of any
// connection whose request head is not complete `head_timeout` after the connection
// opened or after its previous reply was sent. The server reports each connection's
// events; connections are opaque keys. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace labelloop::http {

class ConnectionWatchdog {
 public:
  explicit ConnectionWatchdog(std::chrono::milliseconds head_timeout) : head_timeout_(head_timeout) {}
  ~ConnectionWatchdog() { Stop(); }

  void Start();
  void Stop();  // idempotent

  // `fd` stays open until Closed() returns (the server reports Closed before closing it).
  void Opened(const void* connection, int fd);
  void HeadReceived(const void* connection);
  void ReplySent(const void* connection);
  void Closed(const void* connection);

  // Connections shut down for a late head (for logs and tests).
  int64_t expired_count() const { return expired_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    int fd = -1;
    std::optional<Clock::time_point> deadline;  // empty while a request is being served
  };

  void Run();

  const std::chrono::milliseconds head_timeout_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<const void*, Entry> connections_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  std::thread thread_;
  std::atomic<int64_t> expired_{0};
};

}  // namespace labelloop::http
