// Limits password guessing without letting a stranger lock a real user out. Failed sign-ins
// are counted per (user name, client address) and per client address, never per user name
// alone: failures from 203.0.113.7 for "admin" never block "admin" signing in from elsewhere.
// When a count reaches its limit, that key waits a back-off (first_backoff_ms, doubled with
// each further failure, at most max_backoff_ms) before the next attempt; a key with no
// failure for forget_after_ms starts again from zero. Time comes from the caller (the
// Clock), so tests use FakeClock. Kept in memory: a restart forgets the counts. Memory stays
// bounded: forgotten keys are swept when the table grows. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace labelloop::auth {

struct LoginLimits {
  int max_failures_per_user_address = 5;  // <= 0 turns all limiting off
  int max_failures_per_address = 20;      // across all user names; <= 0: not limited
  int64_t first_backoff_ms = 60 * 1000;
  int64_t max_backoff_ms = 15 * 60 * 1000;
  int64_t forget_after_ms = 15 * 60 * 1000;
};

class LoginRateLimiter {
 public:
  explicit LoginRateLimiter(LoginLimits limits) : limits_(limits) {}

  // OK, or ResourceExhausted naming the user and address (or the address) and saying "try
  // again in N seconds". An empty `client_address` is one address like any other.
  Status Check(std::string_view user, std::string_view client_address, int64_t now_ms);
  void RecordFailure(std::string_view user, std::string_view client_address, int64_t now_ms);
  // Forgets the failures of `user` from `client_address` (not the address's own count: one
  // good account must not unlock guessing at the others from the same address).
  void RecordSuccess(std::string_view user, std::string_view client_address);
  // Keys held in memory (for tests and metrics).
  size_t TrackedKeys();

 private:
  struct Failures {
    int count = 0;
    int64_t last_failure_ms = 0;
    int64_t blocked_until_ms = 0;
  };

  // The key's failures unless forgotten (then erased). REQUIRES: mu_ held.
  Failures* Live(const std::string& key, int64_t now_ms);
  void Record(const std::string& key, int limit, int64_t now_ms);  // REQUIRES: mu_ held.
  void SweepIfLarge(int64_t now_ms);                                // REQUIRES: mu_ held.

  const LoginLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, Failures> failures_;  // GUARDED_BY(mu_)
};

// The "try again in N seconds" of a status from Check (for an HTTP Retry-After header).
std::optional<int64_t> RetryAfterSeconds(const Status& status);

}  // namespace labelloop::auth
