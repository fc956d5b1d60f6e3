#include "flows/detection_retry.h"

#include <algorithm>

namespace labelloop::flows {

bool IsTransientDetectionError(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kResourceExhausted;
}

int64_t RetryDelayMs(int64_t failed_attempts) {
  int64_t delay = kFirstRetryDelayMs;
  for (int64_t i = 1; i < failed_attempts && delay < kMaxRetryDelayMs; ++i) delay *= 2;
  return std::min(delay, kMaxRetryDelayMs);
}

}  // namespace labelloop::flows
