// Schema of detections and reviews: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

// detections.sequence_id is the rowid: it grows with each insert, so sampling can count
// "since". The indexes serve the console's filters (version, label, sampled, review state)
// newest first; the rowid rides along in each index, so ties on created_ms need no sort.
const std::string_view kSchemaDetectionsAndReviews = R"sql(
CREATE TABLE detections (
  sequence_id        INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id         TEXT NOT NULL UNIQUE,
  created_ms         INTEGER NOT NULL,
  image_key          TEXT NOT NULL,
  image_etag         TEXT NOT NULL,
  model_version      TEXT NOT NULL,
  top_label          TEXT NOT NULL,           -- '' when no label
  confidence_pct     REAL NOT NULL,
  labels_json        TEXT NOT NULL,           -- JSON array
  threshold_pct      REAL NOT NULL,
  review_enabled     INTEGER NOT NULL,
  sampled            INTEGER NOT NULL,
  source             TEXT NOT NULL,           -- 'event' or 'api'
  review_task        TEXT,
  human_label        TEXT,                    -- NULL with human_completed_ms set: None of the Above
  human_copied_key   TEXT,
  human_completed_ms INTEGER
);
CREATE INDEX detections_by_created ON detections (created_ms);
CREATE INDEX detections_by_version ON detections (model_version, created_ms);
CREATE INDEX detections_by_label ON detections (top_label, created_ms);
CREATE INDEX detections_by_sampled ON detections (sampled, created_ms);
CREATE INDEX detections_with_review ON detections (created_ms) WHERE review_task IS NOT NULL;

CREATE TABLE review_tasks (
  name                 TEXT PRIMARY KEY NOT NULL,
  status               TEXT NOT NULL,
  source               TEXT NOT NULL,
  image_key            TEXT NOT NULL,
  detection_request_id TEXT NOT NULL,
  model_label          TEXT NOT NULL,
  model_confidence_pct REAL NOT NULL,
  candidate_labels     TEXT NOT NULL,         -- JSON array of strings
  reviews_required     INTEGER NOT NULL,
  created_ms           INTEGER NOT NULL,
  expires_ms           INTEGER NOT NULL,
  claimed_by           TEXT,
  claim_expires_ms     INTEGER,
  final_label          TEXT,
  agreement            REAL,
  completed_ms         INTEGER,
  output_key           TEXT NOT NULL,
  output_written       INTEGER NOT NULL,
  revision             INTEGER NOT NULL,
  UNIQUE (detection_request_id, source)
);
CREATE INDEX review_tasks_by_created ON review_tasks (created_ms, name);
CREATE INDEX review_tasks_by_status ON review_tasks (status, created_ms, name);
CREATE INDEX review_tasks_by_expiry ON review_tasks (status, expires_ms);
CREATE INDEX review_tasks_unwritten ON review_tasks (completed_ms) WHERE status = 'Completed' AND output_written = 0;

CREATE TABLE review_answers (
  task         TEXT NOT NULL REFERENCES review_tasks (name) ON DELETE CASCADE,
  reviewer     TEXT NOT NULL,
  label        TEXT,                          -- NULL: None of the Above
  submitted_ms INTEGER NOT NULL,
  PRIMARY KEY (task, reviewer)
);

CREATE TABLE sampling_cursor (
  id                  INTEGER PRIMARY KEY CHECK (id = 1),
  after_sequence_id   INTEGER NOT NULL,
  counted             INTEGER NOT NULL,
  pending_request_ids TEXT NOT NULL,          -- JSON array of strings
  reset_ms            INTEGER NOT NULL
);
)sql";

// The ranked queue (review::PlaceInQueue). Tasks created before it get priority 0 and
// selection 'unranked': after the ranked ones, oldest first among themselves, as before.
// review_tasks_queue is walked in order by a claim and by the queue-ordered list;
// review_tasks_held finds a reviewer's own hold (few rows have one).
const std::string_view kSchemaReviewPriority = R"sql(
ALTER TABLE review_tasks ADD COLUMN priority REAL NOT NULL DEFAULT 0;
ALTER TABLE review_tasks ADD COLUMN selection TEXT NOT NULL DEFAULT 'unranked';
CREATE INDEX review_tasks_queue ON review_tasks (status, priority DESC, created_ms, name);
CREATE INDEX review_tasks_held ON review_tasks (claimed_by) WHERE claimed_by IS NOT NULL;
)sql";

}  // namespace labelloop::db::sqlite
