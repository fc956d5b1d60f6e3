// A consistent copy of a live SQLite database file, through SQLite's online backup API
// (sqlite3* stays in this folder). The copy is one snapshot: a read transaction is held on
// the source from before the first page to after the last, so in WAL mode writers in other
// connections and processes go on and none of their later commits is copied. Used by the
// CLI's `backup` and `restore`. Thread-compatible (one call owns its connections).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace labelloop::db {

struct DatabaseCopyStats {
  int64_t pages = 0;
  int64_t page_size_bytes = 0;
};

struct DatabaseCopyHooks {
  // Called once the snapshot is fixed, before any page is copied: what the caller does
  // next (note the time, list the bucket) happens after the copy's moment.
  std::function<void()> on_snapshot;
  // Called after each chunk of pages.
  std::function<void(int64_t pages_done, int64_t pages_total)> on_progress;
};

// Copies the database at `source_path` into the new file `dest_path` and checks the copy
// (PRAGMA quick_check). NotFound when the source does not exist; AlreadyExists when the
// destination does; DataLoss when the source is not a database or the copy fails its
// check; Unavailable for I/O errors. A failed copy removes the destination.
Result<DatabaseCopyStats> CopySqliteDatabase(const std::string& source_path, const std::string& dest_path,
                                             const DatabaseCopyHooks& hooks = {});

}  // namespace labelloop::db
