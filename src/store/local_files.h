// POSIX file helpers for the local object store (internal to src/store). They return 0 or
// an errno value instead of throwing, so the store can choose the Status code and name the
// object. Thread-safe (no shared state besides the random source for temp names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace labelloop::store::local {

// Returned by ReadFile and StatPath callers' checks: the path is not a regular file.
inline constexpr int kNotRegularFile = -1;
// Prefix of temp files; hidden, so it can never be a valid object key (object_keys.h).
inline constexpr std::string_view kTempFilePrefix = ".tmp-";

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  // close(2) result: 0 or errno (a failed close can lose written data on NFS).
  int Close();

 private:
  int fd_ = -1;
};

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

// What the etag cache checks to know a file is unchanged: a hand edit changes ctime
// (which no user tool can set back) and a replacement changes the inode.
struct FileStat {
  FileType type = FileType::kOther;
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;

  bool operator==(const FileStat&) const = default;
};

struct DirEntry {
  std::string name;
  FileType type = FileType::kOther;
};

// lstat(2).
int StatPath(const std::string& path, FileStat* stat);
// Reads a whole regular file without following a final symlink and without blocking on
// FIFOs. kNotRegularFile for anything but a regular file. `stat` is the file's state after
// the read; the read is retried (a few times) when the file changed while being read.
int ReadFile(const std::string& path, std::string* data, FileStat* stat);
// Creates root/relative_dir and its missing parents ("a/b/" or "a/b"); with `durable`,
// fsyncs each parent whose entries changed. On failure `failed_path` names the step.
int MakeDirs(const std::string& root, std::string_view relative_dir, bool durable,
             std::string* failed_path);
// Publishes `data` as dir/name: writes dir/.tmp-<random>, (fsync), rename, (fsync dir).
// `stat` is the published file's state right after the rename. On failure the temp file
// is removed and `failed_step` says which step failed ("creating", "writing", ...).
int WriteFileAtomically(const std::string& dir, const std::string& name, std::string_view data,
                        bool durable, FileStat* stat, std::string* failed_step);
// fsync(2) of a directory, so a rename or unlink in it survives a crash.
int FsyncDir(const std::string& dir);
// The entries of a directory except "." and "..", unsorted.
int ReadDir(const std::string& dir, std::vector<DirEntry>* entries);
// --- Inside the bucket: never through a symbolic link -------------------------------------
// The bucket folder must stay inside itself: a link such as images_labeled_by_folder/x -> /
// must not let a key reach /etc/passwd. These open every path component below `root` with
// openat(O_NOFOLLOW), so a link anywhere below the root fails with ELOOP instead of being
// followed. `root` itself is the operator's choice and may be reached through links.

// Opens root/relative_dir ("a/b", "a/b/" or "" for the root) as a folder. With `create`,
// missing components are made (0755; with `durable`, each changed parent is fsynced).
// ELOOP when a component is a symbolic link, ENOTDIR when it is not a folder; on failure
// `failed_path` names the component.
int OpenDirBeneath(const std::string& root, std::string_view relative_dir, bool create, bool durable, UniqueFd* dir,
                   std::string* failed_path);
// fstatat without following a final link.
int StatAt(int dir_fd, const std::string& name, FileStat* stat);
// ReadFile for `name` in the open folder `dir_fd` (ELOOP for a link).
int ReadFileAt(int dir_fd, const std::string& name, std::string* data, FileStat* stat);
// WriteFileAtomically into the open folder `dir_fd` (temp file, fsync, renameat, fsync).
int WriteFileAtomicallyAt(int dir_fd, const std::string& name, std::string_view data, bool durable, FileStat* stat,
                          std::string* failed_step);
// ReadDir of the open folder `dir_fd` (which stays open and owned by the caller).
int ReadDirAt(int dir_fd, std::vector<DirEntry>* entries);

// ".tmp-" + 16 random hex digits.
std::string RandomTempName();

// Maps errno to a Status: ENOENT/ENOTDIR NotFound; EACCES/EPERM PermissionDenied;
// ENOSPC/EDQUOT/EROFS InsufficientStorage; ENAMETOOLONG InvalidArgument; otherwise
// Unavailable. The message is "<message>: <strerror>".
Status ErrnoToStatus(int err, std::string_view message);

}  // namespace labelloop::store::local
