// TempFile: a request body on its way to disk (object uploads, detect images), so a large
// body never sits in memory. Created with mode 0600 in the server's upload folder; removed
// when the TempFile is destroyed unless its owner took the file away (a store moved it).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop::http {

class TempFile {
 public:
  // Unavailable (naming the folder and the reason) when no file can be created in `dir`.
  static Result<std::unique_ptr<TempFile>> Create(const std::string& dir);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  // Unavailable / ResourceExhausted (disk full) on a failed write.
  Status Append(std::string_view data);
  // Closes the descriptor (idempotent); the file stays until destruction.
  Status Close();
  const std::string& path() const { return path_; }
  int64_t size_bytes() const { return size_bytes_; }

 private:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
  int64_t size_bytes_ = 0;
};

}  // namespace labelloop::http
