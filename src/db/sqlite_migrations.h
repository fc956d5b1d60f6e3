// The SQLite schema as numbered migrations (internal to src/db). Applied in order, each in
// its own transaction together with its row in schema_migrations, so a database is always
// at exactly one version; re-opening applies only migrations it has not seen. Never edit
// a released migration: append a new one. Thread-compatible (runs on one connection).
#pragma once

#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/sqlite_handle.h"

namespace labelloop::db::sqlite {

struct Migration {
  int version;                   // 1, 2, 3, ... without gaps
  std::string_view description;  // recorded in schema_migrations
  std::string_view sql;          // one or more statements
};

// labelloop's migrations, oldest first.
const std::vector<Migration>& SqliteMigrations();

// Creates schema_migrations if needed and applies every migration in `migrations` whose
// version the database has not recorded. FailedPrecondition when the database records a
// version this list does not know (written by a newer labelloop). A failed migration is
// rolled back whole; the error names its version.
Status ApplyMigrations(Connection& db, const std::vector<Migration>& migrations, const Clock& clock);

}  // namespace labelloop::db::sqlite
