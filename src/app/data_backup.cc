#include "app/data_backup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>

#include "common/clock.h"
#include "common/file_util.h"
#include "common/json_util.h"
#include "db/sqlite_backup.h"
#include "store/copy_objects.h"
#include "store/object_keys.h"
#include "store/object_store.h"

namespace labelloop::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kDatabaseName[] = "labelloop.db";
constexpr char kBucketName[] = "bucket";
constexpr char kConfigName[] = "config.json";
constexpr char kLogsName[] = "logs";
constexpr char kSigningKeyName[] = "signing.key";  // seals API tokens for AWS SigV4 (auth/secret_box.h)
constexpr int kManifestFormat = 1;

Status FsError(std::string_view what, const fs::path& path, int err) {
  return UnavailableError(fmt::format("{} '{}': {}", what, path.string(), std::strerror(err)));
}

// true when `path` does not exist or is an empty folder.
Result<bool> IsMissingOrEmpty(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return !ec ? Result<bool>(true) : FsError("reading", path, ec.value());
  if (!fs::is_directory(path, ec)) return false;
  const bool empty = fs::is_empty(path, ec);
  if (ec) return FsError("reading", path, ec.value());
  return empty;
}

Status FsyncPath(const fs::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FsError("opening", path, errno);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? OkStatus() : FsError("syncing", path, err);
}

// `mode` 0600 for secrets (config.json, the signing key): private from their first byte.
Status WriteFileDurably(const fs::path& path, std::string_view bytes, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return FsError("creating", path, errno);
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return FsError("writing", path, err);
    }
    bytes.remove_prefix(size_t(n));
  }
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? OkStatus() : FsError("syncing", path, err);
}

// A new hidden folder beside `target` (same filesystem, so it can be renamed onto it).
Result<fs::path> MakeSiblingDir(const fs::path& target, std::string_view tag) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return FsError("creating", target.parent_path(), ec.value());
  std::string templ = (target.parent_path() / fmt::format(".{}.{}-XXXXXX", target.filename().string(), tag)).string();
  if (mkdtemp(templ.data()) == nullptr) return FsError("creating a folder beside", target, errno);
  return fs::path(templ);
}

// Deletes a staging folder when the work in it fails.
class StagingDir {
 public:
  explicit StagingDir(fs::path path) : path_(std::move(path)) {}
  ~StagingDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Keep() { path_.clear(); }

 private:
  fs::path path_;
};

// Prints a progress line at most twice a second, and the last one always.
class ProgressLine {
 public:
  ProgressLine(std::ostream& out, std::string what) : out_(out), what_(std::move(what)) {}
  void Update(int64_t done, int64_t total, const std::string& unit, const std::string& extra = "") {
    const auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    out_ << fmt::format("{}: {}/{} {}{}\n", what_, done, total, unit, extra) << std::flush;
  }

 private:
  std::ostream& out_;
  std::string what_;
  std::chrono::steady_clock::time_point last_{};
};

std::string Megabytes(int64_t bytes) { return fmt::format(" ({:.1f} MB)", double(bytes) / 1e6); }

Result<db::DatabaseCopyStats> CopyDatabase(const fs::path& from_dir, const fs::path& to_dir, std::ostream& progress,
                                           int64_t* snapshot_ms) {
  ProgressLine line(progress, "database");
  db::DatabaseCopyHooks hooks;
  hooks.on_snapshot = [&] {
    if (snapshot_ms != nullptr) *snapshot_ms = SystemClock::Default()->NowMs();
  };
  hooks.on_progress = [&](int64_t done, int64_t total) { line.Update(done, total, "pages"); };
  return db::CopySqliteDatabase((from_dir / kDatabaseName).string(), (to_dir / kDatabaseName).string(), hooks);
}

// Copies the bucket; `copied` receives key -> etag of every object stored.
Result<store::CopyObjectsStats> CopyBucket(const fs::path& from_dir, const fs::path& to_dir, int64_t cutoff_ms,
                                           std::ostream& progress, std::map<std::string, std::string>& copied) {
  ASSIGN_OR_RETURN(std::unique_ptr<store::ObjectStore> from,
                   store::OpenLocalObjectStore((from_dir / kBucketName).string()));
  ASSIGN_OR_RETURN(std::unique_ptr<store::ObjectStore> to, store::OpenLocalObjectStore((to_dir / kBucketName).string()));
  std::error_code ec;
  for (std::string_view prefix : store::TopLevelPrefixes()) {
    fs::create_directories(to_dir / kBucketName / prefix, ec);
    if (ec) return FsError("creating", to_dir / kBucketName / prefix, ec.value());
  }
  ProgressLine line(progress, "bucket");
  store::CopyObjectsOptions options;
  options.modified_at_or_before_ms = cutoff_ms;
  options.on_copied = [&](const store::ObjectInfo& info) { copied[info.key] = info.etag; };
  options.on_progress = [&](int64_t done, int64_t total, int64_t bytes) {
    line.Update(done, total, "objects", Megabytes(bytes));
  };
  return store::CopyObjects(*from, *to, options);
}

// config.json, if the folder has one, the signing key (without it the tokens in the
// database could no longer sign AWS requests), and an empty logs/ folder.
Result<bool> CopyConfigAndLogs(const fs::path& from_dir, const fs::path& to_dir) {
  std::error_code ec;
  fs::create_directories(to_dir / kLogsName, ec);
  if (ec) return FsError("creating", to_dir / kLogsName, ec.value());
  if (fs::exists(from_dir / kSigningKeyName, ec)) {
    ASSIGN_OR_RETURN(std::string key, ReadFileBytes((from_dir / kSigningKeyName).string()));
    RETURN_IF_ERROR(WriteFileDurably(to_dir / kSigningKeyName, key, 0600));
  }
  if (!fs::exists(from_dir / kConfigName, ec)) return false;
  ASSIGN_OR_RETURN(std::string config, ReadFileBytes((from_dir / kConfigName).string()));
  RETURN_IF_ERROR(WriteFileDurably(to_dir / kConfigName, config, 0600));
  return true;
}

// Renames `staging` onto `target` (missing or empty; with `replace`, anything: the old
// contents are moved aside, then deleted) and syncs the parent folder.
Status Publish(const fs::path& staging, const fs::path& target, bool replace, std::ostream& progress) {
  RETURN_IF_ERROR(FsyncPath(staging));
  std::error_code ec;
  fs::path old;
  ASSIGN_OR_RETURN(const bool empty, IsMissingOrEmpty(target));
  if (!empty && replace) {
    ASSIGN_OR_RETURN(old, MakeSiblingDir(target, "replaced"));
    if (rename(target.c_str(), old.c_str()) != 0) return FsError("moving aside", target, errno);
  }
  if (rename(staging.c_str(), target.c_str()) != 0) return FsError("renaming into place", target, errno);
  RETURN_IF_ERROR(FsyncPath(target.parent_path()));
  if (!old.empty()) {
    fs::remove_all(old, ec);
    progress << fmt::format("replaced the previous contents of {}\n", target.string());
  }
  return OkStatus();
}

Status CheckTarget(const fs::path& target, bool force, std::string_view what) {
  ASSIGN_OR_RETURN(const bool empty, IsMissingOrEmpty(target));
  if (empty || force) return OkStatus();
  return FailedPreconditionError(fmt::format("'{}' is not empty: {} goes into a missing or empty folder{}",
                                             target.string(), what, force ? "" : " (--force replaces it)"));
}

fs::path Absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "dir/" -> "dir"
  return p;
}

}  // namespace

Result<BackupSummary> BackupDataFolder(const std::string& data_dir, const std::string& dest, std::ostream& progress) {
  const fs::path from = Absolute(data_dir), to = Absolute(dest);
  std::error_code ec;
  if (!fs::is_regular_file(from / kDatabaseName, ec)) {
    return FailedPreconditionError(fmt::format("'{}' is not a labelloop data folder (no {})", data_dir, kDatabaseName));
  }
  if (to == from || (to.string() + "/").starts_with(from.string() + "/")) {
    return InvalidArgumentError(fmt::format("the backup '{}' cannot go inside the data folder '{}'", dest, data_dir));
  }
  RETURN_IF_ERROR(CheckTarget(to, /*force=*/false, "a backup"));
  ASSIGN_OR_RETURN(fs::path staging_path, MakeSiblingDir(to, "partial"));
  StagingDir staging(staging_path);

  BackupSummary summary;
  ASSIGN_OR_RETURN(const db::DatabaseCopyStats db_stats, CopyDatabase(from, staging.path(), progress, &summary.snapshot_ms));
  summary.database_bytes = db_stats.pages * db_stats.page_size_bytes;
  std::map<std::string, std::string> copied;
  ASSIGN_OR_RETURN(const store::CopyObjectsStats objects,
                   CopyBucket(from, staging.path(), summary.snapshot_ms, progress, copied));
  summary.objects = objects.copied;
  summary.object_bytes = objects.bytes;
  summary.objects_left_out = objects.skipped_newer + objects.vanished;
  ASSIGN_OR_RETURN(const bool has_config, CopyConfigAndLogs(from, staging.path()));

  json manifest = {{"format", kManifestFormat},
                   {"source", from.string()},
                   {"snapshot", FormatIso8601Utc(summary.snapshot_ms)},
                   {"snapshot_ms", summary.snapshot_ms},
                   {"database_bytes", summary.database_bytes},
                   {"config", has_config},
                   {"object_count", summary.objects},
                   {"object_bytes", summary.object_bytes},
                   {"objects_left_out", summary.objects_left_out},
                   {"objects", copied}};
  RETURN_IF_ERROR(WriteFileDurably(staging.path() / kBackupManifestName, manifest.dump(1), 0644));
  RETURN_IF_ERROR(Publish(staging.path(), to, /*replace=*/false, progress));
  staging.Keep();
  return summary;
}

Result<BackupSummary> RestoreDataFolder(const std::string& source, const std::string& data_dir, bool force,
                                        std::ostream& progress) {
  const fs::path from = Absolute(source), to = Absolute(data_dir);
  std::error_code ec;
  if (!fs::is_regular_file(from / kBackupManifestName, ec) || !fs::is_regular_file(from / kDatabaseName, ec)) {
    return FailedPreconditionError(fmt::format(
        "'{}' is not a labelloop backup (no {} and {}: made by `labelloop backup`?)", source, kBackupManifestName,
        kDatabaseName));
  }
  ASSIGN_OR_RETURN(std::string manifest_text, ReadFileBytes((from / kBackupManifestName).string()));
  json manifest = json::parse(manifest_text, nullptr, false);
  if (!manifest.is_object() || manifest.value("format", 0) != kManifestFormat || !manifest["objects"].is_object()) {
    return DataLossError(fmt::format("'{}' is not a backup manifest this labelloop reads", (from / kBackupManifestName).string()));
  }
  if (to == from) return InvalidArgumentError("a backup cannot be restored onto itself");
  RETURN_IF_ERROR(CheckTarget(to, force, "a restore"));
  ASSIGN_OR_RETURN(fs::path staging_path, MakeSiblingDir(to, "restoring"));
  StagingDir staging(staging_path);

  BackupSummary summary;
  summary.snapshot_ms = manifest.value("snapshot_ms", int64_t{0});
  ASSIGN_OR_RETURN(const db::DatabaseCopyStats db_stats, CopyDatabase(from, staging.path(), progress, nullptr));
  summary.database_bytes = db_stats.pages * db_stats.page_size_bytes;
  std::map<std::string, std::string> copied;
  ASSIGN_OR_RETURN(const store::CopyObjectsStats objects,
                   CopyBucket(from, staging.path(), std::numeric_limits<int64_t>::max(), progress, copied));
  const std::map<std::string, std::string> expected = manifest["objects"].get<std::map<std::string, std::string>>();
  if (copied != expected) {
    std::string first;
    for (const auto& [key, etag] : expected) {
      auto it = copied.find(key);
      if (it == copied.end() || it->second != etag) {
        first = fmt::format("{} {}", store::QuoteKey(key), it == copied.end() ? "is missing" : "has other bytes");
        break;
      }
    }
    if (first.empty()) first = "it holds objects its manifest does not list";
    return DataLossError(fmt::format("backup '{}' is damaged: {} objects listed, {} found; {}", source,
                                     expected.size(), copied.size(), first));
  }
  summary.objects = objects.copied;
  summary.object_bytes = objects.bytes;
  RETURN_IF_ERROR(CopyConfigAndLogs(from, staging.path()).status());
  RETURN_IF_ERROR(Publish(staging.path(), to, force, progress));
  staging.Keep();
  return summary;
}

}  // namespace labelloop::app
