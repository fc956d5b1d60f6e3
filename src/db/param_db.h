// ParamDb: the stored versions of the parameters (see src/params for names, types and
// validation; this layer stores strings and knows no parameter). Versions are append-only;
// every write gets the next per-name version and the next global change sequence number
// (seq), and changes become visible in seq order, so a reader that keeps the last seq it
// saw (ListChangesAfter) sees every change exactly once, also changes made by other
// processes. All methods are thread-safe and return errors as Status (never throw).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

// One stored version of one parameter.
struct ParamChange {
  int64_t seq = 0;          // global change sequence, > 0, increasing with every write
  std::string name;
  std::string value;
  int64_t version = 0;      // per name: 1, 2, 3, ...
  int64_t modified_ms = 0;  // ms since the Unix epoch
  std::string modified_by;  // "system", "cli:alice", "user:bob", ...

  bool operator==(const ParamChange&) const = default;
};

class ParamDb {
 public:
  virtual ~ParamDb() = default;

  // Stores `value` as the next version of `name` (1 when it has none) and returns the
  // stored change. InvalidArgument when name or modified_by is empty.
  virtual Result<ParamChange> AppendVersion(const std::string& name, const std::string& value, int64_t modified_ms,
                                            const std::string& modified_by) = 0;
  // Stores `value` as version 1 of `name` unless `name` has a version already (checked and
  // written in one transaction, so concurrent callers write it once). std::nullopt when
  // nothing was written. InvalidArgument as AppendVersion.
  virtual Result<std::optional<ParamChange>> AppendFirstVersion(const std::string& name, const std::string& value,
                                                                int64_t modified_ms,
                                                                const std::string& modified_by) = 0;

  // The newest version of `name`; std::nullopt when it was never written.
  virtual Result<std::optional<ParamChange>> FindLatest(const std::string& name) = 0;
  // The newest version of every parameter ever written, ordered by name.
  virtual Result<std::vector<ParamChange>> ListLatest() = 0;
  // Every version of `name`, newest first; empty when it was never written.
  virtual Result<std::vector<ParamChange>> ListVersions(const std::string& name) = 0;

  // Up to `limit` changes with seq > `after_seq`, in seq order (the oldest first). Start
  // with 0 for all changes, or with LastChangeSeq() for changes from now on.
  // InvalidArgument when limit < 1 or after_seq < 0.
  virtual Result<std::vector<ParamChange>> ListChangesAfter(int64_t after_seq, int limit) = 0;
  // The seq of the newest change; 0 when there is none.
  virtual Result<int64_t> LastChangeSeq() = 0;
};

// Opens (creating if needed) the SQLite database at `path` with its own connection,
// applying pending migrations; ":memory:" is a private in-memory database. One mutex
// serialises the calls on this handle; other handles and processes on the same file work
// alongside (WAL, 5 s busy timeout). `clock` stamps migrations and must outlive the db.
// Errors as OpenSqliteMetadataDb.
Result<std::unique_ptr<ParamDb>> OpenSqliteParamDb(const std::string& path,
                                                   const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
