// MetadataDb: labelloop's metadata (model versions, evaluations, the embedding cache).
// Implementations: SQLite (WAL, numbered migrations) now; PostgreSQL later behind the
// same interface. All methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace labelloop::db {

// Model version statuses (same names as the seed's custom-labels service).
inline constexpr std::string_view kTrainingInProgress = "TRAINING_IN_PROGRESS";
inline constexpr std::string_view kTrainingCompleted = "TRAINING_COMPLETED";
inline constexpr std::string_view kTrainingFailed = "TRAINING_FAILED";
inline constexpr std::string_view kStarting = "STARTING";
inline constexpr std::string_view kRunning = "RUNNING";
inline constexpr std::string_view kStopping = "STOPPING";
inline constexpr std::string_view kStopped = "STOPPED";

struct ModelVersion {
  std::string name;                 // unique, e.g. "labelloop.2026-11-26T00.32.25"
  std::string status;               // one of the statuses above
  std::string status_message;
  int64_t created_ms = 0;
  std::optional<int64_t> finished_ms;  // training end (completed or failed)
  std::vector<std::string> labels;     // sorted
  int64_t training_image_count = 0;
  int64_t test_image_count = 0;
  std::string manifest_key;
  std::string evaluation_key;
  std::string artifact_key;
  std::optional<double> f1;             // macro F1 on the test split
  std::string backbone_id;
};

struct EmbeddingKey {
  std::string content_hash;   // SHA-256 hex of the source bytes (or of a synthetic recipe)
  std::string backbone_id;
  std::string preprocessing;  // e.g. "mnv2-b10@224,320,448;rgb;-1..1"
};

class MetadataDb {
 public:
  virtual ~MetadataDb() = default;

  // Inserts a new version. AlreadyExists when the name is taken.
  virtual Status CreateModelVersion(const ModelVersion& version) = 0;
  // Replaces every field of the version named version.name. NotFound when absent.
  virtual Status UpdateModelVersion(const ModelVersion& version) = 0;
  // NotFound when absent.
  virtual Result<ModelVersion> GetModelVersion(const std::string& name) = 0;
  // All versions, newest first.
  virtual Result<std::vector<ModelVersion>> ListModelVersions() = 0;

  // The evaluation JSON text of a version (replaces any earlier one).
  virtual Status PutEvaluation(const std::string& version, const std::string& evaluation_json) = 0;
  // NotFound when the version has no evaluation.
  virtual Result<std::string> GetEvaluation(const std::string& version) = 0;

  // Embedding cache: opaque bytes (a serialised feature map) per key.
  virtual Result<std::optional<std::string>> FindEmbedding(const EmbeddingKey& key) = 0;
  virtual Status PutEmbedding(const EmbeddingKey& key, const std::string& bytes) = 0;
  // Number of cached embeddings (for stats and tests).
  virtual Result<int64_t> CountEmbeddings() = 0;
};

// Opens (creating if needed) the SQLite database at `path` and applies pending migrations.
// ":memory:" gives a private in-memory database.
Result<std::unique_ptr<MetadataDb>> OpenSqliteMetadataDb(const std::string& path);

}  // namespace labelloop::db
