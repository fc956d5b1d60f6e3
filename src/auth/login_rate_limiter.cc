#include "auth/login_rate_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "auth/credential_rules.h"

namespace labelloop::auth {
namespace {

constexpr std::string_view kTryAgainIn = "try again in ";
constexpr size_t kSweepAtEntries = 10'000;
constexpr size_t kMaxAddressLength = 128;

// Keys are bounded in length so a flood of huge names cannot grow memory much. '\n' cannot
// occur in a valid name, so the pair key is unambiguous enough for invalid ones too.
std::string PairKey(std::string_view user, std::string_view address) {
  return fmt::format("p:{}\n{}", user.substr(0, kMaxNameLength + 1), address.substr(0, kMaxAddressLength));
}
std::string AddressKey(std::string_view address) { return "a:" + std::string(address.substr(0, kMaxAddressLength)); }

// Printable, bounded form of an untrusted name or address for messages.
std::string Shown(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f || c == '\'') ? '?' : c;
  }
  return out;
}

}  // namespace

LoginRateLimiter::Failures* LoginRateLimiter::Live(const std::string& key, int64_t now_ms) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return nullptr;
  const Failures& f = it->second;
  if (now_ms >= f.blocked_until_ms && now_ms - f.last_failure_ms >= limits_.forget_after_ms) {
    failures_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void LoginRateLimiter::SweepIfLarge(int64_t now_ms) {
  if (failures_.size() < kSweepAtEntries) return;
  for (auto it = failures_.begin(); it != failures_.end();) {
    const Failures& f = it->second;
    const bool forgotten = now_ms >= f.blocked_until_ms && now_ms - f.last_failure_ms >= limits_.forget_after_ms;
    it = forgotten ? failures_.erase(it) : std::next(it);
  }
}

Status LoginRateLimiter::Check(std::string_view user, std::string_view client_address, int64_t now_ms) {
  if (limits_.max_failures_per_user_address <= 0) return OkStatus();
  std::lock_guard lock(mu_);
  const auto check = [&](const std::string& key, const std::string& what) -> Status {
    const Failures* f = Live(key, now_ms);
    if (f == nullptr || now_ms >= f->blocked_until_ms) return OkStatus();
    const int64_t retry_s = std::max<int64_t>(1, (f->blocked_until_ms - now_ms + 999) / 1000);
    return ResourceExhaustedError(
        fmt::format("too many failed sign-ins for {} ({} in a row): {}{} seconds", what, f->count, kTryAgainIn, retry_s));
  };
  const std::string address = client_address.empty() ? "(unknown)" : Shown(client_address, kMaxAddressLength);
  RETURN_IF_ERROR(check(PairKey(user, client_address),
                        fmt::format("user '{}' from address {}", Shown(user, kMaxNameLength), address)));
  if (limits_.max_failures_per_address > 0) {
    RETURN_IF_ERROR(check(AddressKey(client_address), fmt::format("address {}", address)));
  }
  return OkStatus();
}

void LoginRateLimiter::Record(const std::string& key, int limit, int64_t now_ms) {
  Failures* live = Live(key, now_ms);
  Failures& f = live != nullptr ? *live : failures_[key];
  ++f.count;
  f.last_failure_ms = now_ms;
  if (f.count < limit) return;
  // 1x, 2x, 4x ... the first back-off for each failure past the limit, capped.
  int64_t backoff_ms = limits_.first_backoff_ms;
  for (int i = limit; i < f.count && backoff_ms < limits_.max_backoff_ms; ++i) backoff_ms *= 2;
  f.blocked_until_ms = now_ms + std::min(backoff_ms, limits_.max_backoff_ms);
}

void LoginRateLimiter::RecordFailure(std::string_view user, std::string_view client_address, int64_t now_ms) {
  if (limits_.max_failures_per_user_address <= 0) return;
  std::lock_guard lock(mu_);
  SweepIfLarge(now_ms);
  Record(PairKey(user, client_address), limits_.max_failures_per_user_address, now_ms);
  if (limits_.max_failures_per_address > 0) Record(AddressKey(client_address), limits_.max_failures_per_address, now_ms);
}

void LoginRateLimiter::RecordSuccess(std::string_view user, std::string_view client_address) {
  std::lock_guard lock(mu_);
  failures_.erase(PairKey(user, client_address));
}

size_t LoginRateLimiter::TrackedKeys() {
  std::lock_guard lock(mu_);
  return failures_.size();
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
