// `labelloop backup DEST` and `labelloop restore SRC`, black-box: a backup of a folder that a
// running `serve` uses restores to the same parameters, tokens, versions and objects; the
// refusals (a non-empty destination, something that is not a backup, a damaged backup) say
// why and change nothing. The round trip with trained versions, detections and reviews is
// in the crash soak (bench/crash_soak.cc, `crash_soak_small`).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "../e2e/server_process.h"
#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The bucket's objects (the etag cache in .meta is not data).
std::map<std::string, std::string> Objects(const std::string& data_dir) {
  std::map<std::string, std::string> out;
  for (auto& [path, bytes] : SnapshotTree(data_dir + "/bucket")) {
    if (!path.starts_with(".meta/")) out[path] = bytes;
  }
  return out;
}

class CliBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_.Sub("data");
    ASSERT_EQ(RunLabelloopOn(data_, {"init"}).exit_code, 0);
    ASSERT_EQ(RunLabelloopOn(data_, {"upload", ExamplesDir() + "/amazon_logo", "images_labeled_by_folder/amazon_logo"}).exit_code, 0);
    ASSERT_EQ(RunLabelloopOn(data_, {"params", "set", "Minimum-F1-Score", "0.65"}).exit_code, 0);
    ASSERT_EQ(RunLabelloopOn(data_, {"tokens", "create", "ops", "--role", "admin"}).exit_code, 0);
    WriteFileBytes(data_ + "/config.json", R"({"review": {"reviews_per_task": 1}})");
  }

  // What a restore must reproduce, as the CLI prints it.
  std::vector<std::string> State(const std::string& data_dir) {
    std::vector<std::string> out;
    for (std::vector<std::string> args : {std::vector<std::string>{"params", "list", "--json"},
                                          {"models", "list", "--json"}, {"tokens", "list", "--json"}}) {
      CommandResult r = RunLabelloopOn(data_dir, args);
      EXPECT_EQ(r.exit_code, 0) << r;
      out.push_back(r.out);
    }
    return out;
  }

  ScratchDir scratch_{"labelloop-backup"};
  std::string data_;
};

TEST_F(CliBackupTest, ABackupTakenWhileServeRunsRestoresToTheSameState) {
  e2e::ServerProcess server(LABELLOOP_BINARY, data_, {}, {{"LABELLOOP_ADMIN_PASSWORD", "backup-test-admin"}});
  ASSERT_TRUE(server.Start()) << server.log();
  const std::string backup = scratch_.Sub("backups/monday");
  CommandResult b = RunLabelloopOn(data_, {"backup", backup});
  ASSERT_EQ(b.exit_code, 0) << b;
  EXPECT_EQ(b.LastOutLine(), backup);
  EXPECT_THAT(b.err, HasSubstr("database: "));
  EXPECT_THAT(b.err, HasSubstr("bucket: 5/5 objects"));
  EXPECT_TRUE(fs::exists(backup + "/backup.json"));
  const std::vector<std::string> state = State(data_);
  const auto objects = Objects(data_);
  EXPECT_EQ(server.Terminate(), 0) << server.log();

  const std::string restored = scratch_.Sub("restored");
  CommandResult r = RunLabelloopOn(restored, {"restore", backup});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(State(restored), state);
  EXPECT_EQ(Objects(restored), objects);
  EXPECT_EQ(ReadFileBytes(restored + "/config.json"), ReadFileBytes(data_ + "/config.json"));
  // And it serves.
  e2e::ServerProcess again(LABELLOOP_BINARY, restored, {}, {{"LABELLOOP_ADMIN_PASSWORD", "backup-test-admin"}});
  ASSERT_TRUE(again.Start()) << again.log();
  EXPECT_EQ(again.Terminate(), 0) << again.log();
}

TEST_F(CliBackupTest, RestoreGoesOnlyIntoAMissingOrEmptyFolderUnlessForced) {
  const std::string backup = scratch_.Sub("backup");
  ASSERT_EQ(RunLabelloopOn(data_, {"backup", backup}).exit_code, 0);
  const std::string empty = scratch_.Sub("empty");
  fs::create_directories(empty);
  CommandResult into_empty = RunLabelloopOn(empty, {"restore", backup});
  EXPECT_EQ(into_empty.exit_code, 0) << into_empty;
  EXPECT_EQ(Objects(empty), Objects(data_));

  const std::string busy = scratch_.Sub("busy");
  WriteFileBytes(busy + "/notes.txt", "mine");
  CommandResult refused = RunLabelloopOn(busy, {"restore", backup});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("is not empty"));
  EXPECT_THAT(refused.err, HasSubstr("--force"));
  EXPECT_EQ(SnapshotTree(busy), (std::map<std::string, std::string>{{"notes.txt", "mine"}}));

  CommandResult forced = RunLabelloopOn(busy, {"restore", backup, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced;
  EXPECT_FALSE(fs::exists(busy + "/notes.txt"));
  EXPECT_EQ(State(busy), State(data_));
  // No staging folders are left beside it.
  for (const auto& e : fs::directory_iterator(scratch_.path())) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".")) << e.path();
  }
}

TEST_F(CliBackupTest, RefusalsSayWhyAndWriteNothing) {
  const std::string backup = scratch_.Sub("backup");
  WriteFileBytes(backup + "/old.txt", "x");
  CommandResult busy_dest = RunLabelloopOn(data_, {"backup", backup});
  EXPECT_NE(busy_dest.exit_code, 0);
  EXPECT_THAT(busy_dest.err, HasSubstr("is not empty"));

  CommandResult not_data = RunLabelloopOn(scratch_.Sub("nothing-here"), {"backup", scratch_.Sub("b2")});
  EXPECT_NE(not_data.exit_code, 0);
  EXPECT_THAT(not_data.err, HasSubstr("not a labelloop data folder"));
  EXPECT_FALSE(fs::exists(scratch_.Sub("b2")));

  CommandResult not_backup = RunLabelloopOn(scratch_.Sub("r1"), {"restore", data_});
  EXPECT_NE(not_backup.exit_code, 0);
  EXPECT_THAT(not_backup.err, HasSubstr("is not a labelloop backup"));
  EXPECT_FALSE(fs::exists(scratch_.Sub("r1")));

  // A damaged backup: one object's bytes changed after it was written.
  const std::string good = scratch_.Sub("good");
  ASSERT_EQ(RunLabelloopOn(data_, {"backup", good}).exit_code, 0);
  WriteFileBytes(good + "/bucket/images_labeled_by_folder/amazon_logo/amazon-2.png", "flipped");
  CommandResult damaged = RunLabelloopOn(scratch_.Sub("r2"), {"restore", good});
  EXPECT_NE(damaged.exit_code, 0);
  EXPECT_THAT(damaged.err, HasSubstr("damaged"));
  EXPECT_THAT(damaged.err, HasSubstr("amazon-2.png"));
  EXPECT_FALSE(fs::exists(scratch_.Sub("r2")));
}

}  // namespace
}  // namespace labelloop::cli_test
