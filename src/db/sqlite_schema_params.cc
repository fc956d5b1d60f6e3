// Schema of parameters and schedules: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

// parameter_versions: every version of every parameter, never updated or deleted. seq is
// the global change sequence: AUTOINCREMENT never reuses a number, and because SQLite
// admits one writer at a time, changes commit in seq order (a reader's cursor never skips
// a change that commits later with a smaller seq).
// schedules: one row per schedule; next_fire_ms is NULL while disabled.
const std::string_view kSchemaParamsAndSchedules = R"sql(
CREATE TABLE parameter_versions (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version >= 1),
  value        TEXT NOT NULL,
  modified_ms  INTEGER NOT NULL,
  modified_by  TEXT NOT NULL,
  UNIQUE (name, version)
);

CREATE TABLE schedules (
  name              TEXT PRIMARY KEY NOT NULL,
  enabled           INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  period_ms         INTEGER NOT NULL CHECK (period_ms > 0),
  next_fire_ms      INTEGER,
  last_fire_ms      INTEGER,
  trigger_requested INTEGER NOT NULL DEFAULT 0 CHECK (trigger_requested IN (0, 1))
);
)sql";

}  // namespace labelloop::db::sqlite
