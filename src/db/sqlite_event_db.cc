// EventDb on SQLite: its own connection, one mutex, statements prepared per call (event
// traffic is a few hundred rows a second at most; preparing costs microseconds).
#include <fmt/format.h>

#include <mutex>

#include "common/json_util.h"
#include "db/event_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::Statement;

constexpr std::string_view kEventColumns =
    "id, type, dedupe_key, payload, created_ms, status, dispatched_ms, execution_id";

EventRecord ReadEvent(const Statement& s) {
  EventRecord e;
  e.id = s.ColumnInt64(0);
  e.type = s.ColumnText(1);
  e.dedupe_key = s.ColumnText(2);
  e.payload_json = s.ColumnText(3);
  e.created_ms = s.ColumnInt64(4);
  e.status = s.ColumnText(5);
  if (!s.ColumnIsNull(6)) e.dispatched_ms = s.ColumnInt64(6);
  e.execution_id = s.ColumnText(7);
  return e;
}

class SqliteEventDb final : public EventDb {
 public:
  explicit SqliteEventDb(Connection connection) : db_(std::move(connection)) {}

  Result<InsertedEvent> InsertEvent(const std::string& type, const std::string& dedupe_key,
                                    const std::string& payload_json, int64_t created_ms) override {
    return Insert(type, dedupe_key, payload_json, created_ms, std::nullopt);
  }

  Result<InsertedEvent> InsertDispatchedEvent(const std::string& type, const std::string& dedupe_key,
                                              const std::string& payload_json, int64_t created_ms) override {
    return Insert(type, dedupe_key, payload_json, created_ms, created_ms);
  }

  Result<std::vector<EventRecord>> ListPendingEvents(int limit) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(fmt::format("SELECT {} FROM events WHERE status = ? ORDER BY id LIMIT ?",
                                                          kEventColumns),
                                              "list pending events"));
    RETURN_IF_ERROR(s.BindText(1, kEventPending));
    RETURN_IF_ERROR(s.BindInt64(2, limit));
    return sqlite::ReadRows(s, ReadEvent);
  }

  Result<std::vector<EventRecord>> ListEvents(int limit, std::optional<int64_t> before_id) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(fmt::format("SELECT {} FROM events WHERE id < ? ORDER BY id DESC LIMIT ?",
                                                          kEventColumns),
                                              "list events"));
    RETURN_IF_ERROR(s.BindInt64(1, before_id.value_or(INT64_MAX)));
    RETURN_IF_ERROR(s.BindInt64(2, limit));
    return sqlite::ReadRows(s, ReadEvent);
  }

  Status MarkEventDispatched(int64_t id, const std::string& execution_id, int64_t dispatched_ms) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare("UPDATE events SET status = ?, dispatched_ms = ?, execution_id = ? "
                                              "WHERE id = ? AND status = ?",
                                              "mark event dispatched"));
    RETURN_IF_ERROR(s.BindText(1, kEventDispatched));
    RETURN_IF_ERROR(s.BindInt64(2, dispatched_ms));
    RETURN_IF_ERROR(s.BindText(3, execution_id));
    RETURN_IF_ERROR(s.BindInt64(4, id));
    RETURN_IF_ERROR(s.BindText(5, kEventPending));
    RETURN_IF_ERROR(s.Run());
    if (db_.Changes() > 0) return OkStatus();
    ASSIGN_OR_RETURN(Statement find, db_.Prepare("SELECT 1 FROM events WHERE id = ?", "find event"));
    RETURN_IF_ERROR(find.BindInt64(1, id));
    ASSIGN_OR_RETURN(const bool found, find.Step());
    return found ? OkStatus() : NotFoundError(fmt::format("event {} not found", id));
  }

  Result<int64_t> CountEvents(std::optional<std::string> status) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT COUNT(*) FROM events WHERE ?1 IS NULL OR status = ?1", "count events"));
    if (status) RETURN_IF_ERROR(s.BindText(1, *status));
    ASSIGN_OR_RETURN(const bool row, s.Step());
    return row ? s.ColumnInt64(0) : 0;
  }

  Result<std::optional<std::string>> FindCursor(const std::string& name) override {
    return FindValue("SELECT value FROM cursors WHERE name = ?", name, "find cursor");
  }
  Status PutCursor(const std::string& name, const std::string& value) override {
    return PutValue("INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    name, value, "put cursor");
  }
  Result<std::optional<std::string>> FindTaskRecord(const std::string& key) override {
    return FindValue("SELECT json FROM task_records WHERE key = ?", key, "find task record");
  }
  Status PutTaskRecord(const std::string& key, const std::string& json) override {
    return PutValue("INSERT INTO task_records (key, json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json",
                    key, json, "put task record");
  }

 private:
  // Pending when `dispatched_ms` is empty, else dispatched then (with no execution).
  Result<InsertedEvent> Insert(const std::string& type, const std::string& dedupe_key, const std::string& payload_json,
                               int64_t created_ms, std::optional<int64_t> dispatched_ms) {
    if (type.empty() || dedupe_key.empty()) {
      return InvalidArgumentError(fmt::format("event type '{}' and dedupe key '{}' must not be empty", type, dedupe_key));
    }
    ASSIGN_OR_RETURN(nlohmann::json payload, ParseJson(payload_json, "event payload"));
    if (!payload.is_object()) return InvalidArgumentError(fmt::format("event {}: payload is not a JSON object", dedupe_key));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement insert,
                     db_.Prepare("INSERT INTO events (type, dedupe_key, payload, created_ms, status, dispatched_ms, execution_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, '') "
                                 "ON CONFLICT (dedupe_key) DO NOTHING",
                                 "insert event"));
    RETURN_IF_ERROR(insert.BindText(1, type));
    RETURN_IF_ERROR(insert.BindText(2, dedupe_key));
    RETURN_IF_ERROR(insert.BindText(3, payload_json));
    RETURN_IF_ERROR(insert.BindInt64(4, created_ms));
    RETURN_IF_ERROR(insert.BindText(5, dispatched_ms ? kEventDispatched : kEventPending));
    RETURN_IF_ERROR(dispatched_ms ? insert.BindInt64(6, *dispatched_ms) : insert.BindNull(6));
    RETURN_IF_ERROR(insert.Run());
    const bool inserted = db_.Changes() > 0;
    ASSIGN_OR_RETURN(Statement find, db_.Prepare("SELECT id FROM events WHERE dedupe_key = ?", "find event"));
    RETURN_IF_ERROR(find.BindText(1, dedupe_key));
    ASSIGN_OR_RETURN(const bool found, find.Step());
    if (!found) return InternalError(fmt::format("event {} vanished after insert", dedupe_key));
    return InsertedEvent{find.ColumnInt64(0), inserted};
  }

  Result<std::optional<std::string>> FindValue(std::string_view sql, const std::string& key, std::string label) {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql, std::move(label)));
    RETURN_IF_ERROR(s.BindText(1, key));
    ASSIGN_OR_RETURN(const bool row, s.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(s.ColumnText(0));
  }

  Status PutValue(std::string_view sql, const std::string& key, const std::string& value, std::string label) {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, db_.Prepare(sql, std::move(label)));
    RETURN_IF_ERROR(s.BindText(1, key));
    RETURN_IF_ERROR(s.BindText(2, value));
    return s.Run();
  }

  std::mutex mu_;
  Connection db_;  // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<EventDb>> OpenSqliteEventDb(const std::string& path, const Clock* clock) {
  ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
  return std::unique_ptr<EventDb>(new SqliteEventDb(std::move(connection)));
}

}  // namespace labelloop::db
