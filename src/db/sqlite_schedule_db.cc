// ScheduleDb on SQLite: one connection guarded by one mutex (as SqliteMetadataDb). Every
// read-decide-write runs in one BEGIN IMMEDIATE transaction. TakeDue first looks without
// the write lock (the server calls it often and usually nothing is due).
#include <fmt/format.h>

#include <mutex>

#include "db/schedule_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr std::string_view kColumns = "name, enabled, period_ms, next_fire_ms, last_fire_ms, trigger_requested";
constexpr std::string_view kDueCondition = "trigger_requested = 1 OR (enabled = 1 AND next_fire_ms <= ?1)";

Status CheckSchedule(const std::string& name, int64_t period_ms) {
  if (name.empty()) return InvalidArgumentError("schedule name is empty");
  if (period_ms <= 0) {
    return InvalidArgumentError(fmt::format("schedule '{}': period must be > 0 ms; got {}", name, period_ms));
  }
  return OkStatus();
}

class SqliteScheduleDb final : public ScheduleDb {
 public:
  static Result<std::unique_ptr<ScheduleDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteScheduleDb>(new SqliteScheduleDb(std::move(connection)));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<ScheduleDb>(std::move(db));
  }

  Result<std::optional<ScheduleRecord>> FindSchedule(const std::string& name) override {
    std::lock_guard lock(mu_);
    return FindLocked(name);
  }

  Result<std::vector<ScheduleRecord>> ListSchedules() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(list_);
    return sqlite::ReadRows(list_, Read);
  }

  Result<bool> ConfigureSchedule(const std::string& name, bool enabled, int64_t period_ms, int64_t now_ms) override {
    RETURN_IF_ERROR(CheckSchedule(name, period_ms));
    std::lock_guard lock(mu_);
    bool wrote = false;
    RETURN_IF_ERROR(
        sqlite::InTransaction(connection_, fmt::format("configuring schedule '{}'", name), [&]() -> Status {
          ASSIGN_OR_RETURN(std::optional<ScheduleRecord> current, FindLocked(name));
          if (current && current->enabled == enabled && current->period_ms == period_ms) return OkStatus();
          ScopedReset reset(upsert_config_);
          RETURN_IF_ERROR(upsert_config_.BindText(1, name));
          RETURN_IF_ERROR(upsert_config_.BindInt64(2, enabled ? 1 : 0));
          RETURN_IF_ERROR(upsert_config_.BindInt64(3, period_ms));
          RETURN_IF_ERROR(upsert_config_.BindOptionalInt64(
              4, enabled ? std::optional<int64_t>(now_ms + period_ms) : std::nullopt));
          RETURN_IF_ERROR(upsert_config_.Run());
          wrote = true;
          return OkStatus();
        }));
    return wrote;
  }

  Status RequestTrigger(const std::string& name, int64_t period_ms_if_absent) override {
    RETURN_IF_ERROR(CheckSchedule(name, period_ms_if_absent));
    std::lock_guard lock(mu_);
    ScopedReset reset(request_trigger_);
    RETURN_IF_ERROR(request_trigger_.BindText(1, name));
    RETURN_IF_ERROR(request_trigger_.BindInt64(2, period_ms_if_absent));
    return request_trigger_.Run().WithContext(fmt::format("requesting a run of schedule '{}'", name));
  }

  Result<std::vector<ScheduleRecord>> TakeDue(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    {
      ScopedReset reset(select_due_);
      RETURN_IF_ERROR(select_due_.BindInt64(1, now_ms));
      ASSIGN_OR_RETURN(const bool any, select_due_.Step());
      if (!any) return std::vector<ScheduleRecord>();
    }
    std::vector<ScheduleRecord> due;
    RETURN_IF_ERROR(sqlite::InTransaction(connection_, "taking due schedules", [&]() -> Status {
      {
        ScopedReset reset(select_due_);  // again, under the write lock: another process may have taken them
        RETURN_IF_ERROR(select_due_.BindInt64(1, now_ms));
        ASSIGN_OR_RETURN(due, sqlite::ReadRows(select_due_, Read));
      }
      if (due.empty()) return OkStatus();
      ScopedReset reset(advance_due_);
      RETURN_IF_ERROR(advance_due_.BindInt64(1, now_ms));
      return advance_due_.Run();
    }));
    return due;
  }

 private:
  explicit SqliteScheduleDb(Connection connection) : connection_(std::move(connection)) {}

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(find_, fmt::format("SELECT {} FROM schedules WHERE name = ?1", kColumns), "find schedule"));
    RETURN_IF_ERROR(prepare(list_, fmt::format("SELECT {} FROM schedules ORDER BY name", kColumns), "list schedules"));
    RETURN_IF_ERROR(prepare(upsert_config_,
                            "INSERT INTO schedules (name, enabled, period_ms, next_fire_ms) VALUES (?1, ?2, ?3, ?4) "
                            "ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, "
                            "period_ms = excluded.period_ms, next_fire_ms = excluded.next_fire_ms",
                            "configure schedule"));
    RETURN_IF_ERROR(prepare(request_trigger_,
                            "INSERT INTO schedules (name, enabled, period_ms, trigger_requested) VALUES (?1, 0, ?2, 1) "
                            "ON CONFLICT (name) DO UPDATE SET trigger_requested = 1",
                            "request schedule trigger"));
    RETURN_IF_ERROR(prepare(select_due_,
                            fmt::format("SELECT {} FROM schedules WHERE {} ORDER BY name", kColumns, kDueCondition),
                            "select due schedules"));
    return prepare(advance_due_,
                   fmt::format("UPDATE schedules SET last_fire_ms = ?1, next_fire_ms = CASE WHEN enabled = 1 THEN "
                               "?1 + period_ms ELSE NULL END, trigger_requested = 0 WHERE {}",
                               kDueCondition),
                   "advance due schedules");
  }

  // REQUIRES: mu_ held.
  Result<std::optional<ScheduleRecord>> FindLocked(const std::string& name) {
    ScopedReset reset(find_);
    RETURN_IF_ERROR(find_.BindText(1, name));
    ASSIGN_OR_RETURN(const bool found, find_.Step());
    if (!found) return std::optional<ScheduleRecord>();
    return std::optional<ScheduleRecord>(Read(find_));
  }

  static ScheduleRecord Read(const Statement& stmt) {
    ScheduleRecord r;
    r.name = stmt.ColumnText(0);
    r.enabled = stmt.ColumnInt64(1) != 0;
    r.period_ms = stmt.ColumnInt64(2);
    if (!stmt.ColumnIsNull(3)) r.next_fire_ms = stmt.ColumnInt64(3);
    if (!stmt.ColumnIsNull(4)) r.last_fire_ms = stmt.ColumnInt64(4);
    r.trigger_requested = stmt.ColumnInt64(5) != 0;
    return r;
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  Statement find_, list_, upsert_config_, request_trigger_, select_due_, advance_due_;
};

}  // namespace

Result<std::unique_ptr<ScheduleDb>> OpenSqliteScheduleDb(const std::string& path, const Clock* clock) {
  return SqliteScheduleDb::Open(path, clock);
}

}  // namespace labelloop::db
