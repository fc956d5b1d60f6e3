#include "db/sqlite_open.h"

#include <fmt/format.h>

#include "db/sqlite_migrations.h"

namespace labelloop::db::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// Runs "PRAGMA <pragma>" and checks that it reports `expected`.
Status CheckPragma(Connection& connection, std::string_view pragma, std::string_view expected) {
  ASSIGN_OR_RETURN(Statement stmt, connection.Prepare(fmt::format("PRAGMA {}", pragma), fmt::format("PRAGMA {}", pragma)));
  ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
  const std::string value = has_row ? stmt.ColumnText(0) : "";
  if (value != expected) {
    return FailedPreconditionError(fmt::format("metadata database '{}': PRAGMA {} gave '{}', expected '{}'",
                                               connection.path(), pragma, value, expected));
  }
  return OkStatus();
}

Status Configure(Connection& connection, const Clock& clock) {
  const std::string& path = connection.path();
  // The first statement reads the file header: a file that is not a database fails here.
  RETURN_IF_ERROR(connection.Exec(fmt::format("PRAGMA busy_timeout = {}", kBusyTimeoutMs), "setting busy_timeout"));
  RETURN_IF_ERROR(CheckPragma(connection, "journal_mode = WAL", path == ":memory:" ? "memory" : "wal"));
  RETURN_IF_ERROR(connection.Exec("PRAGMA foreign_keys = ON", "enabling foreign keys"));
  RETURN_IF_ERROR(CheckPragma(connection, "foreign_keys", "1"));
  // FULL: a commit returns only after its WAL frames are fsynced, so what the API has
  // acknowledged survives a power loss, not only a crash of labelloop (NORMAL, SQLite's
  // suggestion with WAL, may drop the last commits on power loss). The cost, one fsync per
  // commit, is measured in docs/durability.md.
  RETURN_IF_ERROR(connection.Exec("PRAGMA synchronous = FULL", "setting synchronous"));
  RETURN_IF_ERROR(CheckPragma(connection, "synchronous", "2"));
  return ApplyMigrations(connection, SqliteMigrations(), clock);
}

}  // namespace

Result<Connection> OpenMigratedConnection(const std::string& path, const Clock& clock) {
  ASSIGN_OR_RETURN(Connection connection, Connection::Open(path));
  if (Status status = Configure(connection, clock); !status.ok()) {
    if (status.code() == StatusCode::kDataLoss) {
      return status.WithContext(fmt::format("metadata database '{}' is not a valid SQLite database or is corrupt", path));
    }
    return status;
  }
  return connection;
}

}  // namespace labelloop::db::sqlite
