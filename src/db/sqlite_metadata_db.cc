// MetadataDb on SQLite. One connection guarded by one mutex: SQLite serialises writers
// anyway, metadata traffic is light, and one connection keeps ":memory:" databases
// working. WAL lets other processes read while we write; busy_timeout makes them wait
// instead of failing. Statements are prepared once, at open, and reset after each use.
#include <fmt/format.h>

#include <mutex>

#include "common/json_util.h"
#include "db/metadata_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr std::string_view kVersionColumns =
    "name, status, status_message, created_ms, finished_ms, labels, training_image_count, test_image_count, "
    "manifest_key, evaluation_key, artifact_key, f1, backbone_id";

Status CheckEmbeddingKey(const EmbeddingKey& key) {
  if (key.content_hash.empty() || key.backbone_id.empty() || key.preprocessing.empty()) {
    return InvalidArgumentError(fmt::format(
        "embedding key (content_hash '{}', backbone_id '{}', preprocessing '{}') has an empty part",
        key.content_hash, key.backbone_id, key.preprocessing));
  }
  return OkStatus();
}

std::string DescribeKey(const EmbeddingKey& key) {
  return fmt::format("embedding {} / {} / {}", key.content_hash, key.backbone_id, key.preprocessing);
}

class SqliteMetadataDb final : public MetadataDb {
 public:
  static Result<std::unique_ptr<MetadataDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteMetadataDb>(new SqliteMetadataDb(std::move(connection), clock));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<MetadataDb>(std::move(db));
  }

  Status CreateModelVersion(const ModelVersion& version) override {
    RETURN_IF_ERROR(ValidateModelVersion(version));
    std::lock_guard lock(mu_);
    ScopedReset reset(insert_version_);
    RETURN_IF_ERROR(BindVersion(insert_version_, version));
    Status status = insert_version_.Run();
    if (!status.ok() && (insert_version_.last_error_code() == SQLITE_CONSTRAINT_PRIMARYKEY ||
                         insert_version_.last_error_code() == SQLITE_CONSTRAINT_UNIQUE)) {
      return AlreadyExistsError(fmt::format("model version '{}' already exists", version.name));
    }
    return status;
  }

  Status UpdateModelVersion(const ModelVersion& version) override {
    RETURN_IF_ERROR(ValidateModelVersion(version));
    std::lock_guard lock(mu_);
    ScopedReset reset(update_version_);
    RETURN_IF_ERROR(BindVersion(update_version_, version));
    RETURN_IF_ERROR(update_version_.Run());
    if (connection_.Changes() == 0) return VersionNotFound(version.name);
    return OkStatus();
  }

  Result<ModelVersion> GetModelVersion(const std::string& name) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(get_version_);
    RETURN_IF_ERROR(get_version_.BindText(1, name));
    ASSIGN_OR_RETURN(const bool found, get_version_.Step());
    if (!found) return VersionNotFound(name);
    return ReadVersion(get_version_);
  }

  Result<std::vector<ModelVersion>> ListModelVersions() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(list_versions_);
    std::vector<ModelVersion> versions;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, list_versions_.Step());
      if (!has_row) break;
      ASSIGN_OR_RETURN(ModelVersion version, ReadVersion(list_versions_));
      versions.push_back(std::move(version));
    }
    return versions;
  }

  Status PutEvaluation(const std::string& version, const std::string& evaluation_json) override {
    RETURN_IF_ERROR(
        ParseJson(evaluation_json, fmt::format("evaluation of model version '{}'", version)).status());
    std::lock_guard lock(mu_);
    ScopedReset reset(put_evaluation_);
    RETURN_IF_ERROR(put_evaluation_.BindText(1, version));
    RETURN_IF_ERROR(put_evaluation_.BindText(2, evaluation_json));
    Status status = put_evaluation_.Run();
    if (!status.ok() && put_evaluation_.last_error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return NotFoundError(fmt::format("cannot store the evaluation of model version '{}': no such version", version));
    }
    return status;
  }

  Result<std::string> GetEvaluation(const std::string& version) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(get_evaluation_);
    RETURN_IF_ERROR(get_evaluation_.BindText(1, version));
    ASSIGN_OR_RETURN(const bool found, get_evaluation_.Step());
    if (!found) return NotFoundError(fmt::format("model version '{}' has no evaluation", version));
    return get_evaluation_.ColumnText(0);
  }

  Result<std::optional<std::string>> FindEmbedding(const EmbeddingKey& key) override {
    RETURN_IF_ERROR(CheckEmbeddingKey(key));
    std::lock_guard lock(mu_);
    ScopedReset reset(find_embedding_);
    RETURN_IF_ERROR(BindEmbeddingKey(find_embedding_, key));
    Result<bool> found = find_embedding_.Step();
    if (!found.ok()) return found.status().WithContext(DescribeKey(key));
    if (!*found) return std::optional<std::string>();
    return std::optional<std::string>(find_embedding_.ColumnBlob(0));
  }

  Status PutEmbedding(const EmbeddingKey& key, const std::string& bytes) override {
    RETURN_IF_ERROR(CheckEmbeddingKey(key));
    std::lock_guard lock(mu_);
    ScopedReset reset(put_embedding_);
    RETURN_IF_ERROR(BindEmbeddingKey(put_embedding_, key));
    RETURN_IF_ERROR(put_embedding_.BindBlob(4, bytes));
    RETURN_IF_ERROR(put_embedding_.BindInt64(5, clock_->NowMs()));
    return put_embedding_.Run().WithContext(DescribeKey(key));
  }

  Result<int64_t> CountEmbeddings() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(count_embeddings_);
    ASSIGN_OR_RETURN(const bool has_row, count_embeddings_.Step());
    if (!has_row) return InternalError("counting embeddings: no row");
    return count_embeddings_.ColumnInt64(0);
  }

 private:
  SqliteMetadataDb(Connection connection, const Clock* clock) : connection_(std::move(connection)), clock_(clock) {}

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(insert_version_,
                            fmt::format("INSERT INTO model_versions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                        "?10, ?11, ?12, ?13)",
                                        kVersionColumns),
                            "insert model version"));
    RETURN_IF_ERROR(prepare(update_version_,
                            "UPDATE model_versions SET status = ?2, status_message = ?3, created_ms = ?4, "
                            "finished_ms = ?5, labels = ?6, training_image_count = ?7, test_image_count = ?8, "
                            "manifest_key = ?9, evaluation_key = ?10, artifact_key = ?11, f1 = ?12, "
                            "backbone_id = ?13 WHERE name = ?1",
                            "update model version"));
    RETURN_IF_ERROR(prepare(get_version_, fmt::format("SELECT {} FROM model_versions WHERE name = ?1", kVersionColumns),
                            "get model version"));
    RETURN_IF_ERROR(prepare(list_versions_,
                            fmt::format("SELECT {} FROM model_versions ORDER BY created_ms DESC, name DESC",
                                        kVersionColumns),
                            "list model versions"));
    RETURN_IF_ERROR(prepare(put_evaluation_,
                            "INSERT INTO evaluations (version, evaluation_json) VALUES (?1, ?2) "
                            "ON CONFLICT (version) DO UPDATE SET evaluation_json = excluded.evaluation_json",
                            "put evaluation"));
    RETURN_IF_ERROR(prepare(get_evaluation_, "SELECT evaluation_json FROM evaluations WHERE version = ?1",
                            "get evaluation"));
    RETURN_IF_ERROR(prepare(find_embedding_,
                            "SELECT bytes FROM embedding_cache WHERE content_hash = ?1 AND backbone_id = ?2 AND "
                            "preprocessing = ?3",
                            "find embedding"));
    RETURN_IF_ERROR(prepare(put_embedding_,
                            "INSERT INTO embedding_cache (content_hash, backbone_id, preprocessing, bytes, created_ms) "
                            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (content_hash, backbone_id, preprocessing) "
                            "DO UPDATE SET bytes = excluded.bytes, created_ms = excluded.created_ms",
                            "put embedding"));
    return prepare(count_embeddings_, "SELECT COUNT(*) FROM embedding_cache", "count embeddings");
  }

  static Status BindVersion(Statement& stmt, const ModelVersion& v) {
    RETURN_IF_ERROR(stmt.BindText(1, v.name));
    RETURN_IF_ERROR(stmt.BindText(2, v.status));
    RETURN_IF_ERROR(stmt.BindText(3, v.status_message));
    RETURN_IF_ERROR(stmt.BindInt64(4, v.created_ms));
    RETURN_IF_ERROR(stmt.BindOptionalInt64(5, v.finished_ms));
    std::string labels_json;
    try {
      labels_json = Json(v.labels).dump();
    } catch (const Json::exception& e) {  // a label that is not valid UTF-8
      return InvalidArgumentError(fmt::format("model version '{}': labels cannot be stored: {}", v.name, e.what()));
    }
    RETURN_IF_ERROR(stmt.BindText(6, labels_json));
    RETURN_IF_ERROR(stmt.BindInt64(7, v.training_image_count));
    RETURN_IF_ERROR(stmt.BindInt64(8, v.test_image_count));
    RETURN_IF_ERROR(stmt.BindText(9, v.manifest_key));
    RETURN_IF_ERROR(stmt.BindText(10, v.evaluation_key));
    RETURN_IF_ERROR(stmt.BindText(11, v.artifact_key));
    RETURN_IF_ERROR(stmt.BindOptionalDouble(12, v.f1));
    return stmt.BindText(13, v.backbone_id);
  }

  static Result<ModelVersion> ReadVersion(const Statement& stmt) {
    ModelVersion v;
    v.name = stmt.ColumnText(0);
    v.status = stmt.ColumnText(1);
    v.status_message = stmt.ColumnText(2);
    v.created_ms = stmt.ColumnInt64(3);
    if (!stmt.ColumnIsNull(4)) v.finished_ms = stmt.ColumnInt64(4);
    const std::string what = fmt::format("labels of model version '{}'", v.name);
    Result<Json> labels = ParseJson(stmt.ColumnText(5), what);
    if (!labels.ok()) return DataLossError(labels.status().message());
    if (!labels->is_array()) return DataLossError(what + " are not a JSON array");
    for (const Json& label : *labels) {
      if (!label.is_string()) return DataLossError(what + " contain a non-string");
      v.labels.push_back(label.get<std::string>());
    }
    v.training_image_count = stmt.ColumnInt64(6);
    v.test_image_count = stmt.ColumnInt64(7);
    v.manifest_key = stmt.ColumnText(8);
    v.evaluation_key = stmt.ColumnText(9);
    v.artifact_key = stmt.ColumnText(10);
    if (!stmt.ColumnIsNull(11)) v.f1 = stmt.ColumnDouble(11);
    v.backbone_id = stmt.ColumnText(12);
    return v;
  }

  static Status BindEmbeddingKey(Statement& stmt, const EmbeddingKey& key) {
    RETURN_IF_ERROR(stmt.BindText(1, key.content_hash));
    RETURN_IF_ERROR(stmt.BindText(2, key.backbone_id));
    return stmt.BindText(3, key.preprocessing);
  }

  static Status VersionNotFound(const std::string& name) {
    return NotFoundError(fmt::format("model version '{}' does not exist", name));
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  const Clock* const clock_;
  Statement insert_version_, update_version_, get_version_, list_versions_;
  Statement put_evaluation_, get_evaluation_;
  Statement find_embedding_, put_embedding_, count_embeddings_;
};

}  // namespace

Result<std::unique_ptr<MetadataDb>> OpenSqliteMetadataDb(const std::string& path, const Clock* clock) {
  if (path.empty()) return InvalidArgumentError("metadata database path is empty");
  return SqliteMetadataDb::Open(path, clock);
}

}  // namespace labelloop::db
