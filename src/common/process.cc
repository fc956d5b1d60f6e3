#include "common/process.h"

#include <cerrno>
#include <csignal>
#include <string>

#include <unistd.h>

namespace labelloop {
namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

}  // namespace

std::string CurrentWorkerId() { return std::to_string(getpid()) + "@" + HostName(); }

bool IsWorkerAlive(const std::string& worker) {
  size_t at = worker.find('@');
  if (at == std::string::npos || worker.substr(at + 1) != HostName()) return true;
  char* end = nullptr;
  long pid = std::strtol(worker.c_str(), &end, 10);
  if (end != worker.c_str() + at || pid <= 0) return true;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace labelloop
