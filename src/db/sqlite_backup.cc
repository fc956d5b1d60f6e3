#include "db/sqlite_backup.h"

#include <sqlite3.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "db/sqlite_handle.h"

namespace labelloop::db {
namespace {

using sqlite::SqliteStatus;

// Pages per backup step: big enough to be quick, small enough for regular progress.
constexpr int kPagesPerStep = 1024;
constexpr int kBusyTimeoutMs = 5000;
constexpr int kMaxBusyRetries = 200;  // x 50 ms: the destination is ours, so this is rare

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close_v2(db); }
};

Status Open(const std::string& path, int flags, Db& out) {
  const int code = sqlite3_open_v2(path.c_str(), &out.db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) return SqliteStatus(code, out.db, fmt::format("opening database '{}'", path));
  sqlite3_extended_result_codes(out.db, 1);
  sqlite3_busy_timeout(out.db, kBusyTimeoutMs);
  return OkStatus();
}

Status Exec(Db& db, const std::string& sql, std::string_view what) {
  const int code = sqlite3_exec(db.db, sql.c_str(), nullptr, nullptr, nullptr);
  return code == SQLITE_OK ? OkStatus() : SqliteStatus(code, db.db, what);
}

// The first row's first column of `sql` as text ("" when there is no row).
Result<std::string> QueryText(Db& db, const std::string& sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  int code = sqlite3_prepare_v2(db.db, sql.c_str(), -1, &stmt, nullptr);
  if (code != SQLITE_OK) return SqliteStatus(code, db.db, what);
  std::string text;
  code = sqlite3_step(stmt);
  if (code == SQLITE_ROW) {
    const unsigned char* value = sqlite3_column_text(stmt, 0);
    text = value == nullptr ? "" : reinterpret_cast<const char*>(value);
  }
  sqlite3_finalize(stmt);
  if (code != SQLITE_ROW && code != SQLITE_DONE) return SqliteStatus(code, db.db, what);
  return text;
}

// Steps the backup to its end, reporting progress; retries while a lock is in the way.
Status RunBackup(sqlite3_backup* backup, Db& dest, const DatabaseCopyHooks& hooks, const std::string& context) {
  int busy = 0;
  while (true) {
    const int code = sqlite3_backup_step(backup, kPagesPerStep);
    if (hooks.on_progress) {
      const int64_t total = sqlite3_backup_pagecount(backup);
      hooks.on_progress(total - sqlite3_backup_remaining(backup), total);
    }
    if (code == SQLITE_DONE) return OkStatus();
    if (code == SQLITE_OK) continue;
    if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) && ++busy < kMaxBusyRetries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    return SqliteStatus(code, dest.db, context);
  }
}

Result<DatabaseCopyStats> Copy(const std::string& source_path, const std::string& dest_path,
                               const DatabaseCopyHooks& hooks) {
  const std::string context = fmt::format("copying database '{}' to '{}'", source_path, dest_path);
  Db source;
  RETURN_IF_ERROR(Open(source_path, SQLITE_OPEN_READWRITE, source));
  // BEGIN alone takes no snapshot; the first read does. Held until the copy is done.
  RETURN_IF_ERROR(Exec(source, "BEGIN", context));
  RETURN_IF_ERROR(QueryText(source, "SELECT count(*) FROM sqlite_master", context).status().WithContext(
      fmt::format("'{}' is not a readable SQLite database", source_path)));
  if (hooks.on_snapshot) hooks.on_snapshot();

  Db dest;
  RETURN_IF_ERROR(Open(dest_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, dest));
  sqlite3_backup* backup = sqlite3_backup_init(dest.db, "main", source.db, "main");
  if (backup == nullptr) return SqliteStatus(sqlite3_errcode(dest.db), dest.db, context);
  Status stepped = RunBackup(backup, dest, hooks, context);
  DatabaseCopyStats stats{sqlite3_backup_pagecount(backup), 0};
  const int finished = sqlite3_backup_finish(backup);
  RETURN_IF_ERROR(stepped);
  if (finished != SQLITE_OK) return SqliteStatus(finished, dest.db, context);
  RETURN_IF_ERROR(Exec(source, "COMMIT", context));

  ASSIGN_OR_RETURN(const std::string check, QueryText(dest, "PRAGMA quick_check", context));
  if (check != "ok") return DataLossError(fmt::format("{}: the copy fails its check: {}", context, check));
  ASSIGN_OR_RETURN(const std::string page_size, QueryText(dest, "PRAGMA page_size", context));
  stats.page_size_bytes = std::stoll(page_size);
  return stats;
}

}  // namespace

Result<DatabaseCopyStats> CopySqliteDatabase(const std::string& source_path, const std::string& dest_path,
                                             const DatabaseCopyHooks& hooks) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(source_path, ec)) {
    return NotFoundError(fmt::format("database '{}' does not exist", source_path));
  }
  if (std::filesystem::exists(dest_path, ec)) {
    return AlreadyExistsError(fmt::format("'{}' already exists: a database copy goes to a new file", dest_path));
  }
  Result<DatabaseCopyStats> stats = Copy(source_path, dest_path, hooks);
  if (!stats.ok()) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(dest_path + suffix, ec);
  }
  return stats;
}

}  // namespace labelloop::db
