// MetadataDb: labelloop's metadata (model versions, evaluations, the embedding cache).
// Implementations: SQLite (WAL, numbered migrations) now; PostgreSQL later behind the
// same interface, held to the same contract (metadata_db_contract_test.cc). All methods
// are thread-safe and return errors as Status (never throw): Unavailable when the database
// is busy or an I/O error may pass, DataLoss when the database file is corrupt.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
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
  std::vector<std::string> labels;     // sorted, no duplicates
  int64_t training_image_count = 0;
  int64_t test_image_count = 0;
  std::string manifest_key;
  std::string evaluation_key;
  std::string artifact_key;
  std::optional<double> f1;             // macro F1 on the test split, 0..1
  std::string backbone_id;

  bool operator==(const ModelVersion&) const = default;
};

struct EmbeddingKey {
  std::string content_hash;   // SHA-256 hex of the source bytes (or of a synthetic recipe)
  std::string backbone_id;
  std::string preprocessing;  // e.g. "mnv2-b10@224,320,448;rgb;-1..1"
};

// True for the seven statuses above.
bool IsKnownModelVersionStatus(std::string_view status);
// InvalidArgument (naming the version and the field) unless: name non-empty and at most
// 256 bytes, known status, labels sorted and unique, counts and times non-negative, f1 a
// number in [0, 1]. Every implementation checks this before writing.
Status ValidateModelVersion(const ModelVersion& version);

class MetadataDb {
 public:
  virtual ~MetadataDb() = default;

  // Inserts a new version. AlreadyExists when the name is taken; InvalidArgument when
  // ValidateModelVersion fails.
  virtual Status CreateModelVersion(const ModelVersion& version) = 0;
  // Replaces every field of the version named version.name. NotFound when absent;
  // InvalidArgument when ValidateModelVersion fails.
  virtual Status UpdateModelVersion(const ModelVersion& version) = 0;
  // NotFound when absent.
  virtual Result<ModelVersion> GetModelVersion(const std::string& name) = 0;
  // All versions, newest first (by created_ms, then by name).
  virtual Result<std::vector<ModelVersion>> ListModelVersions() = 0;

  // The evaluation JSON text of a version (replaces any earlier one). NotFound when the
  // version does not exist; InvalidArgument when the text is not JSON.
  virtual Status PutEvaluation(const std::string& version, const std::string& evaluation_json) = 0;
  // NotFound when the version has no evaluation.
  virtual Result<std::string> GetEvaluation(const std::string& version) = 0;

  // Embedding cache: opaque bytes (a serialised feature map) per key. std::nullopt when
  // the key is not cached. InvalidArgument when a key part is empty.
  virtual Result<std::optional<std::string>> FindEmbedding(const EmbeddingKey& key) = 0;
  // Stores (or replaces) the bytes of a key.
  virtual Status PutEmbedding(const EmbeddingKey& key, const std::string& bytes) = 0;
  // Number of cached embeddings (for stats and tests).
  virtual Result<int64_t> CountEmbeddings() = 0;
};

// Opens (creating if needed) the SQLite database at `path` and applies pending migrations.
// ":memory:" gives a private in-memory database. Thread safety: one connection guarded by
// one mutex (calls are serialised); WAL mode and a 5 s busy_timeout let other processes
// and other handles on the same file read and write alongside. synchronous=NORMAL: a
// process crash loses no commit; a power loss may lose the last ones, never corrupts. `clock` stamps migrations and cache
// entries and must outlive the database. DataLoss when the file is not an SQLite database
// or is corrupt; FailedPrecondition when it cannot be opened or was written by a newer
// labelloop (unknown migrations).
Result<std::unique_ptr<MetadataDb>> OpenSqliteMetadataDb(const std::string& path,
                                                         const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
