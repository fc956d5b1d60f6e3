// NotificationDb: the notification inbox and the durable delivery queue behind it (one
// delivery per notification and sink, with its retry state). Invariant: a notification and
// all its deliveries are written in one transaction. All methods are thread-safe and return
// errors as Status (never throw): Unavailable when the database is busy, DataLoss when it is
// corrupt. Contract: notification_db_test.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

// Delivery statuses.
inline constexpr std::string_view kDeliveryPending = "pending";      // due at next_attempt_ms
inline constexpr std::string_view kDeliveryDelivered = "delivered";  // the sink accepted it
inline constexpr std::string_view kDeliveryFailed = "failed";        // given up

// True for the three statuses above.
bool IsKnownDeliveryStatus(std::string_view status);

struct NotificationRecord {
  int64_t id = 0;
  int64_t created_ms = 0;
  std::string subject;
  std::string body_json;  // a JSON document
  bool read = false;

  bool operator==(const NotificationRecord&) const = default;
};

struct DeliveryRecord {
  int64_t id = 0;
  int64_t notification_id = 0;
  std::string sink;        // the sink's name, e.g. "email", "webhook:ops"
  std::string status;      // one of the delivery statuses
  int attempts = 0;        // attempts started so far (a claim counts as one)
  std::optional<int64_t> next_attempt_ms;  // set while pending
  std::string last_error;  // of the latest failed attempt; "" when none failed
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::optional<int64_t> delivered_ms;

  bool operator==(const DeliveryRecord&) const = default;
};

// The outcome of one claimed attempt (see ClaimNextDueDelivery).
struct DeliveryOutcome {
  int64_t delivery_id = 0;
  int claimed_attempts = 0;                // DeliveryRecord::attempts as returned by the claim
  std::string status;                      // kDeliveryPending (retry), kDeliveryDelivered or kDeliveryFailed
  std::optional<int64_t> next_attempt_ms;  // REQUIRES: set iff status is pending
  std::string last_error;                  // "" keeps the previous error (e.g. on success)
  int64_t now_ms = 0;
};

class NotificationDb {
 public:
  virtual ~NotificationDb() = default;

  // Stores a notification (unread) and one pending delivery per sink, due at `created_ms`,
  // in one transaction; returns the notification id (increasing). InvalidArgument for an
  // empty or duplicate sink name or a body that is not JSON.
  virtual Result<int64_t> InsertNotification(const std::string& subject, const std::string& body_json,
                                             int64_t created_ms, const std::vector<std::string>& sinks) = 0;
  // NotFound when there is no notification `id`.
  virtual Result<NotificationRecord> GetNotification(int64_t id) = 0;
  // Newest first, at most `limit` (1..1000, else InvalidArgument), only ids below
  // `before_id` when given (for paging).
  virtual Result<std::vector<NotificationRecord>> ListNotifications(int limit, std::optional<int64_t> before_id) = 0;
  // Marks notification `id` read (idempotent); NotFound when there is none.
  virtual Status MarkNotificationRead(int64_t id) = 0;
  virtual Result<int64_t> CountUnreadNotifications() = 0;

  // Claims the pending delivery for `sink` that is due first (next_attempt_ms <= now_ms),
  // if any: in one transaction its attempts grow by one and next_attempt_ms becomes
  // `lease_until_ms`, so no other worker takes it until then (if this worker dies, it is
  // due again when the lease ends). Returns the record after the claim.
  virtual Result<std::optional<DeliveryRecord>> ClaimNextDueDelivery(const std::string& sink, int64_t now_ms,
                                                                     int64_t lease_until_ms) = 0;
  // Records the outcome of a claimed attempt. FailedPrecondition when the delivery is no
  // longer pending with `claimed_attempts` (another worker re-claimed it after the lease
  // ended); NotFound when there is no such delivery; InvalidArgument for a bad outcome.
  virtual Status RecordDeliveryOutcome(const DeliveryOutcome& outcome) = 0;
  // The earliest next_attempt_ms of the pending deliveries for `sink`; nullopt when none.
  virtual Result<std::optional<int64_t>> FindNextDueMs(const std::string& sink) = 0;
  // Names of the sinks with at least one pending delivery, sorted.
  virtual Result<std::vector<std::string>> ListSinksWithPendingDeliveries() = 0;
  // Marks every pending delivery of `sink` failed with `error` (e.g. the sink is no longer
  // configured); returns how many.
  virtual Result<int64_t> FailPendingDeliveries(const std::string& sink, const std::string& error, int64_t now_ms) = 0;
  // Newest first, at most `limit` (1..1000), only those with `status` when given
  // (InvalidArgument for an unknown status).
  virtual Result<std::vector<DeliveryRecord>> ListDeliveries(std::optional<std::string> status, int limit) = 0;
  // The deliveries of one notification, by sink name.
  virtual Result<std::vector<DeliveryRecord>> ListDeliveriesOf(int64_t notification_id) = 0;
};

// Opens (creating and migrating) the SQLite database at `path` (":memory:" for a private
// in-memory one) with its own connection. REQUIRES: `clock` outlives the result.
Result<std::unique_ptr<NotificationDb>> OpenSqliteNotificationDb(const std::string& path, const Clock* clock);

}  // namespace labelloop::db
