// Sink: one destination notifications are delivered to (the e-mail recipients, one webhook
// endpoint). The Notifier calls Deliver from its delivery threads, one call at a time per
// sink, and retries it with backoff when it returns Unavailable. Implementations must be
// safe to call from any thread and bound every call by a timeout.
#pragma once

#include <string>

#include "common/status.h"
#include "notify/notification.h"

namespace labelloop::notify {

class Sink {
 public:
  virtual ~Sink() = default;
  // Unique among the configured sinks and stable across restarts (pending deliveries are
  // stored under it): "email", "webhook:<name>".
  virtual std::string name() const = 0;
  // OK when the destination accepted `n`. Unavailable for failures worth retrying (down,
  // timed out, busy, 5xx); any other code gives up at once (refused, misconfigured).
  virtual Status Deliver(const Notification& n) = 0;
};

}  // namespace labelloop::notify
