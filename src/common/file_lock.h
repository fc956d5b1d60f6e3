// FileLock: an advisory lock (flock) on a file, held until the FileLock is destroyed.
// The kernel drops it when the process dies, also by SIGKILL, so it tells "a process
// holds this" without stale pid files: `serve` holds its data folder's lock exclusively,
// and a CLI command that must know whether a server runs tries a shared one. Movable;
// not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace labelloop {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Creates `path` when missing and takes the lock without waiting. nullopt when another
  // process holds a conflicting lock; FailedPrecondition when the file cannot be opened.
  static Result<std::optional<FileLock>> TryAcquire(const std::string& path, Mode mode);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace labelloop
