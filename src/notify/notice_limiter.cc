#include "notify/notice_limiter.h"

namespace labelloop::notify {

NoticeLimiter::Decision NoticeLimiter::Take(std::string_view kind, int64_t now_ms) {
  if (max_per_minute_ <= 0) return Decision{};
  constexpr int64_t kWindowMs = 60'000;
  std::lock_guard lock(mu_);
  auto it = windows_.find(kind);
  if (it == windows_.end()) it = windows_.emplace(std::string(kind), Window{now_ms, 0, 0}).first;
  Window& w = it->second;
  if (now_ms - w.start_ms >= kWindowMs || now_ms < w.start_ms) {
    w.start_ms = now_ms;
    w.sent = 0;
  }
  if (w.sent >= max_per_minute_) {
    ++w.held_back;
    return Decision{false, 0};
  }
  ++w.sent;
  Decision d{true, w.held_back};
  w.held_back = 0;
  return d;
}

}  // namespace labelloop::notify
