// Black-box tests of the CLI that need no trained model: data folders, upload, and the
// training failures found before any heavy work. Each test runs in a fresh data folder.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {
namespace fs = std::filesystem;

using ::testing::AllOf;
using ::testing::HasSubstr;

class CliSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_.Sub("data");
    CommandResult init = RunLabelloop({"init", "--data", data_});
    ASSERT_EQ(init.exit_code, 0) << init;
  }

  CommandResult Labelloop(const std::vector<std::string>& args, RunOptions options = {}) {
    return RunLabelloopOn(data_, args, std::move(options));
  }
  std::string Bucket(const std::string& key) const { return data_ + "/bucket/" + key; }

  ScratchDir scratch_;
  std::string data_;
};

TEST_F(CliSetupTest, InitCreatesTheBucketPrefixesAndIsSafeToRepeat) {
  for (const char* prefix : {"a2i-human-loop-data", "evaluation", "images_for_detection", "images_labeled_by_folder",
                             "manifests"}) {
    EXPECT_TRUE(fs::is_directory(Bucket(prefix))) << prefix;
  }
  // The key that seals API tokens for AWS signing (docs/aws.md): made by init, owner-only.
  EXPECT_EQ(fs::status(data_ + "/signing.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const std::string key = ReadFileBytes(data_ + "/signing.key");
  EXPECT_EQ(key.size(), 32u);
  CommandResult again = RunLabelloop({"init", "--data", data_});
  EXPECT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(ReadFileBytes(data_ + "/signing.key"), key) << "init again keeps the key";
  CommandResult list = Labelloop({"models", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_EQ(ParseJsonOrNull(list.out), Json::array()) << list;
}

TEST_F(CliSetupTest, UploadOfAFolderKeepsItsSubFolders) {
  const std::string png = ReadFileBytes(ExamplesDir() + "/amazon_logo/amazon-1.png");
  const std::string jpeg = ReadFileBytes(ExamplesDir() + "/aws_logo/aws-2.jpg");
  const std::string local = scratch_.Sub("local");
  WriteFileBytes(local + "/top.png", png);
  WriteFileBytes(local + "/a/one.jpg", jpeg);
  WriteFileBytes(local + "/a/b c/two.png", png);
  WriteFileBytes(local + "/.DS_Store", "finder metadata");

  CommandResult upload = Labelloop({"upload", local, "images_labeled_by_folder/nested"});
  ASSERT_EQ(upload.exit_code, 0) << upload;
  EXPECT_EQ(ReadFileBytes(Bucket("images_labeled_by_folder/nested/top.png")), png);
  EXPECT_EQ(ReadFileBytes(Bucket("images_labeled_by_folder/nested/a/one.jpg")), jpeg);
  EXPECT_EQ(ReadFileBytes(Bucket("images_labeled_by_folder/nested/a/b c/two.png")), png);
  EXPECT_FALSE(fs::exists(Bucket("images_labeled_by_folder/nested/.DS_Store"))) << "hidden files are not data";
  EXPECT_THAT(upload.out, AllOf(HasSubstr("images_labeled_by_folder/nested/top.png"),
                                HasSubstr("images_labeled_by_folder/nested/a/b c/two.png")))
      << upload;
}

TEST_F(CliSetupTest, UploadOfASingleFileGoesUnderThePrefixWithItsName) {
  const std::string file = ExamplesDir() + "/aws_logo/aws-1.png";
  CommandResult upload = Labelloop({"upload", file, "images_labeled_by_folder/single"});
  ASSERT_EQ(upload.exit_code, 0) << upload;
  EXPECT_EQ(ReadFileBytes(Bucket("images_labeled_by_folder/single/aws-1.png")), ReadFileBytes(file));

  // A trailing '/' on the prefix means the same folder.
  CommandResult slash = Labelloop({"upload", file, "images_for_detection/"});
  ASSERT_EQ(slash.exit_code, 0) << slash;
  EXPECT_EQ(ReadFileBytes(Bucket("images_for_detection/aws-1.png")), ReadFileBytes(file));
}

TEST_F(CliSetupTest, UploadRefusesAPrefixThatEscapesTheBucketAndWritesNothing) {
  const std::string folder = ExamplesDir() + "/aws_logo";
  const auto before = SnapshotTree(scratch_.path());
  for (const std::string prefix : {"images_labeled_by_folder/../escape", "../escape", "/tmp/escape",
                                   "images_labeled_by_folder/./x"}) {
    for (const std::string& local : {folder, folder + "/aws-1.png"}) {
      CommandResult upload = Labelloop({"upload", local, prefix});
      EXPECT_NE(upload.exit_code, 0) << upload;
      EXPECT_THAT(upload.err, HasSubstr(prefix)) << upload;
      EXPECT_EQ(upload.out, "") << upload;
    }
  }
  EXPECT_EQ(SnapshotTree(scratch_.path()), before) << "a refused upload changed files";
  EXPECT_FALSE(fs::exists("/tmp/escape/aws-1.png"));
}

TEST_F(CliSetupTest, CommandsOnAnUninitialisedFolderSayToRunInit) {
  const std::string missing = scratch_.Sub("never-initialised");
  const std::string image = ExamplesDir() + "/aws_logo/aws-1.png";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"upload", image, "images_labeled_by_folder/x"},
                                             {"train", "--wait"},
                                             {"train"},
                                             {"models", "list"},
                                             {"models", "describe", "v"},
                                             {"detect", image}}) {
    CommandResult r = RunLabelloopOn(missing, args);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, AllOf(HasSubstr(missing), HasSubstr("labelloop init"))) << r;
  }
  EXPECT_FALSE(fs::exists(missing)) << "a command other than init created the data folder";
}

TEST_F(CliSetupTest, DataFlagWinsOverTheEnvironmentWhichWinsOverTheDefault) {
  const std::string image = ExamplesDir() + "/aws_logo/aws-1.png";
  const std::string other = scratch_.Sub("other");
  ASSERT_EQ(RunLabelloop({"init", "--data", other}).exit_code, 0);

  RunOptions env;
  env.env["LABELLOOP_DATA"] = data_;
  CommandResult from_env = RunLabelloop({"upload", image, "images_for_detection/from-env"}, env);
  ASSERT_EQ(from_env.exit_code, 0) << from_env;
  EXPECT_TRUE(fs::exists(Bucket("images_for_detection/from-env/aws-1.png")));

  CommandResult from_flag = RunLabelloop({"--data", other, "upload", image, "images_for_detection/from-flag"}, env);
  ASSERT_EQ(from_flag.exit_code, 0) << from_flag;
  EXPECT_TRUE(fs::exists(other + "/bucket/images_for_detection/from-flag/aws-1.png"));
  EXPECT_FALSE(fs::exists(Bucket("images_for_detection/from-flag"))) << "--data must win over LABELLOOP_DATA";

  // Neither: ./labelloop-data.
  RunOptions none;
  none.cwd = scratch_.Sub("cwd");
  fs::create_directories(none.cwd);
  CommandResult init = RunLabelloop({"init"}, none);
  ASSERT_EQ(init.exit_code, 0) << init;
  EXPECT_TRUE(fs::is_directory(none.cwd + "/labelloop-data/bucket/images_labeled_by_folder")) << init;
  CommandResult upload = RunLabelloop({"upload", image, "images_for_detection/default"}, none);
  ASSERT_EQ(upload.exit_code, 0) << upload;
  EXPECT_TRUE(fs::exists(none.cwd + "/labelloop-data/bucket/images_for_detection/default/aws-1.png"));
}

TEST_F(CliSetupTest, TrainOnAnEmptyBucketFailsAtOnceWithAClearMessage) {
  CommandResult train = Labelloop({"train", "--wait"});
  EXPECT_NE(train.exit_code, 0) << train;
  EXPECT_THAT(train.err, AllOf(HasSubstr("no labelled images"), HasSubstr("images_labeled_by_folder/"))) << train;
  EXPECT_LT(train.seconds, 10) << train;
  CommandResult background = Labelloop({"train"});
  EXPECT_NE(background.exit_code, 0) << background;
  EXPECT_THAT(background.err, HasSubstr("no labelled images")) << background;
  CommandResult list = Labelloop({"models", "list", "--json"});
  EXPECT_EQ(ParseJsonOrNull(list.out), Json::array()) << "no version for a training that could not start" << list;
}

TEST_F(CliSetupTest, TrainFailsWhenALabelHasOnlyCorruptImagesAndNamesIt) {
  const std::string jpeg = ReadFileBytes(ExamplesDir() + "/aws_logo/aws-2.jpg");
  const std::string broken = scratch_.Sub("broken_logo");
  WriteFileBytes(broken + "/empty.jpg", "");
  WriteFileBytes(broken + "/half.jpg", jpeg.substr(0, jpeg.size() / 2));
  ASSERT_EQ(Labelloop({"upload", broken, "images_labeled_by_folder/broken_logo"}).exit_code, 0);
  ASSERT_EQ(Labelloop({"upload", ExamplesDir() + "/aws_logo", "images_labeled_by_folder/aws_logo"}).exit_code, 0);

  CommandResult train = Labelloop({"train", "--wait"});
  EXPECT_NE(train.exit_code, 0) << train;
  EXPECT_THAT(train.err, AllOf(HasSubstr("TRAINING_FAILED"), HasSubstr("broken_logo"))) << train;
  EXPECT_LT(train.seconds, 20) << "the images are checked before the heavy work" << train;
  const std::string version = train.LastOutLine();
  ASSERT_FALSE(version.empty()) << train;

  CommandResult describe = Labelloop({"models", "describe", version});
  ASSERT_EQ(describe.exit_code, 0) << describe;
  EXPECT_THAT(describe.out, AllOf(HasSubstr("TRAINING_FAILED"), HasSubstr("'broken_logo'"))) << describe;
  CommandResult json = Labelloop({"models", "describe", version, "--json"});
  Json v = ParseJsonOrNull(json.out);
  EXPECT_EQ(v.value("status", ""), "TRAINING_FAILED") << json;
  EXPECT_THAT(v.value("status_message", ""),
              AllOf(HasSubstr("broken_logo"), HasSubstr("images_labeled_by_folder/broken_logo/half.jpg"),
                    HasSubstr("images_labeled_by_folder/broken_logo/empty.jpg")))
      << json;
  EXPECT_TRUE(v["evaluation"].is_null()) << json;
}

}  // namespace
}  // namespace labelloop::cli_test
