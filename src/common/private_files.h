// A data folder holds secrets (password hashes and sessions in the database, the SMTP
// password and webhook secrets in config.json), so only its owner may read it: the folder
// 0700, the database, its -wal/-shm companions and config.json 0600. Thread-safe (stateless).
#pragma once

#include <string>

#include "common/status.h"

namespace labelloop {

// Creates `dir` (and its parents) when missing and sets it to 0700 (also when it existed:
// folders made by older versions were 0755). Unavailable naming the path on failure.
Status MakePrivateDir(const std::string& dir);

// Creates `path` empty with mode 0600 when missing, so files opened after it (SQLite makes
// -wal and -shm with the main file's mode) are private from their first byte; sets an
// existing file to 0600. With `create` false a missing file is left missing (OK).
Status MakePrivateFile(const std::string& path, bool create = true);

// MakePrivateDir(data_dir), MakePrivateFile(database), and 0600 for <database>-wal,
// <database>-shm and data_dir/config.json when they exist.
Status SecureDataFolder(const std::string& data_dir, const std::string& database_path);

}  // namespace labelloop
