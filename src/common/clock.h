// Clock: the one source of "now" (wall time in ms since the Unix epoch). Real and fake
// implementations; FakeClock is advanced by hand in tests. Both are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace labelloop {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  static SystemClock* Default();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t delta_ms) { now_ms_ += delta_ms; }
  void SetMs(int64_t now_ms) { now_ms_ = now_ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

// "2026-11-26T00:32:25.123Z"
std::string FormatIso8601Utc(int64_t ms_since_epoch);
// "20261126T003225": used in version names, sortable.
std::string FormatCompactUtc(int64_t ms_since_epoch);

}  // namespace labelloop
