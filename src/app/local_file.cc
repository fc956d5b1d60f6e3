#include "app/local_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace labelloop::app {
namespace fs = std::filesystem;

Status WriteLocalFileAtomic(const std::string& path, const std::string& bytes) {
  auto fail = [&](const std::string& step) {
    return UnavailableError(fmt::format("cannot write '{}': {}: {}", path, step, std::strerror(errno)));
  };
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("open");
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = fail("write");
      ::close(fd);
      ::unlink(temp.c_str());
      return s;
    }
    written += size_t(n);
  }
  if (::fsync(fd) != 0) {
    Status s = fail("fsync");
    ::close(fd);
    ::unlink(temp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status s = fail("rename");
    ::unlink(temp.c_str());
    return s;
  }
  return OkStatus();
}

}  // namespace labelloop::app
