// Black-box acceptance tests on the sample images: upload, train, models, detect and the
// bucket layout, against the sample model trained once per test run (sample_model.h).
// Each test works on its own copy of the trained data folder.
#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "sample_model.h"

namespace labelloop::cli_test {
namespace {
namespace fs = std::filesystem;

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

const std::set<std::string> kLabels = {"amazon_logo", "aws_logo"};

// The version named `name` in `models list --json` output, or null.
Json FindVersion(const Json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const auto& v : list) {
    if (v.value("name", "") == name) return v;
  }
  return nullptr;
}

// detect --json lines by their "image".
std::map<std::string, Json> ByImage(const std::vector<Json>& lines) {
  std::map<std::string, Json> out;
  for (const auto& l : lines) out[l.is_object() ? l.value("image", "") : l.dump()] = l;
  return out;
}

std::vector<std::string> ImageFileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The checks every successful detect --json line passes: the version, known labels with
// confidences in 0-100, highest first, each with its geometry.
void ExpectWellFormedResult(const Json& line, const std::string& version) {
  SCOPED_TRACE(line.dump());
  ASSERT_TRUE(line.is_object());
  EXPECT_FALSE(line.contains("error"));
  EXPECT_EQ(line.value("version", ""), version);
  ASSERT_TRUE(line.contains("labels") && line["labels"].is_array());
  double previous = 100;
  for (const auto& l : line["labels"]) {
    EXPECT_EQ(kLabels.count(l.value("name", "")), 1u);
    ASSERT_TRUE(l["confidence"].is_number());
    double c = l["confidence"].get<double>();
    EXPECT_GE(c, 0);
    EXPECT_LE(c, 100);
    EXPECT_LE(c, previous) << "labels not sorted by confidence";
    previous = c;
    // Where the label is: fractions of the image, a box inside it.
    ASSERT_TRUE(l.contains("geometry") && l["geometry"].is_object());
    const Json& g = l["geometry"];
    for (const char* field : {"left", "top", "width", "height"}) ASSERT_TRUE(g[field].is_number()) << field;
    EXPECT_GE(g["left"].get<double>(), 0);
    EXPECT_GE(g["top"].get<double>(), 0);
    EXPECT_GT(g["width"].get<double>(), 0);
    EXPECT_GT(g["height"].get<double>(), 0);
    EXPECT_LE(g["left"].get<double>() + g["width"].get<double>(), 1.0001);
    EXPECT_LE(g["top"].get<double>() + g["height"].get<double>(), 1.0001);
  }
}

class SampleModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { GetSampleModel(); }

  void SetUp() override {
    ASSERT_EQ(model().error, "");
    data_ = scratch_.Sub("data");
    CopySampleData(model(), data_);
  }

  static const SampleModel& model() { return GetSampleModel(); }
  const std::string& version() const { return model().version; }

  CommandResult Labelloop(const std::vector<std::string>& args, RunOptions options = {}) {
    return RunLabelloopOn(data_, args, std::move(options));
  }

  void StartModel() {
    CommandResult start = Labelloop({"models", "start", version()});
    ASSERT_EQ(start.exit_code, 0) << start;
  }

  // detect --json PATHS from the repository root, as a user in a checkout would.
  // `detect --json`, every label (--min-confidence 0) unless the test gives a minimum;
  // DetectWithoutMinimum runs the default (each label's assumed threshold).
  CommandResult Detect(std::vector<std::string> args) {
    if (std::find(args.begin(), args.end(), "--min-confidence") == args.end()) {
      args.insert(args.begin(), {"--min-confidence", "0"});
    }
    return DetectWithoutMinimum(std::move(args));
  }
  CommandResult DetectWithoutMinimum(std::vector<std::string> args) {
    args.insert(args.begin(), {"detect", "--json"});
    RunOptions o;
    o.cwd = SourceDir();
    return Labelloop(args, o);
  }

  ScratchDir scratch_;
  std::string data_;
};

TEST_F(SampleModelTest, UploadPutsFolderContentsUnderThePrefixInTheBucket) {
  for (const CommandResult* r : {&model().init, &model().upload_amazon, &model().upload_aws, &model().upload_corrupt}) {
    EXPECT_EQ(r->exit_code, 0) << *r;
  }
  for (const std::string label : {"amazon_logo", "aws_logo"}) {
    for (const auto& name : ImageFileNames(ExamplesDir() + "/" + label)) {
      std::string key = "images_labeled_by_folder/" + label + "/" + name;
      std::string on_disk = data_ + "/bucket/" + key;
      ASSERT_TRUE(fs::is_regular_file(on_disk)) << on_disk;
      EXPECT_EQ(ReadFileBytes(on_disk), ReadFileBytes(ExamplesDir() + "/" + label + "/" + name)) << key;
      const CommandResult& upload = label == "amazon_logo" ? model().upload_amazon : model().upload_aws;
      EXPECT_THAT(upload.out, HasSubstr(key)) << "upload lists the keys it wrote";
    }
  }
  EXPECT_TRUE(fs::is_regular_file(data_ + "/bucket/" + kCorruptTrainingKey));
}

TEST_F(SampleModelTest, TrainWaitPrintsTheVersionAndListShowsItCompletedWithF1) {
  EXPECT_EQ(model().train.exit_code, 0) << model().train;
  EXPECT_THAT(version(), ContainsRegex("^[A-Za-z0-9._-]+$")) << model().train;

  CommandResult list = Labelloop({"models", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list;
  Json v = FindVersion(ParseJsonOrNull(list.out), version());
  ASSERT_TRUE(v.is_object()) << list;
  EXPECT_EQ(v.value("status", ""), "TRAINING_COMPLETED") << v.dump(2);
  ASSERT_TRUE(v["f1"].is_number()) << v.dump(2);
  EXPECT_GE(v["f1"].get<double>(), 0);
  EXPECT_LE(v["f1"].get<double>(), 1);
  EXPECT_EQ(v["labels"], Json(std::vector<std::string>(kLabels.begin(), kLabels.end())));

  CommandResult text = Labelloop({"models", "list"});
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_THAT(text.out, AllOf(HasSubstr(version()), HasSubstr("TRAINING_COMPLETED")));
}

TEST_F(SampleModelTest, CorruptTrainingImageIsSkippedAndListedInTheStatusMessage) {
  EXPECT_THAT(model().train.err, HasSubstr(kCorruptTrainingKey)) << model().train;
  CommandResult describe = Labelloop({"models", "describe", version(), "--json"});
  ASSERT_EQ(describe.exit_code, 0) << describe;
  Json v = ParseJsonOrNull(describe.out);
  EXPECT_EQ(v.value("status", ""), "TRAINING_COMPLETED") << describe;
  EXPECT_THAT(v.value("status_message", ""), AllOf(HasSubstr("skipped 1"), HasSubstr(kCorruptTrainingKey))) << describe;
}

TEST_F(SampleModelTest, StartMakesTheVersionRunning) {
  CommandResult start = Labelloop({"models", "start", version()});
  ASSERT_EQ(start.exit_code, 0) << start;
  EXPECT_THAT(start.out, AllOf(HasSubstr(version()), HasSubstr("RUNNING"))) << start;

  CommandResult list = Labelloop({"models", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list;
  Json all = ParseJsonOrNull(list.out);
  EXPECT_EQ(FindVersion(all, version()).value("status", ""), "RUNNING") << list;
  int running = 0;
  for (const auto& v : all) running += v.value("status", "") == "RUNNING";
  EXPECT_EQ(running, 1);

  CommandResult again = Labelloop({"models", "start", version(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(ParseJsonOrNull(again.out).value("status", ""), "RUNNING") << again;
}

TEST_F(SampleModelTest, DetectReportsEveryInferenceImageUnderTheGivenPath) {
  StartModel();
  const std::string given = "examples/inference_images";
  CommandResult detect = Detect({given});
  ASSERT_EQ(detect.exit_code, 0) << detect;
  std::vector<Json> lines = ParseJsonLines(detect.out);
  ASSERT_EQ(lines.size(), 10u) << detect;
  std::map<std::string, Json> by_image = ByImage(lines);
  std::vector<std::string> expected_images;
  for (const auto& name : ImageFileNames(ExamplesDir() + "/inference_images")) expected_images.push_back(given + "/" + name);
  std::vector<std::string> images;
  for (const auto& [image, line] : by_image) images.push_back(image);
  EXPECT_EQ(images, expected_images);
  for (const auto& line : lines) ExpectWellFormedResult(line, version());

  auto labels_of = [&](const std::string& name) { return by_image[given + "/" + name]["labels"]; };
  const Json amazon = labels_of("inference-image-10.jpeg");
  ASSERT_FALSE(amazon.empty()) << detect;
  EXPECT_EQ(amazon[0].value("name", ""), "amazon_logo") << amazon.dump();
  EXPECT_GE(amazon[0].value("confidence", 0.0), 70) << amazon.dump();
  // A PNG with transparency decodes (composited on white) instead of being an error line.
  EXPECT_EQ(labels_of("inference-image-4.png").size(), kLabels.size()) << detect;
}

// Issue #2's open-set target on the samples: the Whole Foods logos (1, 2, 3, 5), a brand
// the model was never shown, stay under the 70 review threshold. Across 9 training seeds
// of the default method the highest of them scored 66 (docs/experiments.md, "Sample
// images").
TEST_F(SampleModelTest, WholeFoodsLogosStayUnderTheReviewThreshold) {
  StartModel();
  const std::string given = "examples/inference_images";
  CommandResult detect = Detect({given});
  ASSERT_EQ(detect.exit_code, 0) << detect;
  std::map<std::string, Json> by_image = ByImage(ParseJsonLines(detect.out));
  for (const std::string name : {"inference-image-1.png", "inference-image-2.jpeg", "inference-image-3.png",
                                 "inference-image-5.png"}) {
    const Json labels = by_image[given + "/" + name]["labels"];
    for (const auto& l : labels) EXPECT_LT(l.value("confidence", 100.0), 70) << name << ": " << labels.dump();
  }
}

TEST_F(SampleModelTest, DetectMaxResultsAndMinConfidenceFilterLabels) {
  StartModel();
  const std::string given = "examples/inference_images";
  CommandResult all = Detect({given});
  ASSERT_EQ(all.exit_code, 0) << all;
  std::map<std::string, Json> full = ByImage(ParseJsonLines(all.out));
  ASSERT_EQ(full.size(), 10u) << all;

  CommandResult one = Detect({"--max-results", "1", given});
  ASSERT_EQ(one.exit_code, 0) << one;
  std::map<std::string, Json> top = ByImage(ParseJsonLines(one.out));
  ASSERT_EQ(top.size(), full.size()) << one;
  for (const auto& [image, line] : top) {
    ASSERT_EQ(line["labels"].size(), 1u) << line.dump();
    EXPECT_EQ(line["labels"][0], full[image]["labels"][0]) << image;
  }

  CommandResult confident = Detect({"--min-confidence", "50", given});
  ASSERT_EQ(confident.exit_code, 0) << confident;
  std::map<std::string, Json> kept = ByImage(ParseJsonLines(confident.out));
  ASSERT_EQ(kept.size(), full.size()) << confident;
  int dropped = 0;
  for (const auto& [image, line] : kept) {
    Json expected = Json::array();
    for (const auto& l : full[image]["labels"]) {
      if (l.value("confidence", 0.0) >= 50) expected.push_back(l);
      else ++dropped;
    }
    EXPECT_EQ(line["labels"], expected) << image;
  }
  EXPECT_GT(dropped, 0) << "the sample images should have labels under 50 to drop";
}

// Issue 15 item 2: without --min-confidence each label is kept only at or above its own
// assumed threshold (the evaluation's), and every label says what that threshold is.
TEST_F(SampleModelTest, DetectWithoutAMinimumKeepsEachLabelAtOrAboveItsAssumedThreshold) {
  StartModel();
  CommandResult describe = Labelloop({"models", "describe", version(), "--json"});
  ASSERT_EQ(describe.exit_code, 0) << describe;
  std::map<std::string, double> thresholds;
  const Json described = ParseJsonOrNull(describe.out);  // kept alive across the loop
  for (const Json& l : described["evaluation"]["labels"]) {
    thresholds[l.value("name", "")] = l.value("assumed_threshold", -1.0);
  }
  ASSERT_EQ(thresholds.size(), kLabels.size()) << describe;
  const std::string given = "examples/inference_images";
  std::map<std::string, Json> all = ByImage(ParseJsonLines(Detect({given}).out));
  CommandResult filtered = DetectWithoutMinimum({given});
  ASSERT_EQ(filtered.exit_code, 0) << filtered;
  std::map<std::string, Json> kept = ByImage(ParseJsonLines(filtered.out));
  ASSERT_EQ(kept.size(), 10u) << filtered;
  for (const auto& [image, line] : all) {
    Json expected = Json::array();
    for (const Json& l : line["labels"]) {
      const std::string name = l.value("name", "");
      EXPECT_NEAR(l.value("assumed_threshold", -1.0), thresholds[name], 0.001) << l.dump();
      if (l.value("confidence", 0.0) >= l.value("assumed_threshold", 0.0)) expected.push_back(l);
    }
    EXPECT_EQ(kept[image]["labels"], expected) << image;
  }
}

TEST_F(SampleModelTest, DescribeShowsTheEvaluationInTextAndJson) {
  CommandResult text = Labelloop({"models", "describe", version()});
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_THAT(text.out, AllOf(HasSubstr(version()), HasSubstr("TRAINING_COMPLETED"), HasSubstr("macro F1"),
                              ContainsRegex("LABEL +PRECISION +RECALL +F1"), HasSubstr("amazon_logo"),
                              HasSubstr("aws_logo"), HasSubstr("Confusion matrix"), HasSubstr("Calibration:"),
                              HasSubstr("expected calibration error")))
      << text;

  CommandResult json = Labelloop({"models", "describe", version(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json;
  Json v = ParseJsonOrNull(json.out);
  ASSERT_TRUE(v.is_object()) << json;
  const Json& e = v["evaluation"];
  ASSERT_TRUE(e.is_object()) << json;
  ASSERT_TRUE(e["macro_f1"].is_number()) << e.dump(2);
  EXPECT_EQ(e["macro_f1"], v["f1"]);
  ASSERT_TRUE(e["labels"].is_array());
  std::set<std::string> evaluated;
  for (const auto& l : e["labels"]) {
    evaluated.insert(l.value("name", ""));
    for (const char* field : {"precision", "recall", "f1", "support", "assumed_threshold"}) {
      EXPECT_TRUE(l.contains(field) && l[field].is_number()) << field << " in " << l.dump();
    }
  }
  EXPECT_EQ(evaluated, kLabels);
  EXPECT_TRUE(e["confusion_matrix"].is_object()) << e.dump(2);
  EXPECT_EQ(e["confusion_matrix"]["true_labels"].size(), kLabels.size()) << e.dump(2);
  ASSERT_TRUE(e["test_images"].is_array());
  EXPECT_FALSE(e["test_images"].empty());
  // Calibration on the held-out images: too few here to fit a temperature.
  const Json& calibration = e["calibration"];
  ASSERT_TRUE(calibration.is_object()) << e.dump(2);
  EXPECT_EQ(calibration.value("bins", 0), 15);
  EXPECT_EQ(calibration.value("images", 0), e["test_images"].size());
  EXPECT_EQ(calibration.value("temperature", 0.0), 1.0);
  for (const char* field : {"ece", "ece_uncalibrated"}) {
    ASSERT_TRUE(calibration[field].is_number()) << field;
    EXPECT_GE(calibration[field].get<double>(), 0.0);
    EXPECT_LE(calibration[field].get<double>(), 100.0);
  }

  // The same evaluation is an object in the bucket.
  const std::string evaluation_key = "evaluation/" + version() + "/evaluation.json";
  EXPECT_EQ(v.value("evaluation_key", ""), evaluation_key);
  Json stored = ParseJsonOrNull(ReadFileBytes(data_ + "/bucket/" + evaluation_key));
  ASSERT_TRUE(stored.is_object()) << evaluation_key;
  EXPECT_EQ(stored["macro_f1"], e["macro_f1"]);
  EXPECT_EQ(stored["labels"], e["labels"]);
  EXPECT_EQ(stored["confusion_matrix"], e["confusion_matrix"]);
}

TEST_F(SampleModelTest, ManifestListsEveryLabelledImageAsGroundTruthLines) {
  const std::string manifest_key = "manifests/" + version() + ".manifest";
  std::string text = ReadFileBytes(data_ + "/bucket/" + manifest_key);
  ASSERT_FALSE(text.empty()) << manifest_key;
  std::set<std::string> refs;
  for (const Json& line : ParseJsonLines(text)) {
    SCOPED_TRACE(line.dump());
    ASSERT_TRUE(line.is_object());
    std::string ref = line.value("source-ref", "");
    refs.insert(ref);
    const Json& meta = line["class-metadata"];
    ASSERT_TRUE(meta.is_object());
    EXPECT_EQ("images_labeled_by_folder/" + meta.value("class-name", "") + "/", ref.substr(0, ref.rfind('/') + 1));
    EXPECT_EQ(meta.value("human-annotated", ""), "no");
    EXPECT_THAT(meta.value("creation-date", ""), ContainsRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"));
    EXPECT_EQ(meta.value("type", ""), "groundtruth/image-classification");
  }
  std::set<std::string> uploaded = {kCorruptTrainingKey};
  for (const std::string label : {"amazon_logo", "aws_logo"}) {
    for (const auto& name : ImageFileNames(ExamplesDir() + "/" + label)) {
      uploaded.insert("images_labeled_by_folder/" + label + "/" + name);
    }
  }
  EXPECT_EQ(refs, uploaded);
}

TEST_F(SampleModelTest, BadImagesGetErrorLinesWhileTheOthersStillRun) {
  StartModel();
  // Inside a sub-folder, to check the recursive walk too.
  const std::string dir = scratch_.Sub("images");
  const std::string jpeg = ReadFileBytes(ExamplesDir() + "/aws_logo/aws-2.jpg");
  std::string noise(4096, '\0');
  std::mt19937 random(7);
  for (char& c : noise) c = char(random());
  WriteFileBytes(dir + "/broken/empty.jpg", "");
  WriteFileBytes(dir + "/broken/half.jpg", jpeg.substr(0, jpeg.size() / 2));
  WriteFileBytes(dir + "/broken/animated.gif", std::string("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 13));
  WriteFileBytes(dir + "/broken/noise.png", noise);
  WriteFileBytes(dir + "/good/amazon.jpeg", ReadFileBytes(ExamplesDir() + "/inference_images/inference-image-10.jpeg"));
  WriteFileBytes(dir + "/good/aws.jpg", jpeg);

  CommandResult detect = Detect({dir});
  EXPECT_NE(detect.exit_code, 0) << detect;
  std::map<std::string, Json> by_image = ByImage(ParseJsonLines(detect.out));
  ASSERT_EQ(by_image.size(), 6u) << detect;
  for (const std::string bad : {"empty.jpg", "half.jpg", "animated.gif", "noise.png"}) {
    const std::string path = dir + "/broken/" + bad;
    const Json& line = by_image[path];
    SCOPED_TRACE(line.dump());
    ASSERT_TRUE(line.contains("error")) << detect;
    EXPECT_FALSE(line.contains("labels"));
    EXPECT_FALSE(line["error"].value("code", "").empty());
    EXPECT_THAT(line["error"].value("message", ""), HasSubstr(path));
  }
  for (const std::string good : {"amazon.jpeg", "aws.jpg"}) {
    const Json& line = by_image[dir + "/good/" + good];
    ExpectWellFormedResult(line, version());
    EXPECT_EQ(line["labels"].size(), kLabels.size()) << line.dump();
  }
  EXPECT_EQ(by_image[dir + "/good/amazon.jpeg"]["labels"][0].value("name", ""), "amazon_logo") << detect;

  // The table output reports them too, and fails the same way.
  CommandResult table = Labelloop({"detect", dir});
  EXPECT_NE(table.exit_code, 0) << table;
  EXPECT_THAT(table.out, AllOf(HasSubstr(dir + "/broken/half.jpg"), HasSubstr("truncated"),
                               HasSubstr(dir + "/good/amazon.jpeg"), HasSubstr("amazon_logo")))
      << table;
}

TEST_F(SampleModelTest, DetectNeedsARunningVersionUnlessOneIsNamed) {
  const std::string image = ExamplesDir() + "/inference_images/inference-image-10.jpeg";
  auto expect_refused = [&](const CommandResult& r) {
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, AllOf(HasSubstr("RUNNING"), HasSubstr("models start"))) << r;
    EXPECT_EQ(r.out, "") << r;
  };
  SCOPED_TRACE("never started");
  expect_refused(Labelloop({"detect", "--json", image}));

  StartModel();
  CommandResult stop = Labelloop({"models", "stop", version()});
  ASSERT_EQ(stop.exit_code, 0) << stop;
  EXPECT_THAT(stop.out, HasSubstr("STOPPED")) << stop;
  CommandResult list = Labelloop({"models", "list", "--json"});
  EXPECT_EQ(FindVersion(ParseJsonOrNull(list.out), version()).value("status", ""), "STOPPED") << list;
  SCOPED_TRACE("stopped");
  expect_refused(Labelloop({"detect", "--json", image}));

  // Naming a version runs it even when stopped.
  CommandResult named = Labelloop({"detect", "--json", "--version", version(), image});
  ASSERT_EQ(named.exit_code, 0) << named;
  std::vector<Json> lines = ParseJsonLines(named.out);
  ASSERT_EQ(lines.size(), 1u) << named;
  EXPECT_EQ(lines[0].value("image", ""), image);
  ExpectWellFormedResult(lines[0], version());
  EXPECT_EQ(lines[0]["labels"][0].value("name", ""), "amazon_logo") << named;
}

TEST_F(SampleModelTest, SeveralWorkersPrintTheSameLinesInInputOrder) {
  StartModel();
  const std::string dir = scratch_.Sub("images");
  const std::string jpeg = ReadFileBytes(ExamplesDir() + "/aws_logo/aws-2.jpg");
  WriteFileBytes(dir + "/a/half.jpg", jpeg.substr(0, jpeg.size() / 2));
  for (const auto& name : ImageFileNames(ExamplesDir() + "/inference_images")) {
    WriteFileBytes(dir + "/b/" + name, ReadFileBytes(ExamplesDir() + "/inference_images/" + name));
  }
  WriteFileBytes(dir + "/c/empty.png", "");
  const std::string missing = dir + "/missing.jpg";
  std::vector<std::string> expected = {missing, dir + "/a/half.jpg"};  // missing paths first, then the walk
  for (const auto& name : ImageFileNames(dir + "/b")) expected.push_back(dir + "/b/" + name);
  expected.push_back(dir + "/c/empty.png");

  CommandResult one = Detect({"--workers", "1", dir, missing});
  EXPECT_EQ(one.exit_code, 1) << one;
  std::vector<std::string> images;
  for (const auto& line : ParseJsonLines(one.out)) images.push_back(line.is_object() ? line.value("image", "") : line.dump());
  EXPECT_EQ(images, expected) << one;
  std::map<std::string, Json> by_image = ByImage(ParseJsonLines(one.out));
  for (const std::string& error : {missing, dir + "/a/half.jpg", dir + "/c/empty.png"}) {
    EXPECT_TRUE(by_image[error].contains("error")) << by_image[error].dump();
  }
  for (const std::vector<std::string>& workers : {std::vector<std::string>{"--workers", "3"}, std::vector<std::string>{}}) {
    std::vector<std::string> args = workers;
    args.insert(args.end(), {dir, missing});
    CommandResult many = Detect(args);
    EXPECT_EQ(many.exit_code, 1) << many;
    EXPECT_EQ(many.out, one.out) << "workers: " << (workers.empty() ? "default" : workers[1]);
  }
  CommandResult table_one = Labelloop({"detect", "--workers", "1", dir});
  CommandResult table_many = Labelloop({"detect", "--workers", "4", dir});
  EXPECT_EQ(table_many.out, table_one.out) << table_many;

  CommandResult bad = Labelloop({"detect", "--workers", "-1", dir});
  EXPECT_EQ(bad.exit_code, 2) << bad;
  EXPECT_THAT(bad.err, HasSubstr("--workers")) << bad;
}

}  // namespace
}  // namespace labelloop::cli_test
