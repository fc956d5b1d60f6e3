// Counts failed sign-ins per user name and per client address in a sliding window (time
// from the Clock, passed in, so tests use FakeClock): after `max_failures` failures within
// `window_ms`, further attempts for that name or address are refused with ResourceExhausted
// until the oldest failure leaves the window. Kept in memory: a restart forgets the counts.
// Memory stays bounded: expired entries are swept when the table grows. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace labelloop::auth {

class LoginRateLimiter {
 public:
  // max_failures <= 0 turns limiting off.
  LoginRateLimiter(int max_failures, int64_t window_ms) : max_failures_(max_failures), window_ms_(window_ms) {}

  // OK, or ResourceExhausted naming the user or address and saying "try again in N seconds".
  // An empty `client_address` is not limited.
  Status Check(std::string_view user, std::string_view client_address, int64_t now_ms);
  void RecordFailure(std::string_view user, std::string_view client_address, int64_t now_ms);
  // Forgets the failures of `user` (not of its address: one good account must not unlock
  // guessing at the others from the same address).
  void RecordSuccess(std::string_view user);
  // Names and addresses with failures held in memory (for tests and metrics).
  size_t TrackedKeys();

 private:
  // Failures of `key` still inside the window; drops older ones. REQUIRES: mu_ held.
  std::deque<int64_t>* LiveFailures(const std::string& key, int64_t now_ms);
  void SweepIfLarge(int64_t now_ms);  // REQUIRES: mu_ held.

  const int max_failures_;
  const int64_t window_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<int64_t>> failures_ms_;  // GUARDED_BY(mu_)
};

// The "try again in N seconds" of a status from Check (for an HTTP Retry-After header).
std::optional<int64_t> RetryAfterSeconds(const Status& status);

}  // namespace labelloop::auth
