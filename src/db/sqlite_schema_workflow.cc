// Schema of workflow executions: see sqlite_schema.h. Tables are prefixed "workflow_".
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaWorkflow = R"sql(
CREATE TABLE workflow_executions (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order, breaks start_ms ties
  id                 TEXT NOT NULL UNIQUE,
  branch             TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
  input_json         TEXT NOT NULL,
  current_state      TEXT NOT NULL,
  current_input_json TEXT NOT NULL,
  wake_at_ms         INTEGER,                -- RUNNING only: the next step is due then
  start_ms           INTEGER NOT NULL,
  stop_ms            INTEGER,
  output_json        TEXT NOT NULL,
  error              TEXT NOT NULL,
  cause              TEXT NOT NULL,
  step_count         INTEGER NOT NULL,
  attempt            INTEGER NOT NULL,
  retry_counts_json  TEXT NOT NULL,          -- JSON array of ints
  state_entries_json TEXT NOT NULL           -- JSON object: state name -> times entered
);
CREATE INDEX workflow_executions_due ON workflow_executions (wake_at_ms) WHERE status = 'RUNNING';
CREATE INDEX workflow_executions_by_start ON workflow_executions (start_ms DESC, seq DESC);
CREATE INDEX workflow_executions_by_branch ON workflow_executions (branch, start_ms DESC, seq DESC);
CREATE INDEX workflow_executions_by_status ON workflow_executions (status, start_ms DESC, seq DESC);

CREATE TABLE workflow_events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_id TEXT NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
  time_ms      INTEGER NOT NULL,
  type         TEXT NOT NULL,
  state_name   TEXT NOT NULL,
  input_json   TEXT NOT NULL,
  output_json  TEXT NOT NULL,
  error        TEXT NOT NULL,
  cause        TEXT NOT NULL,
  detail_json  TEXT NOT NULL
);
CREATE INDEX workflow_events_by_execution ON workflow_events (execution_id, id);
)sql";

}  // namespace labelloop::db::sqlite
