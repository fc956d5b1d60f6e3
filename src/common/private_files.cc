#include "common/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace labelloop {

Status MakePrivateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError(fmt::format("cannot create folder '{}': {}", dir, ec.message()));
  if (chmod(dir.c_str(), 0700) != 0) {
    return UnavailableError(fmt::format("cannot make folder '{}' private (0700): {}", dir, std::strerror(errno)));
  }
  return OkStatus();
}

Status MakePrivateFile(const std::string& path, bool create) {
  const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
  const int fd = open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (!create && errno == ENOENT) return OkStatus();
    return UnavailableError(fmt::format("cannot open '{}' to make it private: {}", path, std::strerror(errno)));
  }
  const int rc = fchmod(fd, 0600);
  const int err = errno;
  close(fd);
  if (rc != 0) return UnavailableError(fmt::format("cannot make '{}' private (0600): {}", path, std::strerror(err)));
  return OkStatus();
}

Status SecureDataFolder(const std::string& data_dir, const std::string& database_path) {
  RETURN_IF_ERROR(MakePrivateDir(data_dir));
  RETURN_IF_ERROR(MakePrivateFile(database_path));
  for (const std::string& companion : {database_path + "-wal", database_path + "-shm", data_dir + "/config.json"}) {
    RETURN_IF_ERROR(MakePrivateFile(companion, /*create=*/false));
  }
  return OkStatus();
}

}  // namespace labelloop
