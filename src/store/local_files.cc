#include "store/local_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>

namespace labelloop::store::local {
namespace {

int RetryEintr(auto&& call) {
  int rc;
  do {
    rc = call();
  } while (rc < 0 && errno == EINTR);
  return rc;
}

FileStat FromStat(const struct stat& st) {
  FileStat out;
  if (S_ISREG(st.st_mode)) {
    out.type = FileType::kRegular;
  } else if (S_ISDIR(st.st_mode)) {
    out.type = FileType::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    out.type = FileType::kSymlink;
  }
  out.device = st.st_dev;
  out.inode = st.st_ino;
  out.size_bytes = st.st_size;
  out.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  out.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
  return out;
}

int FstatFd(int fd, FileStat* stat) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return errno;
  *stat = FromStat(st);
  return 0;
}

int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

int ReadAll(int fd, std::string* data) {
  data->clear();
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    data->append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() { Close(); }

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

int UniqueFd::Close() {
  if (fd_ < 0) return 0;
  // Never retry close on EINTR (Linux has already released the descriptor).
  const int rc = close(fd_);
  fd_ = -1;
  return rc == 0 ? 0 : errno;
}

int StatPath(const std::string& path, FileStat* stat) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return errno;
  *stat = FromStat(st);
  return 0;
}

int ReadFile(const std::string& path, std::string* data, FileStat* stat) {
  return ReadFileAt(AT_FDCWD, path, data, stat);
}

int ReadFileAt(int dir_fd, const std::string& name, std::string* data, FileStat* stat) {
  UniqueFd fd(RetryEintr([&] { return openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC); }));
  if (!fd.valid()) return errno;
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    FileStat before;
    if (int err = FstatFd(fd.get(), &before); err != 0) return err;
    if (before.type != FileType::kRegular) return kNotRegularFile;
    if (lseek(fd.get(), 0, SEEK_SET) < 0) return errno;
    if (int err = ReadAll(fd.get(), data); err != 0) return err;
    if (int err = FstatFd(fd.get(), stat); err != 0) return err;
    // Someone wrote into the file while we read it: read again so bytes and stat agree.
    if (*stat == before && static_cast<int64_t>(data->size()) == stat->size_bytes) return 0;
  }
  return EAGAIN;
}

int MakeDirs(const std::string& root, std::string_view relative_dir, bool durable,
             std::string* failed_path) {
  std::string path = root;
  size_t start = 0;
  while (start < relative_dir.size()) {
    size_t end = relative_dir.find('/', start);
    if (end == std::string_view::npos) end = relative_dir.size();
    const std::string parent = path;
    path += '/';
    path.append(relative_dir.substr(start, end - start));
    start = end + 1;
    if (mkdir(path.c_str(), 0755) == 0) {
      if (durable) {
        if (int err = FsyncDir(parent.empty() ? "/" : parent); err != 0) {
          *failed_path = parent;
          return err;
        }
      }
      continue;
    }
    const int err = errno;
    if (err == EEXIST) {
      struct stat st {};
      // Follow symlinks here on purpose: a hand-made folder link stays usable.
      if (stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) continue;
        *failed_path = path;
        return ENOTDIR;
      }
      // Gone between mkdir and stat: a concurrent Delete pruned the empty folder. ENOENT
      // makes the caller create the path again.
      *failed_path = path;
      return errno;
    }
    *failed_path = path;
    return err;
  }
  return 0;
}

int WriteFileAtomically(const std::string& dir, const std::string& name, std::string_view data,
                        bool durable, FileStat* stat, std::string* failed_step) {
  UniqueFd dir_fd(RetryEintr([&] { return open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!dir_fd.valid()) {
    *failed_step = "opening the folder";
    return errno;
  }
  return WriteFileAtomicallyAt(dir_fd.get(), name, data, durable, stat, failed_step);
}

int WriteFileAtomicallyAt(int dir_fd, const std::string& name, std::string_view data, bool durable, FileStat* stat,
                          std::string* failed_step) {
  std::string temp_path;
  UniqueFd fd;
  for (int attempt = 0; attempt < 10 && !fd.valid(); ++attempt) {
    temp_path = RandomTempName();
    fd = UniqueFd(RetryEintr(
        [&] { return openat(dir_fd, temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644); }));
    if (!fd.valid() && errno != EEXIST) {
      *failed_step = "creating a temp file";
      return errno;
    }
  }
  if (!fd.valid()) {
    *failed_step = "creating a temp file";
    return EEXIST;
  }
  const auto fail = [&](int err, const char* step) {
    *failed_step = step;
    fd.Close();
    unlinkat(dir_fd, temp_path.c_str(), 0);
    return err;
  };
  if (int err = WriteAll(fd.get(), data); err != 0) return fail(err, "writing");
  if (durable && fsync(fd.get()) != 0) return fail(errno, "syncing");
  if (renameat(dir_fd, temp_path.c_str(), dir_fd, name.c_str()) != 0) return fail(errno, "renaming into place");
  // fstat through the descriptor: this is our inode even if another writer has already
  // replaced the path again.
  if (int err = FstatFd(fd.get(), stat); err != 0) {
    *failed_step = "reading the new file's status";
    return err;
  }
  if (int err = fd.Close(); err != 0) {
    *failed_step = "closing";
    return err;
  }
  if (durable && fsync(dir_fd) != 0) {
    *failed_step = "syncing the folder";
    return errno;
  }
  return 0;
}

int FsyncDir(const std::string& dir) {
  UniqueFd fd(RetryEintr([&] { return open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!fd.valid()) return errno;
  if (fsync(fd.get()) != 0) return errno;
  return fd.Close();
}

int ReadDir(const std::string& dir, std::vector<DirEntry>* entries) {
  UniqueFd fd(RetryEintr([&] { return open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!fd.valid()) return errno;
  return ReadDirAt(fd.get(), entries);
}

int ReadDirAt(int dir_fd, std::vector<DirEntry>* entries) {
  entries->clear();
  // fdopendir takes ownership of its descriptor: give it a duplicate.
  const int own = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return errno;
  DIR* d = fdopendir(own);
  if (d == nullptr) {
    const int err = errno;
    close(own);
    return err;
  }
  rewinddir(d);
  int err = 0;
  while (true) {
    errno = 0;
    const dirent* entry = readdir(d);
    if (entry == nullptr) {
      err = errno;
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    DirEntry out{std::string(name), FileType::kOther};
    switch (entry->d_type) {
      case DT_REG: out.type = FileType::kRegular; break;
      case DT_DIR: out.type = FileType::kDirectory; break;
      case DT_LNK: out.type = FileType::kSymlink; break;
      case DT_UNKNOWN: {  // Some filesystems do not fill d_type.
        struct stat st {};
        if (fstatat(dirfd(d), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) out.type = FromStat(st).type;
        break;
      }
      default: break;
    }
    entries->push_back(std::move(out));
  }
  closedir(d);
  return err;
}

int StatAt(int dir_fd, const std::string& name, FileStat* stat) {
  struct stat st {};
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
  *stat = FromStat(st);
  return 0;
}

int OpenDirBeneath(const std::string& root, std::string_view relative_dir, bool create, bool durable, UniqueFd* dir,
                   std::string* failed_path) {
  UniqueFd current(RetryEintr([&] { return open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
  if (!current.valid()) {
    *failed_path = root;
    return errno;
  }
  std::string path = root;
  size_t start = 0;
  while (start < relative_dir.size()) {
    size_t end = relative_dir.find('/', start);
    if (end == std::string_view::npos) end = relative_dir.size();
    const std::string name(relative_dir.substr(start, end - start));
    start = end + 1;
    if (name.empty()) continue;
    path += '/' + name;
    const auto open_child = [&] {
      return RetryEintr(
          [&] { return openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); });
    };
    int child = open_child();
    if (child < 0 && errno == ENOENT && create) {
      if (mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        *failed_path = path;
        return errno;
      }
      if (durable && fsync(current.get()) != 0) {
        *failed_path = path;
        return errno;
      }
      child = open_child();
    }
    if (child < 0) {
      int err = errno;
      // O_DIRECTORY|O_NOFOLLOW on a link may say ENOTDIR: tell a link from a file.
      FileStat st;
      if (err == ENOTDIR && StatAt(current.get(), name, &st) == 0 && st.type == FileType::kSymlink) err = ELOOP;
      *failed_path = path;
      return err;
    }
    current = UniqueFd(child);
  }
  *dir = std::move(current);
  return 0;
}

std::string RandomTempName() {
  static std::mutex mu;
  static std::mt19937_64 engine{std::random_device{}()};
  uint64_t value;
  {
    std::lock_guard lock(mu);
    value = engine();
  }
  return fmt::format("{}{:016x}", kTempFilePrefix, value);
}

Status ErrnoToStatus(int err, std::string_view message) {
  const std::string text =
      fmt::format("{}: {}", message, err == kNotRegularFile ? "not a regular file" : std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case kNotRegularFile:
      return NotFoundError(text);
    case EACCES:
    case EPERM:
      return PermissionDeniedError(text);
    case ENOSPC:
    case EDQUOT:
    case EROFS:
      return InsufficientStorageError(text);
    case ENAMETOOLONG:
      return InvalidArgumentError(text);
    default:
      return UnavailableError(text);
  }
}

}  // namespace labelloop::store::local
