// RAII wrappers over the SQLite C API, internal to src/db: no sqlite3 type appears in any
// header outside this folder, and only the SQLite adapter includes this one. Errors become
// Status values whose message names the database and the step. Not thread-safe by
// themselves: the owner serialises use (SqliteMetadataDb holds one mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace labelloop::db::sqlite {

// Maps an SQLite result code to a Status: BUSY/LOCKED/IOERR Unavailable, CORRUPT/NOTADB
// DataLoss, FULL InsufficientStorage, NOMEM ResourceExhausted, READONLY/PERM/AUTH PermissionDenied, CANTOPEN
// FailedPrecondition, TOOBIG/RANGE/MISMATCH InvalidArgument, CONSTRAINT FailedPrecondition,
// others Internal. `db` (may be null) supplies the detailed message.
Status SqliteStatus(int code, sqlite3* db, std::string_view context);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, sqlite3* db, std::string label) : stmt_(stmt), db_(db), label_(std::move(label)) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Status BindText(int index, std::string_view value);
  Status BindBlob(int index, std::string_view value);
  Status BindInt64(int index, int64_t value);
  Status BindDouble(int index, double value);
  Status BindNull(int index);
  Status BindOptionalInt64(int index, const std::optional<int64_t>& value);
  Status BindOptionalDouble(int index, const std::optional<double>& value);
  Status BindOptionalText(int index, const std::optional<std::string>& value);

  // true: a row is available; false: the statement is done. The error code of a failed
  // step is kept in last_error_code() (e.g. SQLITE_CONSTRAINT_PRIMARYKEY).
  Result<bool> Step();
  // Steps a statement that returns no rows.
  Status Run();
  int last_error_code() const { return last_error_code_; }

  // Columns are 0-based, as in SQLite.
  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;
  std::string ColumnBlob(int index) const;
  std::optional<std::string> ColumnOptionalText(int index) const;  // nullopt for NULL

  // Ready for the next use: resets and clears bindings.
  void Reset();

 private:
  Status Check(int code, std::string_view step);

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  std::string label_;  // names the statement in errors ("insert model version")
  int last_error_code_ = SQLITE_OK;
};

// Steps `stmt` to its end and returns read(stmt) for every row, in order; the first
// failed step is the error.
template <typename Read>
auto ReadRows(Statement& stmt, Read read) -> Result<std::vector<decltype(read(stmt))>> {
  std::vector<decltype(read(stmt))> rows;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return rows;
    rows.push_back(read(stmt));
  }
}

// Resets a (cached) statement when the scope ends, whatever the outcome.
class ScopedReset {
 public:
  explicit ScopedReset(Statement& stmt) : stmt_(stmt) {}
  ~ScopedReset() { stmt_.Reset(); }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  Statement& stmt_;
};

class Connection {
 public:
  // Opens (creating) the database; `path` ":memory:" is a private in-memory database.
  static Result<Connection> Open(const std::string& path);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  const std::string& path() const { return path_; }
  // Runs one or more statements without results. `what` names the step in errors.
  Status Exec(std::string_view sql, std::string_view what);
  // `label` names the statement in its errors.
  Result<Statement> Prepare(std::string_view sql, std::string label);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_ = nullptr;
  std::string path_;
};

// Runs `body` in BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
template <typename Body>
Status InTransaction(Connection& db, std::string_view what, Body&& body) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE", what));
  Status status = body();
  if (status.ok()) status = db.Exec("COMMIT", what);
  if (!status.ok()) {
    // The rollback's own error matters less than the one that caused it; keep both.
    Status rollback = db.Exec("ROLLBACK", what);
    if (!rollback.ok()) return Status(status.code(), status.message() + " (and " + rollback.message() + ")");
  }
  return status;
}

}  // namespace labelloop::db::sqlite
