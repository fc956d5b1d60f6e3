// Backup and restore of a whole data folder. A backup is itself a data folder (database,
// bucket, config.json) plus backup.json, written while `serve` keeps running: the database
// through SQLite's online backup API (one snapshot), the bucket's objects as of that
// snapshot (objects written later are left out), config.json as it is. A backup is built
// in a hidden sibling folder and renamed into place when complete, so DEST never holds a
// partial one; a restore is built the same way, so DIR never holds a partial restore.
// Progress goes to `progress` (stderr in the CLI). Thread-compatible.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "common/status.h"

namespace labelloop::app {

inline constexpr char kBackupManifestName[] = "backup.json";

struct BackupSummary {
  int64_t snapshot_ms = 0;      // the moment the copy is of (ms since the epoch)
  int64_t database_bytes = 0;
  int64_t objects = 0;
  int64_t object_bytes = 0;
  int64_t objects_left_out = 0;  // written after the snapshot, or deleted while copying
};

// Copies the data folder `data_dir` into `dest`, which must be missing or an empty folder.
// FailedPrecondition when `data_dir` is not a data folder or `dest` is not empty.
Result<BackupSummary> BackupDataFolder(const std::string& data_dir, const std::string& dest, std::ostream& progress);

// Restores the backup `source` into `data_dir`, which must be missing or an empty folder
// unless `force` (then its contents are replaced; stop `serve` on it first).
// FailedPrecondition when `source` is not a complete backup or `data_dir` is not empty;
// DataLoss when the backup is damaged (an object missing or with other bytes).
Result<BackupSummary> RestoreDataFolder(const std::string& source, const std::string& data_dir, bool force,
                                        std::ostream& progress);

}  // namespace labelloop::app
