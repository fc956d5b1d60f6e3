// DeliveryOptions: how the Notifier retries deliveries (exponential backoff) and leases
// them. A plain value; thread-compatible.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace labelloop::notify {

struct DeliveryOptions {
  // Attempts per delivery, the first included; then the delivery is "failed".
  int max_attempts = 8;
  // Wait after the first failed attempt; it doubles after each further one, up to
  // max_delay_ms. The defaults retry for about an hour: 30 s, 1, 2, 4, 8, 16, 32 min.
  int64_t base_delay_ms = 30'000;
  int64_t max_delay_ms = 3'600'000;
  // A claimed delivery is not retried by anyone else for this long, so it must exceed the
  // slowest sink's timeout; a delivery whose process died is retried when it ends.
  int64_t lease_ms = 600'000;
  // Delivery threads also look for due deliveries this often (ones stored by another
  // process, or a clock that jumped); Publish in this process wakes them at once.
  int64_t poll_interval_ms = 5'000;
};

// InvalidArgument naming the field unless: max_attempts 1..100, base_delay_ms >= 1,
// base_delay_ms <= max_delay_ms <= 30 days, lease_ms >= 1000, poll_interval_ms >= 1.
Status ValidateDeliveryOptions(const DeliveryOptions& options);

// The wait after failed attempt number `failed_attempt` (1-based):
// min(base_delay_ms * 2^(failed_attempt - 1), max_delay_ms).
int64_t RetryDelayMs(const DeliveryOptions& options, int failed_attempt);

}  // namespace labelloop::notify
