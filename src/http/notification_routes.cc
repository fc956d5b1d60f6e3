// The notification inbox (newest first, paged by ?cursor=<id>), marking one read, and the
// delivery log of the sinks (e-mail, webhooks).
#include <fmt/format.h>

#include <charconv>

#include "db/notification_db.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/page_cursor.h"
#include "notify/notifier.h"

namespace labelloop::http {

Status HandleListNotifications(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.notifier, "the notifier"));
  ASSIGN_OR_RETURN(int limit, PageLimit(call));
  ASSIGN_OR_RETURN(std::optional<int64_t> before, PageCursorInt(call, "before"));
  ASSIGN_OR_RETURN(std::vector<notify::Notification> inbox, call.deps.notifier->ListInbox(limit, before));
  nlohmann::json list = nlohmann::json::array();
  for (const notify::Notification& n : inbox) {
    list.push_back(
        {{"id", n.id}, {"created", IsoTime(n.created_ms)}, {"subject", n.subject}, {"body", n.body}, {"read", n.read}});
  }
  nlohmann::json next = static_cast<int>(inbox.size()) == limit && !inbox.empty() ? nlohmann::json(inbox.back().id)
                                                                                  : nlohmann::json(nullptr);
  ReplyJson(call, 200, WithNextCursor({{"notifications", list}}, next, "next_before"));
  return OkStatus();
}

Status HandleMarkNotificationRead(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.notifier, "the notifier"));
  const std::string& text = PathParam(call, "id");
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 1) {
    return InvalidArgumentError(fmt::format("notification id must be a positive integer, got '{}'", text));
  }
  RETURN_IF_ERROR(call.deps.notifier->MarkRead(id));
  ReplyJson(call, 200, {{"id", id}, {"read", true}});
  return OkStatus();
}

Status HandleListDeliveries(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.notifier, "the notifier"));
  ASSIGN_OR_RETURN(int limit, PageLimit(call));
  ASSIGN_OR_RETURN(std::vector<db::DeliveryRecord> deliveries,
                   call.deps.notifier->ListDeliveries(FindQueryString(call, "status"), limit));
  nlohmann::json list = nlohmann::json::array();
  for (const db::DeliveryRecord& d : deliveries) {
    list.push_back({{"id", d.id},
                    {"notification_id", d.notification_id},
                    {"sink", d.sink},
                    {"status", d.status},
                    {"attempts", d.attempts},
                    {"next_attempt", IsoTime(d.next_attempt_ms)},
                    {"last_error", d.last_error},
                    {"created", IsoTime(d.created_ms)},
                    {"updated", IsoTime(d.updated_ms)},
                    {"delivered", IsoTime(d.delivered_ms)}});
  }
  ReplyJson(call, 200, {{"deliveries", list}});
  return OkStatus();
}

}  // namespace labelloop::http
