// A single label is allowed: the model then answers "this label, or none of them".
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {

TEST(CliSingleLabelTest, OneLabelTrainsAndCanAnswerNoneOfThem) {
  ScratchDir scratch;
  const std::string data = scratch.Sub("data");
  ASSERT_EQ(RunLabelloop({"init", "--data", data}).exit_code, 0);
  CommandResult upload = RunLabelloopOn(data, {"upload", ExamplesDir() + "/amazon_logo", "images_labeled_by_folder/amazon_logo"});
  ASSERT_EQ(upload.exit_code, 0) << upload;

  RunOptions slow;
  slow.timeout_s = 1800;  // 120 s (the default) killed it on 2 cores under `make test` load
  CommandResult train = RunLabelloopOn(data, {"train", "--wait"}, slow);
  ASSERT_EQ(train.exit_code, 0) << train;
  std::vector<Json> out_lines = ParseJsonLines(train.out);
  ASSERT_FALSE(out_lines.empty()) << train;
  const std::string version = out_lines.back().get<std::string>();  // a non-JSON line comes back as a string
  Json described = ParseJsonOrNull(RunLabelloopOn(data, {"models", "describe", version, "--json"}).out);
  EXPECT_EQ(described["status"], "TRAINING_COMPLETED") << described.dump(2);
  EXPECT_EQ(described["labels"], Json::array({"amazon_logo"}));
  ASSERT_EQ(RunLabelloopOn(data, {"models", "start", version}).exit_code, 0);

  // The amazon photo gets the label; without a second label to compete with, the
  // background class is what lets the model answer "none of them", so images of other
  // brands must not all get it (a degenerate one-label model says 100 to everything).
  // --min-confidence 0: every image's label, however low (by default, only those at or
  // above the label's assumed threshold are printed).
  CommandResult detect =
      RunLabelloopOn(data, {"detect", "--json", "--min-confidence", "0", ExamplesDir() + "/inference_images"});
  ASSERT_EQ(detect.exit_code, 0) << detect;
  std::vector<Json> lines = ParseJsonLines(detect.out);
  ASSERT_EQ(lines.size(), 10u) << detect;
  double lowest = 100;
  for (const auto& line : lines) {
    ASSERT_EQ(line["labels"].size(), 1u) << line.dump();
    EXPECT_EQ(line["labels"][0]["name"], "amazon_logo") << line.dump();
    const double confidence = line["labels"][0]["confidence"].get<double>();
    if (line["image"].get<std::string>().find("inference-image-10.jpeg") != std::string::npos) {
      EXPECT_GE(confidence, 70.0) << line.dump();  // the amazon photo
    } else {
      lowest = std::min(lowest, confidence);
    }
  }
  EXPECT_LT(lowest, 50.0) << detect.out;
}

}  // namespace
}  // namespace labelloop::cli_test
