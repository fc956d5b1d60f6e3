// Schema of the detection queue: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaDetectionQueue = R"sql(
CREATE TABLE detection_queue (
  sequence_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id      TEXT NOT NULL UNIQUE,
  image_key       TEXT NOT NULL,
  source          TEXT NOT NULL,
  arrived_ms      INTEGER NOT NULL,
  status          TEXT NOT NULL,           -- 'pending' or 'failed'
  attempts        INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  last_error      TEXT NOT NULL,
  requested_by    TEXT NOT NULL DEFAULT ''  -- who called POST /detect ('' for bucket events)
);
CREATE INDEX detection_queue_due ON detection_queue (status, next_attempt_ms, sequence_id);
)sql";

}  // namespace labelloop::db::sqlite
