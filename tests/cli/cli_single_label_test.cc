// A single label is allowed: the model then answers "this label, or none of them", so an
// image of something else gets low confidence instead of the only label by default.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {

TEST(CliSingleLabelTest, OneLabelTrainsAndRejectsOtherLogos) {
  ScratchDir scratch;
  const std::string data = scratch.Sub("data");
  ASSERT_EQ(RunLabelloop({"init", "--data", data}).exit_code, 0);
  CommandResult upload = RunLabelloopOn(data, {"upload", ExamplesDir() + "/amazon_logo", "images_labeled_by_folder/amazon_logo"});
  ASSERT_EQ(upload.exit_code, 0) << upload;

  CommandResult train = RunLabelloopOn(data, {"train", "--wait"});
  ASSERT_EQ(train.exit_code, 0) << train;
  std::vector<Json> out_lines = ParseJsonLines(train.out);
  ASSERT_FALSE(out_lines.empty()) << train;
  const std::string version = out_lines.back().get<std::string>();  // a non-JSON line comes back as a string
  Json described = ParseJsonOrNull(RunLabelloopOn(data, {"models", "describe", version, "--json"}).out);
  EXPECT_EQ(described["status"], "TRAINING_COMPLETED") << described.dump(2);
  EXPECT_EQ(described["labels"], Json::array({"amazon_logo"}));
  ASSERT_EQ(RunLabelloopOn(data, {"models", "start", version}).exit_code, 0);

  const std::string inference = ExamplesDir() + "/inference_images/";
  CommandResult detect = RunLabelloopOn(
      data, {"detect", "--json", inference + "inference-image-10.jpeg", inference + "inference-image-1.png"});
  ASSERT_EQ(detect.exit_code, 0) << detect;
  std::vector<Json> lines = ParseJsonLines(detect.out);
  ASSERT_EQ(lines.size(), 2u) << detect;
  ASSERT_EQ(lines[0]["labels"].size(), 1u) << lines[0].dump();
  EXPECT_EQ(lines[0]["labels"][0]["name"], "amazon_logo");
  EXPECT_GE(lines[0]["labels"][0]["confidence"].get<double>(), 70.0) << lines[0].dump();  // the amazon photo
  EXPECT_LT(lines[1]["labels"][0]["confidence"].get<double>(), 70.0) << lines[1].dump();  // a Whole Foods logo
}

}  // namespace
}  // namespace labelloop::cli_test
