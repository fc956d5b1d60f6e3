#include "auth/login_rate_limiter.h"

#include <fmt/format.h>

#include <charconv>

#include "auth/credential_rules.h"

namespace labelloop::auth {
namespace {

constexpr std::string_view kTryAgainIn = "try again in ";
constexpr size_t kSweepAtEntries = 10'000;

// Keys are bounded in length so a flood of huge names cannot grow memory much.
std::string UserKey(std::string_view user) { return "u:" + std::string(user.substr(0, kMaxNameLength + 1)); }
std::string AddressKey(std::string_view address) { return "a:" + std::string(address.substr(0, 128)); }

}  // namespace

std::deque<int64_t>* LoginRateLimiter::LiveFailures(const std::string& key, int64_t now_ms) {
  auto it = failures_ms_.find(key);
  if (it == failures_ms_.end()) return nullptr;
  std::deque<int64_t>& times = it->second;
  while (!times.empty() && times.front() <= now_ms - window_ms_) times.pop_front();
  if (times.empty()) {
    failures_ms_.erase(it);
    return nullptr;
  }
  return &times;
}

void LoginRateLimiter::SweepIfLarge(int64_t now_ms) {
  if (failures_ms_.size() < kSweepAtEntries) return;
  for (auto it = failures_ms_.begin(); it != failures_ms_.end();) {
    it = (it->second.empty() || it->second.back() <= now_ms - window_ms_) ? failures_ms_.erase(it) : std::next(it);
  }
}

Status LoginRateLimiter::Check(std::string_view user, std::string_view client_address, int64_t now_ms) {
  if (max_failures_ <= 0) return OkStatus();
  std::lock_guard lock(mu_);
  const auto check = [&](const std::string& key, const std::string& what) -> Status {
    std::deque<int64_t>* times = LiveFailures(key, now_ms);
    if (times == nullptr || static_cast<int>(times->size()) < max_failures_) return OkStatus();
    // Free again when the failure that brings the count below the limit leaves the window.
    const int64_t free_at_ms = (*times)[times->size() - max_failures_] + window_ms_;
    const int64_t retry_s = std::max<int64_t>(1, (free_at_ms - now_ms + 999) / 1000);
    return ResourceExhaustedError(fmt::format("too many failed sign-ins for {} ({} within {} minutes): {}{} seconds",
                                              what, times->size(), window_ms_ / 60'000, kTryAgainIn, retry_s));
  };
  RETURN_IF_ERROR(check(UserKey(user), fmt::format("user '{}'", user.substr(0, kMaxNameLength))));
  if (!client_address.empty()) {
    RETURN_IF_ERROR(check(AddressKey(client_address), fmt::format("address {}", client_address.substr(0, 128))));
  }
  return OkStatus();
}

void LoginRateLimiter::RecordFailure(std::string_view user, std::string_view client_address, int64_t now_ms) {
  if (max_failures_ <= 0) return;
  std::lock_guard lock(mu_);
  SweepIfLarge(now_ms);
  const auto record = [&](const std::string& key) {
    LiveFailures(key, now_ms);  // drops expired times first
    std::deque<int64_t>& times = failures_ms_[key];
    times.push_back(now_ms);
    // Only the newest max_failures matter for the verdict.
    while (static_cast<int>(times.size()) > max_failures_) times.pop_front();
  };
  record(UserKey(user));
  if (!client_address.empty()) record(AddressKey(client_address));
}

void LoginRateLimiter::RecordSuccess(std::string_view user) {
  std::lock_guard lock(mu_);
  failures_ms_.erase(UserKey(user));
}

size_t LoginRateLimiter::TrackedKeys() {
  std::lock_guard lock(mu_);
  return failures_ms_.size();
}

std::optional<int64_t> RetryAfterSeconds(const Status& status) {
  if (status.code() != StatusCode::kResourceExhausted) return std::nullopt;
  const std::string& m = status.message();
  const size_t at = m.rfind(kTryAgainIn);
  if (at == std::string::npos) return std::nullopt;
  int64_t seconds = 0;
  const char* begin = m.data() + at + kTryAgainIn.size();
  const auto [end, ec] = std::from_chars(begin, m.data() + m.size(), seconds);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return seconds;
}

}  // namespace labelloop::auth
