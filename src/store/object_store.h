// ObjectStore: the bucket, with object-store verbs only (no rename, no append, because S3
// has none). Keys are validated by ValidateObjectKey (object_keys.h) before any I/O.
// Implementations are thread-safe; a Put is atomic (readers see the old or the new object).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace labelloop::store {

struct ObjectInfo {
  std::string key;
  std::string etag;              // lower-case hex SHA-256 of the content
  int64_t size_bytes = 0;
  int64_t last_modified_ms = 0;  // ms since the Unix epoch
};

struct ListResult {
  std::vector<ObjectInfo> objects;     // sorted by key (byte order)
  std::string next_continuation_token; // empty when the listing is complete
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key`, replacing any object there.
  // OK with the new object's info; InvalidArgument for a bad key; Unavailable on I/O failure.
  virtual Result<ObjectInfo> Put(const std::string& key, const std::string& data) = 0;

  // The object's bytes. NotFound when absent; InvalidArgument for a bad key.
  virtual Result<std::string> Get(const std::string& key) = 0;

  // The object's info without its bytes. NotFound when absent.
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;

  // Up to `max_keys` objects whose key starts with `prefix`, in key order, starting after
  // the position encoded in `continuation_token` (empty: from the start). An empty prefix
  // lists everything. InvalidArgument for a malformed token.
  virtual Result<ListResult> List(const std::string& prefix, const std::string& continuation_token,
                                  int max_keys = 1000) = 0;

  // Copies `source_key` to `destination_key` (server-side where possible).
  // NotFound when the source is absent.
  virtual Result<ObjectInfo> Copy(const std::string& source_key, const std::string& destination_key) = 0;

  // Removes the object. OK when it did not exist (as S3 does).
  virtual Status Delete(const std::string& key) = 0;
};

// Lists every object under `prefix`, following continuation tokens.
Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, const std::string& prefix);

// Opens the bucket in local folder `root` (created if missing).
Result<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(const std::string& root);
// A bucket in memory, for tests.
std::unique_ptr<ObjectStore> NewMemoryObjectStore();

}  // namespace labelloop::store
