// When a detection that failed is tried again: transient failures (the database busy, an
// I/O error that may pass, memory short) wait with exponential back-off and try again,
// for as long as it takes; anything else (a corrupt or unsupported image, an object gone)
// fails for good with its reason. Pure functions.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace labelloop::flows {

inline constexpr int64_t kFirstRetryDelayMs = 1'000;
inline constexpr int64_t kMaxRetryDelayMs = 5 * 60'000;

// Unavailable and ResourceExhausted.
bool IsTransientDetectionError(const Status& status);
// The wait before the next attempt after `failed_attempts` (>= 1) failures: 1 s, 2 s,
// 4 s, ... capped at kMaxRetryDelayMs.
int64_t RetryDelayMs(int64_t failed_attempts);

}  // namespace labelloop::flows
