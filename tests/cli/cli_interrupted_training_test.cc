// Black-box test of a background training whose process dies: `train` returns at once and
// a worker process trains; once that process is killed, the version reads TRAINING_FAILED
// ("interrupted") instead of TRAINING_IN_PROGRESS forever.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {

using ::testing::HasSubstr;

// Kills and reaps the worker if the test ends before it does.
struct WorkerGuard {
  pid_t pid = 0;
  ~WorkerGuard() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

TEST(InterruptedTrainingTest, KilledBackgroundTrainingIsMarkedInterrupted) {
  // The worker outlives the `train` command that forks it. As a subreaper this test
  // process inherits it, so the killed worker stays a zombie until we reap it: the product
  // must take a zombie for dead, as it is under a container init that never reaps.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  ScratchDir scratch;
  const std::string data = scratch.Sub("data");
  ASSERT_EQ(RunLabelloop({"init", "--data", data}).exit_code, 0);
  for (const std::string label : {"amazon_logo", "aws_logo"}) {
    CommandResult upload = RunLabelloopOn(data, {"upload", ExamplesDir() + "/" + label, "images_labeled_by_folder/" + label});
    ASSERT_EQ(upload.exit_code, 0) << upload;
  }

  CommandResult train = RunLabelloopOn(data, {"train"});
  ASSERT_EQ(train.exit_code, 0) << train;
  EXPECT_LT(train.seconds, 10) << "without --wait, train returns at once" << train;
  const std::string version = train.LastOutLine();
  ASSERT_FALSE(version.empty()) << train;

  // "Training in progress (worker PID@HOST)": the background process, alive, so listing
  // must not take the version for interrupted.
  CommandResult list = RunLabelloopOn(data, {"models", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list;
  Json listed = ParseJsonOrNull(list.out);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << list;
  ASSERT_EQ(listed[0].value("status", ""), "TRAINING_IN_PROGRESS") << list;
  const std::string message = listed[0].value("status_message", "");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(message, match, std::regex(R"(Training in progress \(worker (\d+)@)"))) << message;
  WorkerGuard worker;
  worker.pid = std::stoi(match[1]);
  // Make sure it is the training worker before killing anything.
  std::string cmdline = ReadFileBytes("/proc/" + std::to_string(worker.pid) + "/cmdline");
  for (char& c : cmdline) c = c == '\0' ? ' ' : c;
  ASSERT_THAT(cmdline, HasSubstr("--run-version " + version)) << "pid " << worker.pid;

  ASSERT_EQ(kill(worker.pid, SIGKILL), 0);
  // Wait until it has died, leaving it unreaped (WNOWAIT).
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, id_t(worker.pid), &info, WEXITED | WNOWAIT), 0) << "the worker is not our child";
  CommandResult after = RunLabelloopOn(data, {"models", "list", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after;
  Json v = ParseJsonOrNull(after.out)[0];
  EXPECT_EQ(v.value("name", ""), version) << after;
  EXPECT_EQ(v.value("status", ""), "TRAINING_FAILED") << after;
  EXPECT_THAT(v.value("status_message", ""), HasSubstr("interrupted")) << after;

  CommandResult describe = RunLabelloopOn(data, {"models", "describe", version});
  EXPECT_THAT(describe.out, HasSubstr("TRAINING_FAILED")) << describe;
  CommandResult start = RunLabelloopOn(data, {"models", "start", version});
  EXPECT_NE(start.exit_code, 0) << "a failed version cannot start" << start;
}

}  // namespace
}  // namespace labelloop::cli_test
