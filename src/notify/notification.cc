#include "notify/notification.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/json_util.h"

namespace labelloop::notify {

Result<Notification> NotificationFromRecord(const db::NotificationRecord& record) {
  Result<Json> body = ParseJson(record.body_json, fmt::format("body of notification {}", record.id));
  if (!body.ok()) return DataLossError(body.status().message());
  return Notification{record.id, record.created_ms, record.subject, std::move(body).value(), record.read};
}

nlohmann::json NotificationToJson(const Notification& n) {
  return Json{{"id", n.id},
              {"created_ms", n.created_ms},
              {"created", FormatIso8601Utc(n.created_ms)},
              {"subject", n.subject},
              {"body", n.body},
              {"read", n.read}};
}

}  // namespace labelloop::notify
