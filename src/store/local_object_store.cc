// The bucket in a local folder: object bytes are plain files at root/<key>, published
// atomically (hidden temp file, fsync, rename, fsync folder; the fsyncs unless
// options.sync is off). Delete fsyncs the folder after the unlink (same option), so an
// acknowledged delete survives power loss too; only emptied folders it prunes may come
// back, which is harmless (a folder is not an object). Etags are cached in
// root/.meta (local_etag_cache.h) and re-computed whenever a file's state changed, so
// files copied in or edited by hand are objects with correct etags. Hidden names (".x")
// are never objects. No symbolic link below the root is ever followed (local_files.h:
// OpenDirBeneath): a key that passes through one does not exist for reads and cannot be
// written, so a link in the folder never exposes or changes files outside it. A file that
// cannot be read is left out of listings and reported once. No lock: every step is an
// atomic filesystem operation, and Put retries when a concurrent Delete prunes the folder
// it is writing into.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "common/content_hash.h"
#include "store/local_etag_cache.h"
#include "store/local_files.h"
#include "store/object_keys.h"
#include "store/object_store.h"

namespace labelloop::store {
namespace {

using local::DirEntry;
using local::ErrnoToStatus;
using local::FileStat;
using local::FileType;

constexpr std::string_view kMetaDirName = ".meta";

int64_t NsToMs(int64_t ns) { return ns / 1'000'000; }

std::string_view ParentOf(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : key.substr(0, slash);
}

bool IsTopLevelPrefixDir(std::string_view relative_dir) {
  return std::any_of(TopLevelPrefixes().begin(), TopLevelPrefixes().end(), [&](std::string_view p) {
    return p.substr(0, p.size() - 1) == relative_dir;
  });
}

class LocalObjectStore final : public ObjectStore {
 public:
  LocalObjectStore(std::string root, const LocalObjectStoreOptions& options)
      : root_(std::move(root)), options_(options), etags_(root_, std::string(kMetaDirName)) {}

  Result<ObjectInfo> Put(const std::string& key, const std::string& data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string_view parent = ParentOf(key);
    const std::string dir = parent.empty() ? root_ : root_ + "/" + std::string(parent);
    FileStat stat;
    std::string failed;
    int err = 0;
    // A concurrent Delete may prune the (empty) folder between creating it and the temp file.
    for (int attempt = 0; attempt < 10; ++attempt) {
      local::UniqueFd dir_fd;
      err = local::OpenDirBeneath(root_, parent, /*create=*/true, options_.sync, &dir_fd, &failed);
      if (err == ELOOP) {
        return FailedPreconditionError(fmt::format(
            "cannot store object {}: '{}' is a symbolic link, which a local bucket never follows", QuoteKey(key),
            failed));
      }
      if (err == ENOTDIR) {
        return FailedPreconditionError(fmt::format(
            "cannot store object {}: '{}' is a file, and a local bucket cannot hold an object "
            "and a folder of the same name",
            QuoteKey(key), failed));
      }
      if (err == ENOENT) continue;  // a parent was pruned while we created its child
      if (err != 0) {
        return ErrnoToStatus(err, fmt::format("storing object {}: creating folder '{}'", QuoteKey(key), failed));
      }
      err = local::WriteFileAtomicallyAt(dir_fd.get(), std::string(BaseName(key)), data, options_.sync, &stat, &failed);
      if (err != ENOENT) break;
    }
    if (err == ENOENT) {
      return UnavailableError(fmt::format(
          "storing object {}: its folder '{}' kept being removed by concurrent deletes", QuoteKey(key), dir));
    }
    if (err == EISDIR) {  // rename(2) of a file onto a folder
      return FailedPreconditionError(fmt::format(
          "cannot store object {}: '{}' is a folder of other objects", QuoteKey(key), PathOf(key)));
    }
    if (err != 0) {
      return ErrnoToStatus(err, fmt::format("storing object {}: {} in '{}'", QuoteKey(key), failed, dir));
    }
    const std::string etag = Sha256Hex(data);
    CacheEtag(key, stat, etag);
    return ObjectInfo{key, etag, stat.size_bytes, NsToMs(stat.mtime_ns)};
  }

  // Reads the file once (hashing it; fsync with options.sync) and renames it into place,
  // so an upload of any size costs no memory. Another file system: as Put.
  Result<ObjectInfo> PutFile(const std::string& key, const std::string& local_path) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    ASSIGN_OR_RETURN(const std::string etag, PrepareLocalFile(key, local_path));
    const std::string_view parent = ParentOf(key);
    const std::string name(BaseName(key));
    local::UniqueFd dir_fd;
    std::string failed;
    int err = 0;
    for (int attempt = 0; attempt < 10; ++attempt) {  // a concurrent Delete may prune the folder
      dir_fd = local::UniqueFd();
      err = local::OpenDirBeneath(root_, parent, /*create=*/true, options_.sync, &dir_fd, &failed);
      if (err == ELOOP) {
        return FailedPreconditionError(fmt::format(
            "cannot store object {}: '{}' is a symbolic link, which a local bucket never follows", QuoteKey(key),
            failed));
      }
      if (err == ENOTDIR) {
        return FailedPreconditionError(fmt::format(
            "cannot store object {}: '{}' is a file, and a local bucket cannot hold an object "
            "and a folder of the same name",
            QuoteKey(key), failed));
      }
      if (err == ENOENT) continue;
      if (err != 0) {
        return ErrnoToStatus(err, fmt::format("storing object {}: creating folder '{}'", QuoteKey(key), failed));
      }
      // renameat into the folder opened without following links: the name itself is
      // replaced (a link at the name is replaced, never followed).
      err = renameat(AT_FDCWD, local_path.c_str(), dir_fd.get(), name.c_str()) == 0 ? 0 : errno;
      if (err != ENOENT) break;
    }
    if (err == EXDEV) return ObjectStore::PutFile(key, local_path);
    if (err == EISDIR) {
      return FailedPreconditionError(fmt::format(
          "cannot store object {}: '{}' is a folder of other objects", QuoteKey(key), PathOf(key)));
    }
    if (err != 0) return ErrnoToStatus(err, fmt::format("storing object {}: moving '{}' into place", QuoteKey(key),
                                                        local_path));
    if (options_.sync && fsync(dir_fd.get()) != 0) {
      return ErrnoToStatus(errno, fmt::format("storing object {}: syncing its folder", QuoteKey(key)));
    }
    FileStat stat;
    if (int stated = local::StatAt(dir_fd.get(), name, &stat); stated != 0) return ReadError(stated, key);
    CacheEtag(key, stat, etag);
    return ObjectInfo{key, etag, stat.size_bytes, NsToMs(stat.mtime_ns)};
  }

  Result<std::string> Get(const std::string& key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string data;
    FileStat stat;
    if (int err = ReadObjectFile(key, &data, &stat); err != 0) return ReadError(err, key);
    return data;
  }

  Result<ObjectInfo> Head(const std::string& key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    return InfoOf(key);
  }

  Result<ListResult> List(const std::string& prefix, const std::string& continuation_token,
                          int max_keys) override {
    ASSIGN_OR_RETURN(const int page_size, CheckListArguments(prefix, continuation_token, max_keys));
    // Start in the deepest folder the prefix names fully; filter its entries by the rest.
    const size_t slash = prefix.rfind('/');
    const std::string start_dir = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
    const std::string name_filter = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
    ListWalk walk{continuation_token, static_cast<size_t>(page_size), {}, false};
    RETURN_IF_ERROR(Walk(start_dir, name_filter, walk).WithContext(
        fmt::format("listing prefix {}", QuoteKey(prefix))));
    ListResult result;
    result.objects = std::move(walk.objects);
    if (walk.truncated) result.next_continuation_token = result.objects.back().key;
    return result;
  }

  Result<ObjectInfo> Copy(const std::string& source_key, const std::string& destination_key) override {
    RETURN_IF_ERROR(ValidateObjectKey(source_key));
    RETURN_IF_ERROR(ValidateObjectKey(destination_key));
    const std::string context = fmt::format("copying {} to {}", QuoteKey(source_key), QuoteKey(destination_key));
    std::string data;
    FileStat stat;
    if (int err = ReadObjectFile(source_key, &data, &stat); err != 0) {
      return ReadError(err, source_key).WithContext(context);
    }
    Result<ObjectInfo> info = Put(destination_key, data);
    if (!info.ok()) return info.status().WithContext(context);
    return info;
  }

  Status Delete(const std::string& key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    const std::string path = PathOf(key);
    local::UniqueFd dir_fd;
    std::string failed;
    const int opened = local::OpenDirBeneath(root_, ParentOf(key), false, false, &dir_fd, &failed);
    // ENOENT/ENOTDIR: nothing there; ELOOP: behind a link, so not an object of this bucket.
    if (opened != 0 && opened != ENOENT && opened != ENOTDIR && opened != ELOOP) {
      return ErrnoToStatus(opened, fmt::format("deleting object {}: opening folder '{}'", QuoteKey(key), failed));
    }
    // EISDIR (or EPERM on some systems): a folder, so no such object either.
    if (opened == 0 && unlinkat(dir_fd.get(), std::string(BaseName(key)).c_str(), 0) != 0 && errno != ENOENT &&
        errno != ENOTDIR && errno != EISDIR && errno != EPERM) {
      return ErrnoToStatus(errno, fmt::format("deleting object {} at '{}'", QuoteKey(key), path));
    }
    // An acknowledged delete survives power loss: the folder's entry is synced.
    if (opened == 0 && options_.sync && fsync(dir_fd.get()) != 0) {
      return ErrnoToStatus(errno, fmt::format("deleting object {}: syncing its folder", QuoteKey(key)));
    }
    RETURN_IF_ERROR(etags_.Erase(key).WithContext(fmt::format("deleting object {}", QuoteKey(key))));
    return PruneEmptyFolders(key);
  }

 private:
  struct ListWalk {
    const std::string& token;  // list keys after this one (empty: from the start)
    size_t page_size;
    std::vector<ObjectInfo> objects;
    bool truncated;
  };

  std::string PathOf(std::string_view key) const { return fmt::format("{}/{}", root_, key); }

  // Reads the object file of `key` without following a link anywhere below the root.
  int ReadObjectFile(const std::string& key, std::string* data, FileStat* stat) const {
    local::UniqueFd dir_fd;
    std::string failed;
    if (int err = local::OpenDirBeneath(root_, ParentOf(key), false, false, &dir_fd, &failed); err != 0) return err;
    return local::ReadFileAt(dir_fd.get(), std::string(BaseName(key)), data, stat);
  }

  // Logs an unreadable file once per key for the life of the store.
  void ReportUnreadable(const std::string& key, const Status& status) const {
    std::lock_guard lock(unreadable_mu_);
    if (!unreadable_reported_.insert(key).second) return;
    spdlog::warn("local bucket '{}': skipping {} in listings until it can be read: {}", root_, QuoteKey(key),
                 status.message());
  }

  Status ReadError(int err, const std::string& key) const {
    if (err == ENOENT || err == ENOTDIR || err == ELOOP || err == EISDIR || err == local::kNotRegularFile) {
      return NotFoundError(fmt::format("object {} does not exist", QuoteKey(key)));
    }
    return ErrnoToStatus(err, fmt::format("reading object {} at '{}'", QuoteKey(key), PathOf(key)));
  }

  void CacheEtag(const std::string& key, const FileStat& stat, const std::string& etag) const {
    // The cache only saves work: the etag returned is right either way, so a failed cache
    // write is reported in the log rather than failing the caller.
    if (Status st = etags_.Store(key, stat, etag); !st.ok()) {
      spdlog::warn("local bucket '{}': {}", root_, st.ToString());
    }
  }

  // The etag of a file about to be moved into the bucket; makes it readable like any
  // object (temp files are created 0600) and, with options.sync, durable before the rename.
  Result<std::string> PrepareLocalFile(const std::string& key, const std::string& local_path) const {
    const auto fail = [&](int err) {
      const std::string message = fmt::format("storing object {}: reading the local file '{}'", QuoteKey(key),
                                              local_path);
      // A missing source file is not a missing object: Unavailable, as the contract says.
      if (err == ENOENT || err == ENOTDIR) return UnavailableError(fmt::format("{}: {}", message, std::strerror(err)));
      return ErrnoToStatus(err, message);
    };
    local::UniqueFd fd(open(local_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return fail(errno);
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) return fail(errno);
    if (!S_ISREG(st.st_mode)) return InvalidArgumentError(fmt::format("'{}' is not a regular file", local_path));
    EVP_MD_CTX* hash = EVP_MD_CTX_new();
    if (hash == nullptr || EVP_DigestInit_ex(hash, EVP_sha256(), nullptr) != 1) std::abort();  // out of memory
    struct FreeHash {
      EVP_MD_CTX* hash;
      ~FreeHash() { EVP_MD_CTX_free(hash); }
    } free_hash{hash};
    std::string buffer(1 << 20, '\0');
    while (true) {
      const ssize_t n = read(fd.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno);
      if (n == 0) break;
      if (EVP_DigestUpdate(hash, buffer.data(), static_cast<size_t>(n)) != 1) std::abort();
    }
    if (fchmod(fd.get(), 0644) != 0) return fail(errno);
    if (options_.sync && fsync(fd.get()) != 0) return fail(errno);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(hash, digest, &length) != 1) std::abort();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string etag;  // lower-case hex, as Sha256Hex
    for (unsigned int i = 0; i < length; ++i) {
      etag += kHex[digest[i] >> 4];
      etag += kHex[digest[i] & 0xf];
    }
    return etag;
  }

  // Head: the cached etag when the file is unchanged, else hash it now.
  Result<ObjectInfo> InfoOf(const std::string& key) const {
    local::UniqueFd dir_fd;
    std::string failed;
    if (int err = local::OpenDirBeneath(root_, ParentOf(key), false, false, &dir_fd, &failed); err != 0) {
      return ReadError(err, key);
    }
    const std::string name(BaseName(key));
    FileStat stat;
    if (int err = local::StatAt(dir_fd.get(), name, &stat); err != 0) return ReadError(err, key);
    if (stat.type != FileType::kRegular) return ReadError(local::kNotRegularFile, key);
    if (std::optional<std::string> etag = etags_.Find(key, stat)) {
      return ObjectInfo{key, *std::move(etag), stat.size_bytes, NsToMs(stat.mtime_ns)};
    }
    std::string data;
    if (int err = local::ReadFileAt(dir_fd.get(), name, &data, &stat); err != 0) return ReadError(err, key);
    const std::string etag = Sha256Hex(data);
    CacheEtag(key, stat, etag);
    return ObjectInfo{key, etag, stat.size_bytes, NsToMs(stat.mtime_ns)};
  }

  // Depth-first walk of root/<dir> in key order. Children sort as "name" for files and
  // "name/" for folders, which makes the walk order equal to byte order of whole keys.
  Status Walk(const std::string& dir, std::string_view name_filter, ListWalk& walk) const {
    std::vector<DirEntry> entries;
    const std::string path = dir.empty() ? root_ : root_ + "/" + dir.substr(0, dir.size() - 1);
    local::UniqueFd dir_fd;
    std::string failed;
    int err = local::OpenDirBeneath(root_, dir, false, false, &dir_fd, &failed);
    if (err == 0) err = local::ReadDirAt(dir_fd.get(), &entries);
    if (err != 0) {
      // No such folder, or one behind a link: nothing to list.
      if (err == ENOENT || err == ENOTDIR || err == ELOOP) return OkStatus();
      return ErrnoToStatus(err, fmt::format("reading folder '{}'", path));
    }
    std::vector<std::pair<std::string, bool>> children;  // (name or "name/", is folder)
    for (DirEntry& entry : entries) {
      if (entry.name.starts_with('.') || !entry.name.starts_with(name_filter)) continue;
      if (entry.type == FileType::kDirectory) {
        children.emplace_back(entry.name + "/", true);
      } else if (entry.type == FileType::kRegular) {
        children.emplace_back(std::move(entry.name), false);
      }  // symlinks, FIFOs, sockets are not objects
    }
    std::sort(children.begin(), children.end());
    for (const auto& [name, is_folder] : children) {
      const std::string key = dir + name;
      if (is_folder) {
        // Skip a folder whose keys all sort at or before the token.
        if (!walk.token.empty() && walk.token > key && !walk.token.starts_with(key)) continue;
        RETURN_IF_ERROR(Walk(key, "", walk));
        if (walk.truncated) return OkStatus();
        continue;
      }
      if (!walk.token.empty() && key <= walk.token) continue;
      if (Status valid = ValidateObjectKey(key); !valid.ok()) {
        spdlog::warn("local bucket '{}': ignoring file that is not a valid object: {}", root_, valid.message());
        continue;
      }
      if (walk.objects.size() == walk.page_size) {
        walk.truncated = true;
        return OkStatus();
      }
      Result<ObjectInfo> info = InfoOf(key);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        // One file we may not read must not hide the rest of the bucket (the watcher lists
        // on every poll): leave it out and say so once.
        if (info.status().code() == StatusCode::kPermissionDenied) {
          ReportUnreadable(key, info.status());
          continue;
        }
        return info.status();
      }
      walk.objects.push_back(*std::move(info));
    }
    return OkStatus();
  }

  // Removes the folders a Delete left empty, up to (not including) the bucket root and the
  // five top-level prefixes.
  Status PruneEmptyFolders(std::string_view key) const {
    std::string_view dir = ParentOf(key);
    while (!dir.empty() && !IsTopLevelPrefixDir(dir)) {
      const std::string path = PathOf(dir);
      local::UniqueFd parent_fd;
      std::string failed;
      if (local::OpenDirBeneath(root_, ParentOf(dir), false, false, &parent_fd, &failed) != 0) return OkStatus();
      if (unlinkat(parent_fd.get(), std::string(BaseName(dir)).c_str(), AT_REMOVEDIR) != 0) {
        if (errno == ENOTEMPTY || errno == EEXIST || errno == EBUSY) return OkStatus();
        if (errno != ENOENT) {
          return ErrnoToStatus(errno, fmt::format("deleted object {} but could not remove empty folder '{}'",
                                                  QuoteKey(key), path));
        }
      }
      dir = ParentOf(dir);
    }
    return OkStatus();
  }

  const std::string root_;
  const LocalObjectStoreOptions options_;
  const local::LocalEtagCache etags_;
  mutable std::mutex unreadable_mu_;
  mutable std::set<std::string> unreadable_reported_;  // GUARDED_BY(unreadable_mu_); bounded by the bucket's keys
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(const std::string& root,
                                                          const LocalObjectStoreOptions& options) {
  if (root.empty()) return InvalidArgumentError("local bucket folder is empty");
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(root, ec);
  if (ec) return UnavailableError(fmt::format("local bucket '{}': {}", root, ec.message()));
  std::string normalized = path.lexically_normal().string();
  while (normalized.size() > 1 && normalized.back() == '/') normalized.pop_back();

  std::string failed;
  if (int err = local::MakeDirs("", normalized.substr(1), options.sync, &failed); err != 0) {
    if (err == ENOTDIR) {
      return FailedPreconditionError(fmt::format("local bucket '{}': '{}' is not a folder", root, failed));
    }
    return ErrnoToStatus(err, fmt::format("local bucket '{}': creating folder '{}'", root, failed));
  }
  if (int err = local::MakeDirs(normalized, kMetaDirName, /*durable=*/false, &failed); err != 0) {
    return ErrnoToStatus(err, fmt::format("local bucket '{}': creating folder '{}'", root, failed));
  }
  if (access(normalized.c_str(), R_OK | W_OK | X_OK) != 0) {
    return ErrnoToStatus(errno, fmt::format("local bucket '{}'", root));
  }
  return std::unique_ptr<ObjectStore>(std::make_unique<LocalObjectStore>(std::move(normalized), options));
}

}  // namespace labelloop::store
