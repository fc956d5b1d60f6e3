#include "common/process.h"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace labelloop {
namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

// True when /proc shows `pid` as a zombie: it has exited but its parent has not reaped it
// yet (kill(pid, 0) still succeeds then). Parents that never reap are common in containers
// whose PID 1 is a shell.
bool IsZombie(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::stringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  size_t paren = stat.rfind(')');  // "pid (comm) state ...": comm may hold spaces and ')'
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  char state = stat[paren + 2];
  return state == 'Z' || state == 'X';
}

}  // namespace

std::string CurrentWorkerId() { return WorkerIdOfPid(getpid()); }

std::string WorkerIdOfPid(long pid) { return std::to_string(pid) + "@" + HostName(); }

bool IsWorkerAlive(const std::string& worker) {
  size_t at = worker.find('@');
  if (at == std::string::npos || worker.substr(at + 1) != HostName()) return true;
  char* end = nullptr;
  long pid = std::strtol(worker.c_str(), &end, 10);
  if (end != worker.c_str() + at || pid <= 0) return true;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  return !IsZombie(pid);
}

}  // namespace labelloop
