// CopyObjects: copies a bucket's objects into another store, for backup and restore. Each
// copy is checked against the etag the listing gave, so an object replaced while it was
// being read is never copied half old, half new. Thread-compatible; the source may be
// written by others meanwhile (what changed is counted, not copied).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "store/object_store.h"

namespace labelloop::store {

struct CopyObjectsOptions {
  // Objects last modified after this moment (ms since the epoch) are left out: a backup
  // copies the bucket as of its database snapshot.
  int64_t modified_at_or_before_ms = std::numeric_limits<int64_t>::max();
  // Called with each object stored in the destination.
  std::function<void(const ObjectInfo& copied)> on_copied;
  // Called after each object with the counts so far.
  std::function<void(int64_t objects_done, int64_t objects_listed, int64_t bytes_done)> on_progress;
};

struct CopyObjectsStats {
  int64_t copied = 0;
  int64_t bytes = 0;
  int64_t skipped_newer = 0;    // modified after the cut-off (or replaced during the copy)
  int64_t vanished = 0;         // deleted between the listing and the read
};

// Copies every object of `from` to `to`, in key order. An object whose bytes no longer
// match the listed etag is looked at again: copied when it is still older than the
// cut-off, else counted as skipped. The first error of either store stops the copy.
Result<CopyObjectsStats> CopyObjects(ObjectStore& from, ObjectStore& to, const CopyObjectsOptions& options = {});

}  // namespace labelloop::store
