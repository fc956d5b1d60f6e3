// Keeps notifications that happen once per detection (a detection result, a review task
// made for an uncertain image) from flooding the mail and webhook sinks when a consumer
// calls /detect in a loop. Per kind, at most `max_per_minute` go out one by one in each
// minute-long window; the rest are only counted, and the first one sent in a later window
// carries how many were held back, to be announced in one summary notification. (Every
// detection is still in the detection log, and every review task in the portal.)
// Time comes from the caller (the Clock). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace labelloop::notify {

inline constexpr int kDefaultPerDetectionNoticesPerMinute = 20;

class NoticeLimiter {
 public:
  // max_per_minute <= 0: no limit.
  explicit NoticeLimiter(int max_per_minute = kDefaultPerDetectionNoticesPerMinute) : max_per_minute_(max_per_minute) {}

  struct Decision {
    bool send = true;          // publish this one on its own
    int64_t held_back = 0;     // when sending: how many of this kind were not sent since the last one
  };
  Decision Take(std::string_view kind, int64_t now_ms);

  int max_per_minute() const { return max_per_minute_; }

 private:
  struct Window {
    int64_t start_ms = 0;
    int sent = 0;
    int64_t held_back = 0;  // not yet announced
  };

  const int max_per_minute_;
  std::mutex mu_;
  std::map<std::string, Window, std::less<>> windows_;  // GUARDED_BY(mu_); one per kind (a handful)
};

}  // namespace labelloop::notify
