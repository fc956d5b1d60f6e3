// ObjectStore: the bucket, with object-store verbs only (no rename, no append, because S3
// has none). Keys are validated by ValidateObjectKey (object_keys.h) before any I/O.
// Implementations are thread-safe; a Put is atomic (readers see the old or the new object).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::store {

struct ObjectInfo {
  std::string key;
  std::string etag;              // lower-case hex SHA-256 of the content
  int64_t size_bytes = 0;
  int64_t last_modified_ms = 0;  // ms since the Unix epoch

  bool operator==(const ObjectInfo&) const = default;
};

struct ListResult {
  std::vector<ObjectInfo> objects;     // sorted by key (byte order)
  std::string next_continuation_token; // empty when the listing is complete
};

// Largest page List returns; bigger max_keys are treated as this (as S3 does).
inline constexpr int kMaxListKeys = 1000;

// Every verb: InvalidArgument for a bad key, prefix or token (message names it);
// Unavailable for a transient I/O failure (retry); PermissionDenied when the storage
// refuses; InsufficientStorage when it is full or read-only (retry once there is room). No verb throws.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key`, replacing any object there.
  // OK with the new object's info; InvalidArgument for a bad key; Unavailable on I/O failure.
  // FailedPrecondition when the store cannot hold the key next to an existing one (a local
  // folder cannot hold both "a" and "a/b").
  virtual Result<ObjectInfo> Put(const std::string& key, const std::string& data) = 0;

  // Stores the contents of the local file `local_path` under `key`, as Put would, without
  // holding them in memory where the store can avoid it (the local store moves the file
  // into place when it is on the same file system). The file stays the caller's: remove it
  // afterwards if it is still there (the store may have moved it away). REQUIRES: nobody
  // writes the file during the call. OK with the new object's info; InvalidArgument for a
  // bad key; Unavailable when the file cannot be read; otherwise as Put.
  // The default reads the file and calls Put.
  virtual Result<ObjectInfo> PutFile(const std::string& key, const std::string& local_path);

  // The object's bytes. NotFound when absent; InvalidArgument for a bad key.
  virtual Result<std::string> Get(const std::string& key) = 0;

  // The object's info without its bytes. NotFound when absent.
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;

  // Up to `max_keys` objects whose key starts with `prefix`, in key order, starting after
  // the position encoded in `continuation_token` (empty: from the start). An empty prefix
  // lists everything. The token is opaque: pass back only a next_continuation_token
  // returned for the same prefix. InvalidArgument for a malformed token, a token from
  // another prefix, or max_keys < 1. An empty or missing folder lists nothing (OK).
  virtual Result<ListResult> List(const std::string& prefix, const std::string& continuation_token,
                                  int max_keys = kMaxListKeys) = 0;

  // Copies `source_key` to `destination_key` (server-side where possible); returns the
  // destination's info. NotFound (naming the source) when the source is absent.
  virtual Result<ObjectInfo> Copy(const std::string& source_key, const std::string& destination_key) = 0;

  // Removes the object. OK when it did not exist (as S3 does).
  virtual Status Delete(const std::string& key) = 0;
};

// Lists every object under `prefix`, following continuation tokens.
Result<std::vector<ObjectInfo>> ListAll(ObjectStore& store, const std::string& prefix);

// For implementations of List: checks the prefix, the token (a valid key under `prefix`,
// for stores whose token is the last key returned) and max_keys; returns the page size.
Result<int> CheckListArguments(const std::string& prefix, const std::string& continuation_token,
                               int max_keys);

struct LocalObjectStoreOptions {
  // fsync each new file and its folder before Put returns, and the folder after a Delete's
  // unlink, so an acknowledged Put or Delete survives power loss.
  // Turning it off keeps atomicity (readers still see whole objects) and is meant for
  // tests and scratch buckets.
  bool sync = true;
};

// Opens the bucket in local folder `root` (created if missing). Objects are plain files at
// root/<key>, so files copied in by hand are objects too (hidden names are ignored); the
// store keeps an etag cache in root/.meta/ and writes through hidden temp files.
// Unavailable / PermissionDenied when the folder cannot be created or used;
// FailedPrecondition when `root` exists and is not a folder.
Result<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(const std::string& root,
                                                          const LocalObjectStoreOptions& options = {});
// A bucket in memory, for tests. last_modified_ms comes from `clock` (must outlive the store).
std::unique_ptr<ObjectStore> NewMemoryObjectStore(const Clock* clock = SystemClock::Default());

}  // namespace labelloop::store
