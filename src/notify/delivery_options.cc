#include "notify/delivery_options.h"

#include <fmt/format.h>

#include <algorithm>

namespace labelloop::notify {

constexpr int64_t kMaxDelayMs = 30LL * 24 * 3600 * 1000;

Status ValidateDeliveryOptions(const DeliveryOptions& o) {
  if (o.max_attempts < 1 || o.max_attempts > 100) {
    return InvalidArgumentError(fmt::format("retry.max_attempts is {}; it must be within 1..100", o.max_attempts));
  }
  if (o.base_delay_ms < 1) {
    return InvalidArgumentError(fmt::format("retry.base_delay_ms is {}; it must be at least 1", o.base_delay_ms));
  }
  if (o.max_delay_ms > kMaxDelayMs) {
    return InvalidArgumentError(
        fmt::format("retry.max_delay_ms is {}; it must be at most {} (30 days)", o.max_delay_ms, kMaxDelayMs));
  }
  if (o.max_delay_ms < o.base_delay_ms) {
    return InvalidArgumentError(fmt::format("retry.max_delay_ms is {}; it must be at least base_delay_ms ({})",
                                            o.max_delay_ms, o.base_delay_ms));
  }
  if (o.lease_ms < 1000) {
    return InvalidArgumentError(fmt::format("delivery lease_ms is {}; it must be at least 1000", o.lease_ms));
  }
  if (o.poll_interval_ms < 1) {
    return InvalidArgumentError(fmt::format("delivery poll_interval_ms is {}; it must be at least 1", o.poll_interval_ms));
  }
  return OkStatus();
}

int64_t RetryDelayMs(const DeliveryOptions& options, int failed_attempt) {
  int64_t delay_ms = options.base_delay_ms;
  for (int i = 1; i < failed_attempt && delay_ms < options.max_delay_ms; ++i) delay_ms *= 2;
  return std::min(delay_ms, options.max_delay_ms);
}

}  // namespace labelloop::notify
