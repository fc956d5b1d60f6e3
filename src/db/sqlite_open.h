// Opens a SQLite connection the way every labelloop adapter needs it (internal to src/db):
// busy_timeout 5 s, WAL, foreign keys, synchronous=FULL (durable commits), and every
// migration applied.
// Each area adapter (sqlite_<area>_db.cc) opens its own connection to the same file, so
// areas never serialise on one another's mutex; SQLite serialises the writers.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "db/sqlite_handle.h"

namespace labelloop::db::sqlite {

// DataLoss (naming the file) when it is not an SQLite database or is corrupt;
// FailedPrecondition when it was written by a newer labelloop.
Result<Connection> OpenMigratedConnection(const std::string& path, const Clock& clock);

}  // namespace labelloop::db::sqlite
