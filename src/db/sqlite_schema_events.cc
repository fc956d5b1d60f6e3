// Schema of events: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaEvents = R"sql(
CREATE TABLE events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  type          TEXT NOT NULL,
  dedupe_key    TEXT NOT NULL UNIQUE,
  payload       TEXT NOT NULL,
  created_ms    INTEGER NOT NULL,
  status        TEXT NOT NULL,
  dispatched_ms INTEGER,
  execution_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_pending ON events (status, id);

CREATE TABLE cursors (
  name  TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

CREATE TABLE task_records (
  key        TEXT PRIMARY KEY NOT NULL,
  json       TEXT NOT NULL
);
)sql";

}  // namespace labelloop::db::sqlite
