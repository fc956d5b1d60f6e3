// `import` and `export-dataset` end to end on the public benchmark's train_k10: import it as a
// folder per label, train one version on it (at 224 px only, to keep the test short), then
// export that version in every format and import each export into a fresh data folder: the
// labelled images (label -> content) must come back exactly. Also the all-or-nothing rule
// through the CLI: a dataset with a bad row writes nothing and names the row's line.
#include <filesystem>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {
namespace fs = std::filesystem;

using ::testing::HasSubstr;

std::string TrainK10() {
  const char* env = std::getenv("LABELLOOP_SHARED_DIR");
  return std::string(env && *env ? env : LABELLOOP_SHARED_DIR) + "/bench/public/train_k10";
}

// label -> the contents of its images in DATA's bucket.
std::map<std::string, std::multiset<std::string>> LabelledContent(const std::string& data) {
  std::map<std::string, std::multiset<std::string>> out;
  for (const auto& [path, bytes] : SnapshotTree(data + "/bucket/images_labeled_by_folder")) {
    out[path.substr(0, path.find('/'))].insert(bytes);
  }
  return out;
}

std::string InitData(const ScratchDir& scratch, const std::string& name) {
  std::string data = scratch.Sub(name);
  CommandResult init = RunLabelloop({"init", "--data", data});
  EXPECT_EQ(init.exit_code, 0) << init;
  return data;
}

TEST(DatasetCliTest, EveryFormatRoundTripsTrainK10ThroughExport) {
  ASSERT_TRUE(fs::is_directory(TrainK10())) << TrainK10() << " (set LABELLOOP_SHARED_DIR)";
  ScratchDir scratch("labelloop-dataset");
  const std::string data = InitData(scratch, "data");
  WriteFileBytes(data + "/config.json", R"({"sizes": [224]})");
  CommandResult imported = RunLabelloopOn(data, {"import", "folders", TrainK10()});
  ASSERT_EQ(imported.exit_code, 0) << imported;
  EXPECT_EQ(imported.OutLines().size(), 120u) << imported;
  EXPECT_THAT(imported.err, HasSubstr("imported 120 images (12 labels)"));
  const auto original = LabelledContent(data);
  ASSERT_EQ(original.size(), 12u);

  RunOptions slow;
  slow.timeout_s = 1800;  // the whole test took 6.4 min on 2 loaded cores; this only ends a hung training
  CommandResult train = RunLabelloopOn(data, {"train", "--wait"}, slow);
  ASSERT_EQ(train.exit_code, 0) << train;
  const std::string version = train.LastOutLine();

  for (const std::string format : {"manifest", "folders", "splits", "yolo", "labelstudio"}) {
    SCOPED_TRACE(format);
    const std::string out = scratch.Sub("export-" + format);
    CommandResult exported = RunLabelloopOn(data, {"export-dataset", version, format, out});
    ASSERT_EQ(exported.exit_code, 0) << exported;
    std::string src = out;
    if (format == "manifest") src += "/manifest.jsonl";
    if (format == "labelstudio") src += "/tasks.json";
    const std::string fresh = InitData(scratch, "data-" + format);
    CommandResult back = RunLabelloopOn(fresh, {"import", format, src});
    ASSERT_EQ(back.exit_code, 0) << back;
    EXPECT_EQ(LabelledContent(fresh), original);
    if (format == "splits") {
      // The version's held-out test images are test/, the rest train/.
      EXPECT_TRUE(fs::is_directory(out + "/train") && fs::is_directory(out + "/test"));
    }
  }
  // Importing the same dataset again adds nothing: every image is reported as a duplicate.
  CommandResult again = RunLabelloopOn(data, {"import", "folders", TrainK10()});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_TRUE(again.out.empty()) << again;
  EXPECT_THAT(again.err, HasSubstr("120 duplicates not imported again"));
}

TEST(DatasetCliTest, ABadRowImportsNothingAndNamesItsLine) {
  ScratchDir scratch("labelloop-dataset");
  const std::string data = InitData(scratch, "data");
  const std::string image = ExamplesDir() + "/amazon_logo/amazon-1.png";
  WriteFileBytes(scratch.Sub("m/train.manifest"),
                 "{\"source-ref\": \"" + image + "\", \"c\": 0, \"c-metadata\": {\"class-name\": \"amazon\"}}\n"
                 "{\"source-ref\": \"nope.png\", \"c\": 0, \"c-metadata\": {\"class-name\": \"amazon\"}}\n");
  CommandResult r = RunLabelloopOn(data, {"import", "manifest", scratch.Sub("m/train.manifest")});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("bad row: line 2: source-ref 'nope.png'"));
  EXPECT_THAT(r.err, HasSubstr("1 bad row: nothing imported"));
  EXPECT_TRUE(LabelledContent(data).empty());

  CommandResult unknown = RunLabelloopOn(data, {"import", "coco", scratch.Sub("m")});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("manifest, folders, splits, yolo, labelstudio"));
}

}  // namespace
}  // namespace labelloop::cli_test
