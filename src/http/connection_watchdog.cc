#include "http/connection_watchdog.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

namespace labelloop::http {

// Checked this often: the deadline is kept to within this much.
constexpr std::chrono::milliseconds kScanInterval{100};

void ConnectionWatchdog::Start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void ConnectionWatchdog::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ConnectionWatchdog::Opened(const void* connection, int fd) {
  std::lock_guard lock(mu_);
  connections_[connection] = Entry{fd, Clock::now() + head_timeout_};
}

void ConnectionWatchdog::HeadReceived(const void* connection) {
  std::lock_guard lock(mu_);
  if (auto it = connections_.find(connection); it != connections_.end()) it->second.deadline.reset();
}

void ConnectionWatchdog::ReplySent(const void* connection) {
  std::lock_guard lock(mu_);
  if (auto it = connections_.find(connection); it != connections_.end()) {
    it->second.deadline = Clock::now() + head_timeout_;
  }
}

void ConnectionWatchdog::Closed(const void* connection) {
  std::lock_guard lock(mu_);
  connections_.erase(connection);
}

void ConnectionWatchdog::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, kScanInterval, [this] { return stopping_; });
    const Clock::time_point now = Clock::now();
    for (auto& [connection, entry] : connections_) {
      if (!entry.deadline || *entry.deadline > now) continue;
      entry.deadline.reset();  // once: the connection's own thread closes it now
      // shutdown, not close: the fd still belongs to libmicrohttpd, which sees EOF and
      // closes the connection itself (Closed() arrives before it closes the fd).
      ::shutdown(entry.fd, SHUT_RDWR);
      expired_.fetch_add(1);
      spdlog::debug("closed a connection whose request head took longer than {} ms", head_timeout_.count());
    }
  }
}

}  // namespace labelloop::http
