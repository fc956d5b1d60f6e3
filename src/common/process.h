// Identity and liveness of worker processes ("pid@host"), used to tell a training that is
// still running from one whose process died. Thread-safe.
#pragma once

#include <string>

namespace labelloop {

// "<pid>@<hostname>" of this process.
std::string CurrentWorkerId();
// "<pid>@<hostname>" of process `pid` on this host (e.g. a child this process started).
std::string WorkerIdOfPid(long pid);
// False only when `worker` names a process on this host that no longer exists; workers on
// other hosts (or unparsable ids) are assumed alive, since we cannot check them.
bool IsWorkerAlive(const std::string& worker);

}  // namespace labelloop
