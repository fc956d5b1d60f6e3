// Etag cache of the local object store (internal to src/store): one small file per object
// under root/.meta/etags/<2 hex>/<sha256 of key>, holding the etag and the exact file state
// (device, inode, size, mtime, ctime) it was computed for. An entry counts only while the
// object file still has that state, so files copied in or edited by hand get a fresh etag;
// losing or corrupting the cache costs only re-hashing. Thread-safe: entries are replaced
// atomically (temp file + rename), and a racing writer at worst causes a re-hash.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "store/local_files.h"

namespace labelloop::store::local {

class LocalEtagCache {
 public:
  // The cache lives in root/<meta_dir> (re-created when someone removes it).
  LocalEtagCache(std::string root, std::string meta_dir)
      : root_(std::move(root)), meta_dir_(std::move(meta_dir)) {}

  // The cached etag of `key` when its entry was made for exactly `stat`.
  std::optional<std::string> Find(const std::string& key, const FileStat& stat) const;
  // Records `etag` for `key` in state `stat`. Not synced: a lost entry is only re-hashed.
  Status Store(const std::string& key, const FileStat& stat, const std::string& etag) const;
  // Removes the entry; OK when there was none.
  Status Erase(const std::string& key) const;

 private:
  // root/<meta_dir>/etags/<2 hex>/<hash>; `relative_dir` gets "<meta_dir>/etags/<2 hex>".
  std::string EntryPath(const std::string& key, std::string* relative_dir) const;

  const std::string root_;
  const std::string meta_dir_;
};

}  // namespace labelloop::store::local
