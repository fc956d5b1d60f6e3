// Notification: what every workflow step publishes (a subject and a JSON body), as kept in
// the inbox and handed to each sink. A plain value; thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "db/notification_db.h"

namespace labelloop::notify {

struct Notification {
  int64_t id = 0;          // increasing; also the delivery id receivers see
  int64_t created_ms = 0;  // when it was published
  std::string subject;
  nlohmann::json body;
  bool read = false;       // read in the inbox
};

// DataLoss (naming the notification) when the stored body is not JSON.
Result<Notification> NotificationFromRecord(const db::NotificationRecord& record);

// {"id", "created_ms", "created" (ISO 8601 UTC), "subject", "body", "read"}: the shape the
// API and the webhooks use.
nlohmann::json NotificationToJson(const Notification& n);

}  // namespace labelloop::notify
