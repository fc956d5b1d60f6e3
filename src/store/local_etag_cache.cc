#include "store/local_etag_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <sstream>

#include "common/content_hash.h"
#include "store/object_keys.h"

namespace labelloop::store::local {
namespace {

constexpr std::string_view kMagic = "labelloop-etag-v1";

std::string Serialize(const std::string& key, const FileStat& stat, const std::string& etag) {
  return fmt::format("{}\n{}\n{} {} {} {} {}\n{}\n", kMagic, key, stat.device, stat.inode,
                     stat.size_bytes, stat.mtime_ns, stat.ctime_ns, etag);
}

}  // namespace

std::string LocalEtagCache::EntryPath(const std::string& key, std::string* relative_dir) const {
  const std::string hash = Sha256Hex(key);
  *relative_dir = fmt::format("{}/etags/{}", meta_dir_, hash.substr(0, 2));
  return fmt::format("{}/{}/{}", root_, *relative_dir, hash);
}

std::optional<std::string> LocalEtagCache::Find(const std::string& key, const FileStat& stat) const {
  std::string dir;
  const std::string path = EntryPath(key, &dir);
  std::string text;
  FileStat entry_stat;
  UniqueFd dir_fd;
  std::string failed;
  if (OpenDirBeneath(root_, dir, false, false, &dir_fd, &failed) != 0) return std::nullopt;
  if (ReadFileAt(dir_fd.get(), path.substr(path.rfind('/') + 1), &text, &entry_stat) != 0) return std::nullopt;
  std::istringstream in(text);
  std::string magic, stored_key, etag;
  FileStat stored;
  stored.type = FileType::kRegular;
  if (!std::getline(in, magic) || magic != kMagic) return std::nullopt;
  if (!std::getline(in, stored_key) || stored_key != key) return std::nullopt;
  if (!(in >> stored.device >> stored.inode >> stored.size_bytes >> stored.mtime_ns >> stored.ctime_ns >> etag)) {
    return std::nullopt;
  }
  if (etag.size() != 64 || etag.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  if (!(stored == stat)) return std::nullopt;
  return etag;
}

Status LocalEtagCache::Store(const std::string& key, const FileStat& stat, const std::string& etag) const {
  std::string dir;
  const std::string path = EntryPath(key, &dir);
  std::string failed;
  UniqueFd dir_fd;
  if (int err = OpenDirBeneath(root_, dir, /*create=*/true, /*durable=*/false, &dir_fd, &failed); err != 0) {
    return ErrnoToStatus(err, fmt::format("caching the etag of {}: creating folder '{}'", QuoteKey(key), failed));
  }
  FileStat written;
  const std::string name = path.substr(path.rfind('/') + 1);
  if (int err = WriteFileAtomicallyAt(dir_fd.get(), name, Serialize(key, stat, etag),
                                      /*durable=*/false, &written, &failed);
      err != 0) {
    return ErrnoToStatus(err, fmt::format("caching the etag of {}: {} '{}'", QuoteKey(key), failed, path));
  }
  return OkStatus();
}

Status LocalEtagCache::Erase(const std::string& key) const {
  std::string dir;
  const std::string path = EntryPath(key, &dir);
  UniqueFd dir_fd;
  std::string failed;
  const int opened = OpenDirBeneath(root_, dir, false, false, &dir_fd, &failed);
  if (opened == ENOENT || opened == ENOTDIR || opened == ELOOP) return OkStatus();  // no entry to remove
  if (opened != 0) return ErrnoToStatus(opened, fmt::format("removing the cached etag of {}", QuoteKey(key)));
  if (unlinkat(dir_fd.get(), path.substr(path.rfind('/') + 1).c_str(), 0) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return ErrnoToStatus(errno, fmt::format("removing the cached etag of {} at '{}'", QuoteKey(key), path));
  }
  return OkStatus();
}

}  // namespace labelloop::store::local
