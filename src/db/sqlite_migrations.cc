#include "db/sqlite_migrations.h"

#include <fmt/format.h>

#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::vector<Migration>& SqliteMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "model versions, evaluations, embedding cache", R"sql(
CREATE TABLE model_versions (
  name                 TEXT PRIMARY KEY NOT NULL,
  status               TEXT NOT NULL,
  status_message       TEXT NOT NULL,
  created_ms           INTEGER NOT NULL,
  finished_ms          INTEGER,
  labels               TEXT NOT NULL,         -- JSON array of strings, sorted
  training_image_count INTEGER NOT NULL,
  test_image_count     INTEGER NOT NULL,
  manifest_key         TEXT NOT NULL,
  evaluation_key       TEXT NOT NULL,
  artifact_key         TEXT NOT NULL,
  f1                   REAL,
  backbone_id          TEXT NOT NULL
);
CREATE INDEX model_versions_by_created ON model_versions (created_ms DESC, name DESC);

CREATE TABLE evaluations (
  version         TEXT PRIMARY KEY NOT NULL REFERENCES model_versions (name) ON DELETE CASCADE,
  evaluation_json TEXT NOT NULL
);

CREATE TABLE embedding_cache (
  content_hash  TEXT NOT NULL,
  backbone_id   TEXT NOT NULL,
  preprocessing TEXT NOT NULL,
  bytes         BLOB NOT NULL,
  created_ms    INTEGER NOT NULL,
  PRIMARY KEY (content_hash, backbone_id, preprocessing)
);
)sql"},
      {2, "parameters and schedules", kSchemaParamsAndSchedules},
      {3, "workflow executions", kSchemaWorkflow},
      {4, "events", kSchemaEvents},
      {5, "notifications", kSchemaNotifications},
      {6, "detections and review tasks", kSchemaDetectionsAndReviews},
      {7, "users, sessions and tokens", kSchemaAuth},
      {8, "detection requesters and password changes", kSchemaRoles},
      {9, "detection queue (images waiting for a model or a retry)", kSchemaDetectionQueue},
      {10, "review task priority and selection (the ranked queue)", kSchemaReviewPriority},
      {11, "API tokens' sealed signing secrets (AWS SigV4)", kSchemaTokenSigningSecret},
  };
  return kMigrations;
}

namespace {

Result<int64_t> HighestAppliedVersion(Connection& db) {
  ASSIGN_OR_RETURN(Statement max, db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                                             "reading the schema version"));
  ASSIGN_OR_RETURN(const bool has_row, max.Step());
  if (!has_row) return InternalError("reading the schema version: no row");
  return max.ColumnInt64(0);
}

}  // namespace

Status ApplyMigrations(Connection& db, const std::vector<Migration>& migrations, const Clock& clock) {
  RETURN_IF_ERROR(db.Exec(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY NOT NULL,
  description TEXT NOT NULL,
  applied_ms  INTEGER NOT NULL
))sql",
                          "creating schema_migrations"));
  const int64_t known = migrations.empty() ? 0 : migrations.back().version;
  ASSIGN_OR_RETURN(const int64_t applied, HighestAppliedVersion(db));
  if (applied > known) {
    return FailedPreconditionError(fmt::format(
        "metadata database '{}' has schema version {}, newer than this labelloop knows ({}); "
        "use a newer labelloop or another database",
        db.path(), applied, known));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= applied) continue;
    const std::string what = fmt::format("applying migration {} ({})", migration.version, migration.description);
    RETURN_IF_ERROR(InTransaction(db, what, [&]() -> Status {
      // Another process may have applied it since we looked: check inside the transaction.
      ASSIGN_OR_RETURN(const int64_t now_applied, HighestAppliedVersion(db));
      if (now_applied >= migration.version) return OkStatus();
      if (now_applied != migration.version - 1) {
        return InternalError(fmt::format("{}: database is at version {}, expected {}", what, now_applied,
                                         migration.version - 1));
      }
      RETURN_IF_ERROR(db.Exec(migration.sql, what));
      ASSIGN_OR_RETURN(Statement record,
                       db.Prepare("INSERT INTO schema_migrations (version, description, applied_ms) VALUES (?, ?, ?)",
                                  "recording migration"));
      RETURN_IF_ERROR(record.BindInt64(1, migration.version));
      RETURN_IF_ERROR(record.BindText(2, migration.description));
      RETURN_IF_ERROR(record.BindInt64(3, clock.NowMs()));
      return record.Run();
    }));
  }
  return OkStatus();
}

}  // namespace labelloop::db::sqlite
