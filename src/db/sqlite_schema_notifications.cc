// Schema of notifications: see sqlite_schema.h.
// notifications is the inbox (one row per published notification); notification_deliveries
// holds one row per (notification, sink) with its retry state. A pending delivery's
// next_attempt_ms is when it is due; a worker claims it by pushing next_attempt_ms past a
// lease, so a delivery whose worker died becomes due again when the lease ends.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaNotifications = R"sql(
CREATE TABLE notifications (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ms INTEGER NOT NULL,
  subject    TEXT NOT NULL,
  body_json  TEXT NOT NULL,
  read       INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1))
);

CREATE TABLE notification_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  sink            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER,            -- set while pending, NULL once delivered or failed
  last_error      TEXT NOT NULL DEFAULT '',
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  delivered_ms    INTEGER,
  UNIQUE (notification_id, sink)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (sink, next_attempt_ms)
  WHERE status = 'pending';
CREATE INDEX notification_deliveries_by_status ON notification_deliveries (status, id);
)sql";

}  // namespace labelloop::db::sqlite
