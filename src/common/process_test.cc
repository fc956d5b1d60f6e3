#include "common/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace labelloop {
namespace {

TEST(ProcessTest, WorkerIdIsPidAtHost) {
  EXPECT_EQ(CurrentWorkerId(), WorkerIdOfPid(getpid()));
  EXPECT_EQ(CurrentWorkerId().rfind(std::to_string(getpid()) + "@", 0), 0u);
}

TEST(ProcessTest, LiveProcessIsAliveAndOtherHostsAreAssumedAlive) {
  EXPECT_TRUE(IsWorkerAlive(CurrentWorkerId()));
  EXPECT_TRUE(IsWorkerAlive("1@some-other-host"));
  EXPECT_TRUE(IsWorkerAlive("not a worker id"));
}

TEST(ProcessTest, ExitedProcessIsDeadBeforeAndAfterItIsReaped) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  // Exited but not reaped (a zombie): kill(pid, 0) still succeeds, yet it is dead.
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(IsWorkerAlive(WorkerIdOfPid(pid)));
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  EXPECT_FALSE(IsWorkerAlive(WorkerIdOfPid(pid)));
}

}  // namespace
}  // namespace labelloop
