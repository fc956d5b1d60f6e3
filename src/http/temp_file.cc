#include "http/temp_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace labelloop::http {
namespace {

Status WriteError(int err, const std::string& path) {
  std::string message = fmt::format("writing the request body to '{}': {}", path, std::strerror(err));
  if (err == ENOSPC || err == EDQUOT || err == EROFS) return InsufficientStorageError(message);
  return UnavailableError(message);
}

}  // namespace

Result<std::unique_ptr<TempFile>> TempFile::Create(const std::string& dir) {
  std::string pattern = (dir.empty() ? std::string("/tmp") : dir) + "/labelloop-upload-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string message = fmt::format("cannot create a temp file for the request body in '{}': {}", dir,
                                      std::strerror(err));
    if (err == ENOSPC || err == EDQUOT || err == EROFS) return InsufficientStorageError(message);
    return UnavailableError(message);
  }
  return std::unique_ptr<TempFile>(new TempFile(std::string(name.data()), fd));
}

TempFile::~TempFile() {
  (void)Close();
  unlink(path_.c_str());  // ENOENT when a store took the file: fine
}

Status TempFile::Append(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return WriteError(errno, path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_bytes_ += n;
  }
  return OkStatus();
}

Status TempFile::Close() {
  if (fd_ < 0) return OkStatus();
  const int rc = close(fd_);
  fd_ = -1;
  if (rc != 0) return WriteError(errno, path_);
  return OkStatus();
}

}  // namespace labelloop::http
