// ParamDb on SQLite: one connection guarded by one mutex (as SqliteMetadataDb). Writes run
// in BEGIN IMMEDIATE transactions, so the per-name version is computed and used under the
// database's write lock, and seq (an AUTOINCREMENT key) is handed out in commit order.
#include <fmt/format.h>

#include <mutex>

#include "db/param_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr std::string_view kColumns = "seq, name, value, version, modified_ms, modified_by";

Status CheckWrite(const std::string& name, const std::string& modified_by) {
  if (name.empty()) return InvalidArgumentError("cannot store a parameter version: the parameter name is empty");
  if (modified_by.empty()) {
    return InvalidArgumentError(fmt::format("cannot store a version of parameter '{}': modified_by is empty", name));
  }
  return OkStatus();
}

class SqliteParamDb final : public ParamDb {
 public:
  static Result<std::unique_ptr<ParamDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteParamDb>(new SqliteParamDb(std::move(connection)));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<ParamDb>(std::move(db));
  }

  Result<ParamChange> AppendVersion(const std::string& name, const std::string& value, int64_t modified_ms,
                                    const std::string& modified_by) override {
    RETURN_IF_ERROR(CheckWrite(name, modified_by));
    std::lock_guard lock(mu_);
    ParamChange change;
    RETURN_IF_ERROR(sqlite::InTransaction(connection_, fmt::format("writing parameter '{}'", name), [&]() -> Status {
      ASSIGN_OR_RETURN(std::optional<ParamChange> latest, FindLatestLocked(name));
      ASSIGN_OR_RETURN(change, InsertLocked(name, value, latest ? latest->version + 1 : 1, modified_ms, modified_by));
      return OkStatus();
    }));
    return change;
  }

  Result<std::optional<ParamChange>> AppendFirstVersion(const std::string& name, const std::string& value,
                                                        int64_t modified_ms, const std::string& modified_by) override {
    RETURN_IF_ERROR(CheckWrite(name, modified_by));
    std::lock_guard lock(mu_);
    std::optional<ParamChange> written;
    RETURN_IF_ERROR(sqlite::InTransaction(
        connection_, fmt::format("writing the first version of parameter '{}'", name), [&]() -> Status {
          ASSIGN_OR_RETURN(std::optional<ParamChange> latest, FindLatestLocked(name));
          if (latest) return OkStatus();
          ASSIGN_OR_RETURN(written, InsertLocked(name, value, 1, modified_ms, modified_by));
          return OkStatus();
        }));
    return written;
  }

  Result<std::optional<ParamChange>> FindLatest(const std::string& name) override {
    std::lock_guard lock(mu_);
    return FindLatestLocked(name);
  }

  Result<std::vector<ParamChange>> ListLatest() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(list_latest_);
    return sqlite::ReadRows(list_latest_, Read);
  }

  Result<std::vector<ParamChange>> ListVersions(const std::string& name) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(list_versions_);
    RETURN_IF_ERROR(list_versions_.BindText(1, name));
    return sqlite::ReadRows(list_versions_, Read);
  }

  Result<std::vector<ParamChange>> ListChangesAfter(int64_t after_seq, int limit) override {
    if (limit < 1 || after_seq < 0) {
      return InvalidArgumentError(fmt::format(
          "listing parameter changes: after_seq must be >= 0 and limit >= 1; got after_seq {}, limit {}", after_seq,
          limit));
    }
    std::lock_guard lock(mu_);
    ScopedReset reset(list_changes_);
    RETURN_IF_ERROR(list_changes_.BindInt64(1, after_seq));
    RETURN_IF_ERROR(list_changes_.BindInt64(2, limit));
    return sqlite::ReadRows(list_changes_, Read);
  }

  Result<int64_t> LastChangeSeq() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(last_seq_);
    ASSIGN_OR_RETURN(const bool has_row, last_seq_.Step());
    if (!has_row) return InternalError("reading the last parameter change: no row");
    return last_seq_.ColumnInt64(0);
  }

 private:
  explicit SqliteParamDb(Connection connection) : connection_(std::move(connection)) {}

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(insert_,
                            "INSERT INTO parameter_versions (name, value, version, modified_ms, modified_by) "
                            "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING seq",
                            "insert parameter version"));
    RETURN_IF_ERROR(prepare(find_latest_,
                            fmt::format("SELECT {} FROM parameter_versions WHERE name = ?1 ORDER BY version DESC "
                                        "LIMIT 1",
                                        kColumns),
                            "find latest parameter version"));
    RETURN_IF_ERROR(prepare(list_latest_,
                            fmt::format("SELECT {} FROM parameter_versions p WHERE version = (SELECT MAX(version) "
                                        "FROM parameter_versions q WHERE q.name = p.name) ORDER BY name",
                                        kColumns),
                            "list latest parameter versions"));
    RETURN_IF_ERROR(prepare(list_versions_,
                            fmt::format("SELECT {} FROM parameter_versions WHERE name = ?1 ORDER BY version DESC",
                                        kColumns),
                            "list parameter versions"));
    RETURN_IF_ERROR(prepare(list_changes_,
                            fmt::format("SELECT {} FROM parameter_versions WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                                        kColumns),
                            "list parameter changes"));
    return prepare(last_seq_, "SELECT COALESCE(MAX(seq), 0) FROM parameter_versions", "last parameter change");
  }

  // REQUIRES: mu_ held.
  Result<std::optional<ParamChange>> FindLatestLocked(const std::string& name) {
    ScopedReset reset(find_latest_);
    RETURN_IF_ERROR(find_latest_.BindText(1, name));
    ASSIGN_OR_RETURN(const bool found, find_latest_.Step());
    if (!found) return std::optional<ParamChange>();
    return std::optional<ParamChange>(Read(find_latest_));
  }

  // REQUIRES: mu_ held, inside a write transaction.
  Result<ParamChange> InsertLocked(const std::string& name, const std::string& value, int64_t version,
                                   int64_t modified_ms, const std::string& modified_by) {
    ScopedReset reset(insert_);
    RETURN_IF_ERROR(insert_.BindText(1, name));
    RETURN_IF_ERROR(insert_.BindText(2, value));
    RETURN_IF_ERROR(insert_.BindInt64(3, version));
    RETURN_IF_ERROR(insert_.BindInt64(4, modified_ms));
    RETURN_IF_ERROR(insert_.BindText(5, modified_by));
    ASSIGN_OR_RETURN(const bool has_row, insert_.Step());
    if (!has_row) return InternalError(fmt::format("storing version {} of parameter '{}': no seq returned", version, name));
    ParamChange change{insert_.ColumnInt64(0), name, value, version, modified_ms, modified_by};
    ASSIGN_OR_RETURN(const bool more, insert_.Step());  // completes the statement
    if (more) return InternalError(fmt::format("storing version {} of parameter '{}': extra rows", version, name));
    return change;
  }

  static ParamChange Read(const Statement& stmt) {
    return ParamChange{stmt.ColumnInt64(0), stmt.ColumnText(1),  stmt.ColumnText(2),
                       stmt.ColumnInt64(3), stmt.ColumnInt64(4), stmt.ColumnText(5)};
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  Statement insert_, find_latest_, list_latest_, list_versions_, list_changes_, last_seq_;
};

}  // namespace

Result<std::unique_ptr<ParamDb>> OpenSqliteParamDb(const std::string& path, const Clock* clock) {
  return SqliteParamDb::Open(path, clock);
}

}  // namespace labelloop::db
