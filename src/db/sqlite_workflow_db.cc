// WorkflowDb on SQLite. Its own connection (the engine's transitions never wait on another
// area's mutex) guarded by one mutex; statements are prepared once and reset after use.
// Each Create/Update/Append is one BEGIN IMMEDIATE transaction.
#include <fmt/format.h>

#include <mutex>

#include "common/json_util.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"
#include "db/workflow_db.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr int kMaxListLimit = 1000;

constexpr std::string_view kExecutionColumns =
    "id, branch, status, input_json, current_state, current_input_json, wake_at_ms, start_ms, stop_ms, "
    "output_json, error, cause, step_count, attempt, retry_counts_json, state_entries_json";
constexpr std::string_view kEventColumns =
    "id, execution_id, time_ms, type, state_name, input_json, output_json, error, cause, detail_json";

std::string DumpJson(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

class SqliteWorkflowDb final : public WorkflowDb {
 public:
  static Result<std::unique_ptr<WorkflowDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteWorkflowDb>(new SqliteWorkflowDb(std::move(connection)));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<WorkflowDb>(std::move(db));
  }

  Result<std::vector<ExecutionEvent>> CreateExecution(const Execution& execution,
                                                      std::vector<ExecutionEvent> events) override {
    RETURN_IF_ERROR(ValidateExecution(execution));
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(sqlite::InTransaction(connection_, "creating an execution", [&]() -> Status {
      ScopedReset reset(insert_execution_);
      RETURN_IF_ERROR(BindExecution(insert_execution_, execution));
      Status status = insert_execution_.Run();
      if (!status.ok() && (insert_execution_.last_error_code() == SQLITE_CONSTRAINT_UNIQUE ||
                           insert_execution_.last_error_code() == SQLITE_CONSTRAINT_PRIMARYKEY)) {
        return AlreadyExistsError(fmt::format("execution '{}' already exists", execution.id));
      }
      RETURN_IF_ERROR(status);
      return InsertEvents(events);
    }));
    return events;
  }

  Result<std::vector<ExecutionEvent>> UpdateExecution(const Execution& execution,
                                                      std::vector<ExecutionEvent> events) override {
    RETURN_IF_ERROR(ValidateExecution(execution));
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(sqlite::InTransaction(connection_, "updating an execution", [&]() -> Status {
      ScopedReset reset(update_execution_);
      RETURN_IF_ERROR(BindExecution(update_execution_, execution));
      RETURN_IF_ERROR(update_execution_.Run());
      if (connection_.Changes() == 0) {
        ScopedReset reset_get(get_execution_);
        RETURN_IF_ERROR(get_execution_.BindText(1, execution.id));
        ASSIGN_OR_RETURN(const bool found, get_execution_.Step());
        if (!found) return ExecutionNotFound(execution.id);
        return FailedPreconditionError(fmt::format(
            "execution '{}' was moved by someone else: stored step {} but this update is step {} (expected {})",
            execution.id, get_execution_.ColumnInt64(12), execution.step_count, get_execution_.ColumnInt64(12) + 1));
      }
      return InsertEvents(events);
    }));
    return events;
  }

  Result<std::vector<ExecutionEvent>> AppendEvents(std::vector<ExecutionEvent> events) override {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(
        sqlite::InTransaction(connection_, "appending execution events", [&]() { return InsertEvents(events); }));
    return events;
  }

  Result<Execution> GetExecution(const std::string& id) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(get_execution_);
    RETURN_IF_ERROR(get_execution_.BindText(1, id));
    ASSIGN_OR_RETURN(const bool found, get_execution_.Step());
    if (!found) return ExecutionNotFound(id);
    return ReadExecution(get_execution_);
  }

  Result<std::vector<Execution>> ListExecutions(const ExecutionFilter& filter) override {
    if (filter.limit < 1 || filter.limit > kMaxListLimit) {
      return InvalidArgumentError(
          fmt::format("execution list limit must be 1 to {}, got {}", kMaxListLimit, filter.limit));
    }
    if (filter.offset < 0) return InvalidArgumentError(fmt::format("execution list offset {} is negative", filter.offset));
    if (filter.offset > 0 && !filter.before_id.empty()) {
      return InvalidArgumentError("execution list: give either before_id or offset, not both");
    }
    if (filter.status && *filter.status != kExecutionRunning && *filter.status != kExecutionSucceeded &&
        *filter.status != kExecutionFailed) {
      return InvalidArgumentError(
          fmt::format("execution status filter '{}' is not RUNNING, SUCCEEDED or FAILED", *filter.status));
    }
    // Built per call: the filter combinations are few and listing is not on a hot path.
    std::string sql = fmt::format("SELECT {} FROM workflow_executions WHERE 1", kExecutionColumns);
    if (filter.status) sql += " AND status = ?1";
    if (filter.branch) sql += " AND branch = ?2";
    if (!filter.before_id.empty()) {
      sql += " AND (start_ms, seq) < (SELECT start_ms, seq FROM workflow_executions WHERE id = ?3)";
    }
    sql += " ORDER BY start_ms DESC, seq DESC LIMIT ?4 OFFSET ?5";
    std::lock_guard lock(mu_);
    if (!filter.before_id.empty()) {
      ScopedReset reset(get_execution_);
      RETURN_IF_ERROR(get_execution_.BindText(1, filter.before_id));
      ASSIGN_OR_RETURN(const bool found, get_execution_.Step());
      if (!found) return ExecutionNotFound(filter.before_id);
    }
    ASSIGN_OR_RETURN(Statement list, connection_.Prepare(sql, "list executions"));
    if (filter.status) RETURN_IF_ERROR(list.BindText(1, *filter.status));
    if (filter.branch) RETURN_IF_ERROR(list.BindText(2, *filter.branch));
    if (!filter.before_id.empty()) RETURN_IF_ERROR(list.BindText(3, filter.before_id));
    RETURN_IF_ERROR(list.BindInt64(4, filter.limit));
    RETURN_IF_ERROR(list.BindInt64(5, filter.offset));
    return ReadExecutions(list);
  }

  Result<std::vector<Execution>> ListDueExecutions(int64_t now_ms, int limit) override {
    if (limit < 1) return InvalidArgumentError(fmt::format("due execution limit must be >= 1, got {}", limit));
    std::lock_guard lock(mu_);
    ScopedReset reset(list_due_);
    RETURN_IF_ERROR(list_due_.BindInt64(1, now_ms));
    RETURN_IF_ERROR(list_due_.BindInt64(2, limit));
    return ReadExecutions(list_due_);
  }

  Result<std::optional<int64_t>> FindEarliestWakeMs() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(earliest_wake_);
    ASSIGN_OR_RETURN(const bool has_row, earliest_wake_.Step());
    if (!has_row || earliest_wake_.ColumnIsNull(0)) return std::optional<int64_t>();
    return std::optional<int64_t>(earliest_wake_.ColumnInt64(0));
  }

  Result<std::vector<ExecutionEvent>> GetHistory(const std::string& execution_id) override {
    std::lock_guard lock(mu_);
    {
      ScopedReset reset(get_execution_);
      RETURN_IF_ERROR(get_execution_.BindText(1, execution_id));
      ASSIGN_OR_RETURN(const bool found, get_execution_.Step());
      if (!found) return ExecutionNotFound(execution_id);
    }
    ScopedReset reset(get_history_);
    RETURN_IF_ERROR(get_history_.BindText(1, execution_id));
    std::vector<ExecutionEvent> events;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, get_history_.Step());
      if (!has_row) break;
      ExecutionEvent& e = events.emplace_back();
      e.id = get_history_.ColumnInt64(0);
      e.execution_id = get_history_.ColumnText(1);
      e.time_ms = get_history_.ColumnInt64(2);
      e.type = get_history_.ColumnText(3);
      e.state_name = get_history_.ColumnText(4);
      e.input_json = get_history_.ColumnText(5);
      e.output_json = get_history_.ColumnText(6);
      e.error = get_history_.ColumnText(7);
      e.cause = get_history_.ColumnText(8);
      e.detail_json = get_history_.ColumnText(9);
    }
    return events;
  }

 private:
  explicit SqliteWorkflowDb(Connection connection) : connection_(std::move(connection)) {}

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(insert_execution_,
                            fmt::format("INSERT INTO workflow_executions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                                        "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                                        kExecutionColumns),
                            "insert execution"));
    // branch, input_json and start_ms never change after creation.
    RETURN_IF_ERROR(prepare(update_execution_,
                            "UPDATE workflow_executions SET status = ?3, current_state = ?5, current_input_json = ?6, "
                            "wake_at_ms = ?7, stop_ms = ?9, output_json = ?10, error = ?11, cause = ?12, "
                            "step_count = ?13, attempt = ?14, retry_counts_json = ?15, state_entries_json = ?16 "
                            "WHERE id = ?1 AND step_count = ?13 - 1",
                            "update execution"));
    RETURN_IF_ERROR(prepare(get_execution_,
                            fmt::format("SELECT {} FROM workflow_executions WHERE id = ?1", kExecutionColumns),
                            "get execution"));
    RETURN_IF_ERROR(prepare(list_due_,
                            fmt::format("SELECT {} FROM workflow_executions WHERE status = 'RUNNING' AND "
                                        "wake_at_ms <= ?1 ORDER BY wake_at_ms, seq LIMIT ?2",
                                        kExecutionColumns),
                            "list due executions"));
    RETURN_IF_ERROR(prepare(earliest_wake_,
                            "SELECT MIN(wake_at_ms) FROM workflow_executions WHERE status = 'RUNNING'",
                            "find earliest wake-up"));
    RETURN_IF_ERROR(prepare(insert_event_,
                            "INSERT INTO workflow_events (execution_id, time_ms, type, state_name, input_json, "
                            "output_json, error, cause, detail_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                            "insert execution event"));
    return prepare(get_history_,
                   fmt::format("SELECT {} FROM workflow_events WHERE execution_id = ?1 ORDER BY id", kEventColumns),
                   "get execution history");
  }

  // REQUIRES: mu_ held, inside a transaction. Sets each event's id.
  Status InsertEvents(std::vector<ExecutionEvent>& events) {
    for (ExecutionEvent& e : events) {
      ScopedReset reset(insert_event_);
      RETURN_IF_ERROR(insert_event_.BindText(1, e.execution_id));
      RETURN_IF_ERROR(insert_event_.BindInt64(2, e.time_ms));
      RETURN_IF_ERROR(insert_event_.BindText(3, e.type));
      RETURN_IF_ERROR(insert_event_.BindText(4, e.state_name));
      RETURN_IF_ERROR(insert_event_.BindText(5, e.input_json));
      RETURN_IF_ERROR(insert_event_.BindText(6, e.output_json));
      RETURN_IF_ERROR(insert_event_.BindText(7, e.error));
      RETURN_IF_ERROR(insert_event_.BindText(8, e.cause));
      RETURN_IF_ERROR(insert_event_.BindText(9, e.detail_json));
      Result<bool> has_row = insert_event_.Step();
      if (!has_row.ok() && insert_event_.last_error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return NotFoundError(fmt::format("cannot store a {} event of execution '{}': no such execution", e.type,
                                         e.execution_id));
      }
      RETURN_IF_ERROR(has_row.status());
      if (!*has_row) return InternalError("storing an execution event: no id returned");
      e.id = insert_event_.ColumnInt64(0);
    }
    return OkStatus();
  }

  static Status BindExecution(Statement& stmt, const Execution& e) {
    RETURN_IF_ERROR(stmt.BindText(1, e.id));
    RETURN_IF_ERROR(stmt.BindText(2, e.branch));
    RETURN_IF_ERROR(stmt.BindText(3, e.status));
    RETURN_IF_ERROR(stmt.BindText(4, e.input_json));
    RETURN_IF_ERROR(stmt.BindText(5, e.current_state));
    RETURN_IF_ERROR(stmt.BindText(6, e.current_input_json));
    RETURN_IF_ERROR(stmt.BindOptionalInt64(7, e.wake_at_ms));
    RETURN_IF_ERROR(stmt.BindInt64(8, e.start_ms));
    RETURN_IF_ERROR(stmt.BindOptionalInt64(9, e.stop_ms));
    RETURN_IF_ERROR(stmt.BindText(10, e.output_json));
    RETURN_IF_ERROR(stmt.BindText(11, e.error));
    RETURN_IF_ERROR(stmt.BindText(12, e.cause));
    RETURN_IF_ERROR(stmt.BindInt64(13, e.step_count));
    RETURN_IF_ERROR(stmt.BindInt64(14, e.attempt));
    RETURN_IF_ERROR(stmt.BindText(15, DumpJson(Json(e.retry_counts))));
    return stmt.BindText(16, DumpJson(Json(e.state_entries)));
  }

  static Result<Execution> ReadExecution(const Statement& stmt) {
    Execution e;
    e.id = stmt.ColumnText(0);
    e.branch = stmt.ColumnText(1);
    e.status = stmt.ColumnText(2);
    e.input_json = stmt.ColumnText(3);
    e.current_state = stmt.ColumnText(4);
    e.current_input_json = stmt.ColumnText(5);
    if (!stmt.ColumnIsNull(6)) e.wake_at_ms = stmt.ColumnInt64(6);
    e.start_ms = stmt.ColumnInt64(7);
    if (!stmt.ColumnIsNull(8)) e.stop_ms = stmt.ColumnInt64(8);
    e.output_json = stmt.ColumnText(9);
    e.error = stmt.ColumnText(10);
    e.cause = stmt.ColumnText(11);
    e.step_count = stmt.ColumnInt64(12);
    e.attempt = static_cast<int>(stmt.ColumnInt64(13));
    const std::string what = fmt::format("retry counts of execution '{}'", e.id);
    Result<Json> retries = ParseJson(stmt.ColumnText(14), what);
    Result<Json> entries = ParseJson(stmt.ColumnText(15), fmt::format("state entries of execution '{}'", e.id));
    if (!retries.ok()) return DataLossError(retries.status().message());
    if (!entries.ok()) return DataLossError(entries.status().message());
    try {
      e.retry_counts = retries->get<std::vector<int>>();
      e.state_entries = entries->get<std::map<std::string, int>>();
    } catch (const Json::exception& ex) {
      return DataLossError(fmt::format("execution '{}': stored retry counts or state entries are malformed: {}", e.id,
                                       ex.what()));
    }
    return e;
  }

  static Result<std::vector<Execution>> ReadExecutions(Statement& stmt) {
    std::vector<Execution> executions;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
      if (!has_row) break;
      ASSIGN_OR_RETURN(Execution execution, ReadExecution(stmt));
      executions.push_back(std::move(execution));
    }
    return executions;
  }

  static Status ExecutionNotFound(const std::string& id) {
    return NotFoundError(fmt::format("execution '{}' does not exist", id));
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  Statement insert_execution_, update_execution_, get_execution_, list_due_, earliest_wake_;
  Statement insert_event_, get_history_;
};

}  // namespace

Result<std::unique_ptr<WorkflowDb>> OpenSqliteWorkflowDb(const std::string& path, const Clock* clock) {
  if (path.empty()) return InvalidArgumentError("workflow database path is empty");
  if (clock == nullptr) return InvalidArgumentError("workflow database: clock is null");
  return SqliteWorkflowDb::Open(path, clock);
}

}  // namespace labelloop::db
