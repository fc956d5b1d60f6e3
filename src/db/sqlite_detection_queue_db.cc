// DetectionQueueDb on SQLite: its own connection, one mutex, statements prepared per call.
#include <fmt/format.h>

#include <mutex>

#include "db/detection_db.h"
#include "db/detection_queue_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr std::string_view kColumns =
    "sequence_id, request_id, image_key, source, arrived_ms, status, attempts, next_attempt_ms, last_error, requested_by";

QueuedImage ReadImage(const Statement& s) {
  QueuedImage q;
  q.sequence_id = s.ColumnInt64(0);
  q.request_id = s.ColumnText(1);
  q.image_key = s.ColumnText(2);
  q.source = s.ColumnText(3);
  q.arrived_ms = s.ColumnInt64(4);
  q.status = s.ColumnText(5);
  q.attempts = s.ColumnInt64(6);
  q.next_attempt_ms = s.ColumnInt64(7);
  q.last_error = s.ColumnText(8);
  q.requested_by = s.ColumnText(9);
  return q;
}

Status Validate(const QueuedImage& q) {
  if (q.request_id.empty() || q.request_id.size() > kMaxRequestIdBytes) {
    return InvalidArgumentError(fmt::format("queued image: request id must be 1-{} bytes", kMaxRequestIdBytes));
  }
  if (q.image_key.empty()) return InvalidArgumentError(fmt::format("queued image {}: empty image key", q.request_id));
  if (q.status != kQueuedPending && q.status != kQueuedFailed) {
    return InvalidArgumentError(fmt::format("queued image {}: unknown status '{}'", q.request_id, q.status));
  }
  return OkStatus();
}

class SqliteDetectionQueueDb final : public DetectionQueueDb {
 public:
  explicit SqliteDetectionQueueDb(Connection connection) : db_(std::move(connection)) {}

  Result<QueuedImage> Add(const QueuedImage& q) override {
    RETURN_IF_ERROR(Validate(q));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement insert,
                     db_.Prepare("INSERT INTO detection_queue (request_id, image_key, source, arrived_ms, status, "
                                 "attempts, next_attempt_ms, last_error, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT (request_id) DO NOTHING",
                                 "queue image"));
    RETURN_IF_ERROR(insert.BindText(1, q.request_id));
    RETURN_IF_ERROR(insert.BindText(2, q.image_key));
    RETURN_IF_ERROR(insert.BindText(3, q.source));
    RETURN_IF_ERROR(insert.BindInt64(4, q.arrived_ms));
    RETURN_IF_ERROR(insert.BindText(5, q.status));
    RETURN_IF_ERROR(insert.BindInt64(6, q.attempts));
    RETURN_IF_ERROR(insert.BindInt64(7, q.next_attempt_ms));
    RETURN_IF_ERROR(insert.BindText(8, q.last_error));
    RETURN_IF_ERROR(insert.BindText(9, q.requested_by));
    RETURN_IF_ERROR(insert.Run());
    ASSIGN_OR_RETURN(std::optional<QueuedImage> stored, FindLocked(q.request_id));
    if (!stored) return InternalError(fmt::format("queued image {} vanished after insert", q.request_id));
    return *stored;
  }

  Result<std::optional<QueuedImage>> Find(std::string_view request_id) override {
    std::lock_guard lock(mu_);
    return FindLocked(request_id);
  }

  Result<std::vector<QueuedImage>> ListDue(int64_t now_ms, int limit) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(fmt::format("SELECT {} FROM detection_queue WHERE status = ? AND "
                                                          "next_attempt_ms <= ? ORDER BY sequence_id LIMIT ?",
                                                          kColumns),
                                              "list due queued images"));
    RETURN_IF_ERROR(s.BindText(1, kQueuedPending));
    RETURN_IF_ERROR(s.BindInt64(2, now_ms));
    RETURN_IF_ERROR(s.BindInt64(3, limit));
    return sqlite::ReadRows(s, ReadImage);
  }

  Result<std::vector<QueuedImage>> List(std::string_view status, int limit,
                                        std::optional<int64_t> before_sequence_id) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(fmt::format("SELECT {} FROM detection_queue WHERE (?1 = '' OR status = ?1) "
                                                          "AND sequence_id < ?2 ORDER BY sequence_id DESC LIMIT ?3",
                                                          kColumns),
                                              "list queued images"));
    RETURN_IF_ERROR(s.BindText(1, status));
    RETURN_IF_ERROR(s.BindInt64(2, before_sequence_id.value_or(INT64_MAX)));
    RETURN_IF_ERROR(s.BindInt64(3, limit));
    return sqlite::ReadRows(s, ReadImage);
  }

  Result<int64_t> Count(std::string_view status) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT COUNT(*) FROM detection_queue WHERE ?1 = '' OR status = ?1",
                                              "count queued images"));
    RETURN_IF_ERROR(s.BindText(1, status));
    ASSIGN_OR_RETURN(const bool row, s.Step());
    return row ? s.ColumnInt64(0) : 0;
  }

  Result<std::optional<int64_t>> NextAttemptMs() override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT MIN(next_attempt_ms) FROM detection_queue WHERE status = ?",
                                              "next queued attempt"));
    RETURN_IF_ERROR(s.BindText(1, kQueuedPending));
    ASSIGN_OR_RETURN(const bool row, s.Step());
    if (!row || s.ColumnIsNull(0)) return std::optional<int64_t>();
    return std::optional<int64_t>(s.ColumnInt64(0));
  }

  Status Reschedule(std::string_view request_id, int64_t attempts, int64_t next_attempt_ms,
                    std::string_view error) override {
    return Update(request_id, kQueuedPending, attempts, next_attempt_ms, error);
  }

  Status MarkFailed(std::string_view request_id, int64_t attempts, std::string_view reason) override {
    return Update(request_id, kQueuedFailed, attempts, 0, reason);
  }

  Status Remove(std::string_view request_id) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare("DELETE FROM detection_queue WHERE request_id = ?", "unqueue image"));
    RETURN_IF_ERROR(s.BindText(1, request_id));
    return s.Run();
  }

 private:
  Result<std::optional<QueuedImage>> FindLocked(std::string_view request_id) {
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(fmt::format("SELECT {} FROM detection_queue WHERE request_id = ?", kColumns),
                                              "find queued image"));
    RETURN_IF_ERROR(s.BindText(1, request_id));
    ASSIGN_OR_RETURN(const bool row, s.Step());
    if (!row) return std::optional<QueuedImage>();
    return std::optional<QueuedImage>(ReadImage(s));
  }

  Status Update(std::string_view request_id, std::string_view status, int64_t attempts, int64_t next_attempt_ms,
                std::string_view error) {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE detection_queue SET status = ?, attempts = ?, next_attempt_ms = ?, "
                                              "last_error = ? WHERE request_id = ?",
                                              "update queued image"));
    RETURN_IF_ERROR(s.BindText(1, status));
    RETURN_IF_ERROR(s.BindInt64(2, attempts));
    RETURN_IF_ERROR(s.BindInt64(3, next_attempt_ms));
    RETURN_IF_ERROR(s.BindText(4, error));
    RETURN_IF_ERROR(s.BindText(5, request_id));
    RETURN_IF_ERROR(s.Run());
    if (db_.Changes() == 0) return NotFoundError(fmt::format("queued image {} not found", request_id));
    return OkStatus();
  }

  std::mutex mu_;
  Connection db_;  // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<DetectionQueueDb>> OpenSqliteDetectionQueueDb(const std::string& path, const Clock* clock) {
  ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
  return std::unique_ptr<DetectionQueueDb>(new SqliteDetectionQueueDb(std::move(connection)));
}

}  // namespace labelloop::db
