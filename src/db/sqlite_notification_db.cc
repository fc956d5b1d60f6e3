// NotificationDb on SQLite: one connection of its own guarded by one mutex (the pattern of
// sqlite_metadata_db.cc). Statements are prepared once, at open, and reset after each use.
// A claim is one UPDATE ... RETURNING, so two workers (or two processes) never claim the
// same delivery.
#include <fmt/format.h>

#include <mutex>
#include <set>

#include "common/json_util.h"
#include "db/notification_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr int kMaxListLimit = 1000;
constexpr std::string_view kNotificationColumns = "id, created_ms, subject, body_json, read";
constexpr std::string_view kDeliveryColumns =
    "id, notification_id, sink, status, attempts, next_attempt_ms, last_error, created_ms, updated_ms, delivered_ms";

Status CheckLimit(int limit, std::string_view what) {
  if (limit < 1 || limit > kMaxListLimit) {
    return InvalidArgumentError(fmt::format("listing {}: limit {} is outside 1..{}", what, limit, kMaxListLimit));
  }
  return OkStatus();
}

NotificationRecord ReadNotification(const Statement& stmt) {
  NotificationRecord n;
  n.id = stmt.ColumnInt64(0);
  n.created_ms = stmt.ColumnInt64(1);
  n.subject = stmt.ColumnText(2);
  n.body_json = stmt.ColumnText(3);
  n.read = stmt.ColumnInt64(4) != 0;
  return n;
}

DeliveryRecord ReadDelivery(const Statement& stmt) {
  DeliveryRecord d;
  d.id = stmt.ColumnInt64(0);
  d.notification_id = stmt.ColumnInt64(1);
  d.sink = stmt.ColumnText(2);
  d.status = stmt.ColumnText(3);
  d.attempts = static_cast<int>(stmt.ColumnInt64(4));
  if (!stmt.ColumnIsNull(5)) d.next_attempt_ms = stmt.ColumnInt64(5);
  d.last_error = stmt.ColumnText(6);
  d.created_ms = stmt.ColumnInt64(7);
  d.updated_ms = stmt.ColumnInt64(8);
  if (!stmt.ColumnIsNull(9)) d.delivered_ms = stmt.ColumnInt64(9);
  return d;
}

// Steps `stmt` to the end, collecting every row with `read`.
template <typename T, typename Read>
Result<std::vector<T>> CollectRows(Statement& stmt, Read read) {
  std::vector<T> rows;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return rows;
    rows.push_back(read(stmt));
  }
}

Status CheckOutcome(const DeliveryOutcome& o) {
  const std::string what = fmt::format("outcome of delivery {}", o.delivery_id);
  if (!IsKnownDeliveryStatus(o.status)) {
    return InvalidArgumentError(fmt::format("{}: unknown status '{}'", what, o.status));
  }
  if ((o.status == kDeliveryPending) != o.next_attempt_ms.has_value()) {
    return InvalidArgumentError(fmt::format("{}: next_attempt_ms must be set exactly when the status is pending", what));
  }
  return OkStatus();
}

class SqliteNotificationDb final : public NotificationDb {
 public:
  static Result<std::unique_ptr<NotificationDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteNotificationDb>(new SqliteNotificationDb(std::move(connection)));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<NotificationDb>(std::move(db));
  }

  Result<int64_t> InsertNotification(const std::string& subject, const std::string& body_json, int64_t created_ms,
                                     const std::vector<std::string>& sinks) override {
    RETURN_IF_ERROR(ParseJson(body_json, fmt::format("body of notification '{}'", subject)).status());
    std::set<std::string> seen;
    for (const std::string& sink : sinks) {
      if (sink.empty()) return InvalidArgumentError(fmt::format("notification '{}': a sink name is empty", subject));
      if (!seen.insert(sink).second) {
        return InvalidArgumentError(fmt::format("notification '{}': sink '{}' is listed twice", subject, sink));
      }
    }
    std::lock_guard lock(mu_);
    int64_t id = 0;
    RETURN_IF_ERROR(sqlite::InTransaction(connection_, "storing a notification", [&]() -> Status {
      {
        ScopedReset reset(insert_notification_);
        RETURN_IF_ERROR(insert_notification_.BindInt64(1, created_ms));
        RETURN_IF_ERROR(insert_notification_.BindText(2, subject));
        RETURN_IF_ERROR(insert_notification_.BindText(3, body_json));
        ASSIGN_OR_RETURN(const bool has_row, insert_notification_.Step());
        if (!has_row) return InternalError("storing a notification: no id returned");
        id = insert_notification_.ColumnInt64(0);
      }
      for (const std::string& sink : sinks) {
        ScopedReset reset(insert_delivery_);
        RETURN_IF_ERROR(insert_delivery_.BindInt64(1, id));
        RETURN_IF_ERROR(insert_delivery_.BindText(2, sink));
        RETURN_IF_ERROR(insert_delivery_.BindInt64(3, created_ms));
        RETURN_IF_ERROR(insert_delivery_.Run());
      }
      return OkStatus();
    }));
    return id;
  }

  Result<NotificationRecord> GetNotification(int64_t id) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(get_notification_);
    RETURN_IF_ERROR(get_notification_.BindInt64(1, id));
    ASSIGN_OR_RETURN(const bool found, get_notification_.Step());
    if (!found) return NotFoundError(fmt::format("notification {} does not exist", id));
    return ReadNotification(get_notification_);
  }

  Result<std::vector<NotificationRecord>> ListNotifications(int limit, std::optional<int64_t> before_id) override {
    RETURN_IF_ERROR(CheckLimit(limit, "notifications"));
    std::lock_guard lock(mu_);
    ScopedReset reset(list_notifications_);
    RETURN_IF_ERROR(list_notifications_.BindOptionalInt64(1, before_id));
    RETURN_IF_ERROR(list_notifications_.BindInt64(2, limit));
    return CollectRows<NotificationRecord>(list_notifications_, ReadNotification);
  }

  Status MarkNotificationRead(int64_t id) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(mark_read_);
    RETURN_IF_ERROR(mark_read_.BindInt64(1, id));
    RETURN_IF_ERROR(mark_read_.Run());
    if (connection_.Changes() == 0) return NotFoundError(fmt::format("notification {} does not exist", id));
    return OkStatus();
  }

  Result<int64_t> CountUnreadNotifications() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(count_unread_);
    ASSIGN_OR_RETURN(const bool has_row, count_unread_.Step());
    if (!has_row) return InternalError("counting unread notifications: no row");
    return count_unread_.ColumnInt64(0);
  }

  Result<std::optional<DeliveryRecord>> ClaimNextDueDelivery(const std::string& sink, int64_t now_ms,
                                                             int64_t lease_until_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(claim_);
    RETURN_IF_ERROR(claim_.BindText(1, sink));
    RETURN_IF_ERROR(claim_.BindInt64(2, now_ms));
    RETURN_IF_ERROR(claim_.BindInt64(3, lease_until_ms));
    ASSIGN_OR_RETURN(std::vector<DeliveryRecord> claimed, CollectRows<DeliveryRecord>(claim_, ReadDelivery));
    if (claimed.empty()) return std::optional<DeliveryRecord>();
    return std::optional<DeliveryRecord>(std::move(claimed.front()));
  }

  Status RecordDeliveryOutcome(const DeliveryOutcome& o) override {
    RETURN_IF_ERROR(CheckOutcome(o));
    std::lock_guard lock(mu_);
    {
      ScopedReset reset(record_outcome_);
      RETURN_IF_ERROR(record_outcome_.BindInt64(1, o.delivery_id));
      RETURN_IF_ERROR(record_outcome_.BindInt64(2, o.claimed_attempts));
      RETURN_IF_ERROR(record_outcome_.BindText(3, o.status));
      RETURN_IF_ERROR(record_outcome_.BindOptionalInt64(4, o.next_attempt_ms));
      RETURN_IF_ERROR(record_outcome_.BindText(5, o.last_error));
      RETURN_IF_ERROR(record_outcome_.BindInt64(6, o.now_ms));
      RETURN_IF_ERROR(record_outcome_.Run());
      if (connection_.Changes() == 1) return OkStatus();
    }
    ScopedReset reset(get_delivery_);
    RETURN_IF_ERROR(get_delivery_.BindInt64(1, o.delivery_id));
    ASSIGN_OR_RETURN(const bool found, get_delivery_.Step());
    if (!found) return NotFoundError(fmt::format("delivery {} does not exist", o.delivery_id));
    const DeliveryRecord current = ReadDelivery(get_delivery_);
    return FailedPreconditionError(fmt::format(
        "delivery {} to '{}' is {} after {} attempts; the outcome of attempt {} is dropped (another worker "
        "took the delivery over after its lease ended)",
        o.delivery_id, current.sink, current.status, current.attempts, o.claimed_attempts));
  }

  Result<std::optional<int64_t>> FindNextDueMs(const std::string& sink) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(next_due_);
    RETURN_IF_ERROR(next_due_.BindText(1, sink));
    ASSIGN_OR_RETURN(const bool has_row, next_due_.Step());
    if (!has_row || next_due_.ColumnIsNull(0)) return std::optional<int64_t>();
    return std::optional<int64_t>(next_due_.ColumnInt64(0));
  }

  Result<std::vector<std::string>> ListSinksWithPendingDeliveries() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(pending_sinks_);
    return CollectRows<std::string>(pending_sinks_, [](const Statement& s) { return s.ColumnText(0); });
  }

  Result<int64_t> FailPendingDeliveries(const std::string& sink, const std::string& error, int64_t now_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(fail_pending_);
    RETURN_IF_ERROR(fail_pending_.BindText(1, sink));
    RETURN_IF_ERROR(fail_pending_.BindText(2, error));
    RETURN_IF_ERROR(fail_pending_.BindInt64(3, now_ms));
    RETURN_IF_ERROR(fail_pending_.Run());
    return connection_.Changes();
  }

  Result<std::vector<DeliveryRecord>> ListDeliveries(std::optional<std::string> status, int limit) override {
    RETURN_IF_ERROR(CheckLimit(limit, "deliveries"));
    if (status && !IsKnownDeliveryStatus(*status)) {
      return InvalidArgumentError(
          fmt::format("delivery status '{}' is not one of pending, delivered, failed", *status));
    }
    std::lock_guard lock(mu_);
    ScopedReset reset(list_deliveries_);
    if (status) {
      RETURN_IF_ERROR(list_deliveries_.BindText(1, *status));
    } else {
      RETURN_IF_ERROR(list_deliveries_.BindNull(1));
    }
    RETURN_IF_ERROR(list_deliveries_.BindInt64(2, limit));
    return CollectRows<DeliveryRecord>(list_deliveries_, ReadDelivery);
  }

  Result<std::vector<DeliveryRecord>> ListDeliveriesOf(int64_t notification_id) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(deliveries_of_);
    RETURN_IF_ERROR(deliveries_of_.BindInt64(1, notification_id));
    return CollectRows<DeliveryRecord>(deliveries_of_, ReadDelivery);
  }

 private:
  explicit SqliteNotificationDb(Connection connection) : connection_(std::move(connection)) {}

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(insert_notification_,
                            "INSERT INTO notifications (created_ms, subject, body_json, read) "
                            "VALUES (?1, ?2, ?3, 0) RETURNING id",
                            "insert notification"));
    RETURN_IF_ERROR(prepare(insert_delivery_,
                            "INSERT INTO notification_deliveries (notification_id, sink, status, attempts, "
                            "next_attempt_ms, last_error, created_ms, updated_ms) "
                            "VALUES (?1, ?2, 'pending', 0, ?3, '', ?3, ?3)",
                            "insert delivery"));
    RETURN_IF_ERROR(prepare(get_notification_,
                            fmt::format("SELECT {} FROM notifications WHERE id = ?1", kNotificationColumns),
                            "get notification"));
    RETURN_IF_ERROR(prepare(list_notifications_,
                            fmt::format("SELECT {} FROM notifications WHERE ?1 IS NULL OR id < ?1 "
                                        "ORDER BY id DESC LIMIT ?2",
                                        kNotificationColumns),
                            "list notifications"));
    RETURN_IF_ERROR(prepare(mark_read_, "UPDATE notifications SET read = 1 WHERE id = ?1", "mark notification read"));
    RETURN_IF_ERROR(prepare(count_unread_, "SELECT COUNT(*) FROM notifications WHERE read = 0",
                            "count unread notifications"));
    RETURN_IF_ERROR(prepare(claim_,
                            fmt::format("UPDATE notification_deliveries SET attempts = attempts + 1, "
                                        "next_attempt_ms = ?3, updated_ms = ?2 WHERE id = ("
                                        "SELECT id FROM notification_deliveries WHERE sink = ?1 AND "
                                        "status = 'pending' AND next_attempt_ms <= ?2 "
                                        "ORDER BY next_attempt_ms, id LIMIT 1) RETURNING {}",
                                        kDeliveryColumns),
                            "claim delivery"));
    RETURN_IF_ERROR(prepare(record_outcome_,
                            "UPDATE notification_deliveries SET status = ?3, next_attempt_ms = ?4, "
                            "last_error = CASE WHEN ?5 = '' THEN last_error ELSE ?5 END, updated_ms = ?6, "
                            "delivered_ms = CASE WHEN ?3 = 'delivered' THEN ?6 ELSE delivered_ms END "
                            "WHERE id = ?1 AND status = 'pending' AND attempts = ?2",
                            "record delivery outcome"));
    RETURN_IF_ERROR(prepare(get_delivery_,
                            fmt::format("SELECT {} FROM notification_deliveries WHERE id = ?1", kDeliveryColumns),
                            "get delivery"));
    RETURN_IF_ERROR(prepare(next_due_,
                            "SELECT MIN(next_attempt_ms) FROM notification_deliveries "
                            "WHERE sink = ?1 AND status = 'pending'",
                            "find next due delivery"));
    RETURN_IF_ERROR(prepare(pending_sinks_,
                            "SELECT DISTINCT sink FROM notification_deliveries WHERE status = 'pending' ORDER BY sink",
                            "list sinks with pending deliveries"));
    RETURN_IF_ERROR(prepare(fail_pending_,
                            "UPDATE notification_deliveries SET status = 'failed', next_attempt_ms = NULL, "
                            "last_error = ?2, updated_ms = ?3 WHERE sink = ?1 AND status = 'pending'",
                            "fail pending deliveries"));
    RETURN_IF_ERROR(prepare(list_deliveries_,
                            fmt::format("SELECT {} FROM notification_deliveries WHERE ?1 IS NULL OR status = ?1 "
                                        "ORDER BY id DESC LIMIT ?2",
                                        kDeliveryColumns),
                            "list deliveries"));
    return prepare(deliveries_of_,
                   fmt::format("SELECT {} FROM notification_deliveries WHERE notification_id = ?1 ORDER BY sink",
                               kDeliveryColumns),
                   "list deliveries of a notification");
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  Statement insert_notification_, insert_delivery_, get_notification_, list_notifications_, mark_read_, count_unread_;
  Statement claim_, record_outcome_, get_delivery_, next_due_, pending_sinks_, fail_pending_, list_deliveries_,
      deliveries_of_;
};

}  // namespace

Result<std::unique_ptr<NotificationDb>> OpenSqliteNotificationDb(const std::string& path, const Clock* clock) {
  if (path.empty()) return InvalidArgumentError("notification database path is empty");
  return SqliteNotificationDb::Open(path, clock);
}

}  // namespace labelloop::db
