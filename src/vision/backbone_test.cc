// Backbone tests. The conversion test compares the ONNX that scripts/fetch-backbone.sh
// produced with TF.js activations of the original model on the same float input
// (tests/backbone/make-reference.sh). Tests that need those files skip when the reference
// is missing; `scripts/fetch-backbone.sh --with-reference` produces everything.
#include "vision/backbone.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "common/json_util.h"

namespace labelloop::vision {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxAbsDiff = 1e-3;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string OnnxPath() {
  return EnvOr("LABELLOOP_BACKBONE_ONNX", std::string(LABELLOOP_SOURCE_DIR) + "/var/models/mobilenet_v2.onnx");
}

std::string ReferenceDir() {
  return EnvOr("LABELLOOP_BACKBONE_REFERENCE", std::string(LABELLOOP_SOURCE_DIR) + "/var/backbone-reference");
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<float> ReadFloats(const std::string& path, size_t count) {
  std::string bytes = ReadBytes(path);
  EXPECT_EQ(bytes.size(), count * sizeof(float)) << path;
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

BackboneConfig Config(std::vector<std::string> outputs) {
  BackboneConfig c;
  c.onnx_path = OnnxPath();
  c.output_names = std::move(outputs);
  return c;
}

// A fixed 8-bit BGR test image (what a decoded photo looks like to the backbone).
cv::Mat TestImage(int width, int height) {
  cv::Mat img(height, width, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(256));
  cv::GaussianBlur(img, img, cv::Size(5, 5), 0);
  return img;
}

TEST(BackboneTest, MissingModelIsNotFound) {
  BackboneConfig c;
  c.onnx_path = testing::TempDir() + "/no-such-model.onnx";
  c.output_names = {"out_relu"};
  Result<std::unique_ptr<Backbone>> b = Backbone::Open(c);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kNotFound) << b.status().ToString();
}

TEST(BackboneTest, BadConfigIsInvalidArgument) {
  BackboneConfig c;
  c.onnx_path = WriteTemp("unused.onnx", "x");
  EXPECT_EQ(Backbone::Open(c).status().code(), StatusCode::kInvalidArgument);  // no outputs
  c.output_names = {"out_relu"};
  c.scale = 0;
  EXPECT_EQ(Backbone::Open(c).status().code(), StatusCode::kInvalidArgument);
}

TEST(BackboneTest, GarbageModelIsInvalidArgument) {
  BackboneConfig c;
  c.onnx_path = WriteTemp("garbage.onnx", std::string("\x08\x05\x12\xff\xff\xff\xff\x0fnot an onnx model", 26));
  c.output_names = {"out_relu"};
  Result<std::unique_ptr<Backbone>> b = Backbone::Open(c);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << b.status().ToString();
}

// Tests below need the fetched model and the reference.
class BackboneModelTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(ReferenceDir() + "/index.json")) {
      GTEST_SKIP() << "no backbone reference in " << ReferenceDir()
                   << ": run scripts/fetch-backbone.sh --with-reference";
    }
    ASSERT_TRUE(fs::exists(OnnxPath())) << OnnxPath() << " missing although the reference exists: "
                                        << "run scripts/fetch-backbone.sh";
  }

  std::unique_ptr<Backbone> OpenOrDie(BackboneConfig config) {
    Result<std::unique_ptr<Backbone>> b = Backbone::Open(config);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(b).value() : nullptr;
  }
};

TEST_F(BackboneModelTest, TruncatedModelIsInvalidArgument) {
  std::string bytes = ReadBytes(OnnxPath());
  BackboneConfig c = Config({"out_relu"});
  c.onnx_path = WriteTemp("truncated.onnx", bytes.substr(0, bytes.size() / 2));
  Result<std::unique_ptr<Backbone>> b = Backbone::Open(c);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << b.status().ToString();
}

TEST_F(BackboneModelTest, UnknownOutputIsInvalidArgumentAndListsOutputs) {
  Result<std::unique_ptr<Backbone>> b = Backbone::Open(Config({"block_10_project_BN", "no_such_layer"}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("no_such_layer"), std::string::npos) << b.status().message();
  EXPECT_NE(b.status().message().find("out_relu"), std::string::npos) << b.status().message();
}

TEST_F(BackboneModelTest, OutputsOfDifferentSizesAreInvalidArgument) {
  Result<std::unique_ptr<Backbone>> b = Backbone::Open(Config({"block_10_project_BN", "out_relu"}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("out_relu"), std::string::npos) << b.status().message();
}

TEST_F(BackboneModelTest, ConcatenatesOutputsOnChannelsInOrder) {
  auto both = OpenOrDie(Config({"block_10_project_BN", "block_12_add"}));
  auto first = OpenOrDie(Config({"block_10_project_BN"}));
  auto second = OpenOrDie(Config({"block_12_add"}));
  ASSERT_TRUE(both && first && second);
  EXPECT_EQ(both->channels(), 192);
  cv::Mat img = TestImage(224, 224);
  Result<FeatureMap> m = both->Extract(img, cv::Size(224, 224));
  Result<FeatureMap> a = first->Extract(img, cv::Size(224, 224));
  Result<FeatureMap> b = second->Extract(img, cv::Size(224, 224));
  ASSERT_TRUE(m.ok() && a.ok() && b.ok()) << m.status().ToString();
  EXPECT_EQ(m->channels, 192);
  EXPECT_EQ(m->height, 14);
  EXPECT_EQ(m->width, 14);
  std::vector<float> expected = a->data;
  expected.insert(expected.end(), b->data.begin(), b->data.end());
  ASSERT_EQ(m->data.size(), expected.size());
  float max_diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) max_diff = std::max(max_diff, std::abs(m->data[i] - expected[i]));
  EXPECT_LE(max_diff, 1e-5);
}

TEST_F(BackboneModelTest, IdCoversModelOutputsAndPreprocessing) {
  auto a = OpenOrDie(Config({"block_10_project_BN"}));
  auto a_again = OpenOrDie(Config({"block_10_project_BN"}));
  auto other_output = OpenOrDie(Config({"block_12_add"}));
  BackboneConfig unit_range = Config({"block_10_project_BN"});
  unit_range.scale = 1.0 / 255;
  unit_range.mean = 0;
  auto other_preprocessing = OpenOrDie(unit_range);
  ASSERT_TRUE(a && a_again && other_output && other_preprocessing);
  EXPECT_EQ(a->id().size(), 16u);
  EXPECT_EQ(a->id(), a_again->id());
  EXPECT_NE(a->id(), other_output->id());
  EXPECT_NE(a->id(), other_preprocessing->id());
}

TEST_F(BackboneModelTest, ExtractRejectsBadImages) {
  auto b = OpenOrDie(Config({"block_10_project_BN"}));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->Extract(cv::Mat(), cv::Size(224, 224)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b->Extract(cv::Mat(64, 64, CV_8UC1, cv::Scalar(0)), cv::Size(224, 224)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(b->Extract(TestImage(64, 64), cv::Size(0, 224)).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BackboneModelTest, RunsAtOtherAndNonSquareSizes) {
  BackboneConfig c = Config({"block_10_project_BN", "block_12_add"});
  c.threads = 1;
  auto b = OpenOrDie(c);
  ASSERT_TRUE(b);
  EXPECT_EQ(cv::getNumThreads(), 1);
  struct Case {
    cv::Size size;
    int height, width;
  };
  for (Case k : {Case{{320, 320}, 20, 20}, Case{{448, 448}, 28, 28}, Case{{320, 224}, 14, 20}}) {
    Result<FeatureMap> m = b->Extract(TestImage(500, 375), k.size);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->channels, 192);
    EXPECT_EQ(m->height, k.height) << k.size;
    EXPECT_EQ(m->width, k.width) << k.size;
  }
}

// The reference cases: one per input size, each with the input pattern and activations.
struct RefCase {
  int size = 0;
  std::string onnx;  // synthetic cases: the model converted for this case
  cv::Mat bgr;
  std::vector<float> input;  // 1x3xSxS, the tensor TF.js ran on
  Json outputs;
};

std::vector<RefCase> LoadReference(const std::string& dir, Json* index) {
  Result<Json> parsed = ParseJson(ReadBytes(dir + "/index.json"), dir + "/index.json");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (!parsed.ok()) return {};
  *index = *parsed;
  std::vector<RefCase> cases;
  for (const Json& c : (*index)["cases"]) {
    RefCase r;
    r.size = c["size"].get<int>();
    if (c.contains("onnx")) r.onnx = dir + "/" + c["onnx"].get<std::string>();
    std::string rgb = ReadBytes(dir + "/" + c["input_rgb"].get<std::string>());
    EXPECT_EQ(rgb.size(), static_cast<size_t>(r.size) * r.size * 3);
    cv::Mat rgb_mat(r.size, r.size, CV_8UC3, rgb.data());
    cv::cvtColor(rgb_mat, r.bgr, cv::COLOR_RGB2BGR);
    r.input = ReadFloats(dir + "/" + c["input_f32"].get<std::string>(), 3ul * r.size * r.size);
    r.outputs = c["outputs"];
    cases.push_back(std::move(r));
  }
  return cases;
}

// Both sides see the same float tensor: what Backbone feeds OpenCV equals what TF.js ran on.
TEST_F(BackboneModelTest, PreprocessingMatchesReferenceInput) {
  Json index;
  std::vector<RefCase> cases = LoadReference(ReferenceDir(), &index);
  ASSERT_FALSE(cases.empty());
  const double scale = index["preprocessing"]["scale"].get<double>();
  const double mean = index["preprocessing"]["mean"].get<double>();
  for (const RefCase& r : cases) {
    cv::Mat blob = cv::dnn::blobFromImage(r.bgr, scale, cv::Size(), cv::Scalar::all(mean / scale), true, false);
    ASSERT_EQ(blob.total(), r.input.size());
    double max_diff = 0;
    for (size_t i = 0; i < r.input.size(); ++i) {
      max_diff = std::max(max_diff, static_cast<double>(std::abs(blob.ptr<float>()[i] - r.input[i])));
    }
    EXPECT_EQ(max_diff, 0.0) << "input " << r.size;
  }
}

// Runs each reference layer through a Backbone asking for that layer alone and compares.
void ExpectMatchesReference(const std::string& dir, const std::string& default_onnx, const char* what) {
  Json index;
  std::vector<RefCase> cases = LoadReference(dir, &index);
  ASSERT_FALSE(cases.empty()) << dir;
  for (const RefCase& r : cases) {
    for (const auto& item : r.outputs.items()) {
      const std::string layer = item.key();
      BackboneConfig c;
      c.onnx_path = r.onnx.empty() ? default_onnx : r.onnx;
      c.output_names = {layer};
      c.scale = index["preprocessing"]["scale"].get<double>();
      c.mean = index["preprocessing"]["mean"].get<double>();
      c.swap_rb = index["preprocessing"]["swap_rb"].get<bool>();
      c.probe_size = r.size;
      Result<std::unique_ptr<Backbone>> b = Backbone::Open(c);
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      const Json& out = item.value();
      const int ch = out["shape"][0].get<int>(), h = out["shape"][1].get<int>(), w = out["shape"][2].get<int>();
      std::vector<float> expected = ReadFloats(dir + "/" + out["file"].get<std::string>(), static_cast<size_t>(ch) * h * w);
      Result<FeatureMap> m = (*b)->Extract(r.bgr, cv::Size(r.size, r.size));
      ASSERT_TRUE(m.ok()) << m.status().ToString();
      ASSERT_EQ(m->channels, ch) << layer << " @" << r.size;
      ASSERT_EQ(m->height, h) << layer << " @" << r.size;
      ASSERT_EQ(m->width, w) << layer << " @" << r.size;
      double max_diff = 0, max_ref = 0;
      for (size_t i = 0; i < expected.size(); ++i) {
        max_diff = std::max(max_diff, static_cast<double>(std::abs(m->data[i] - expected[i])));
        max_ref = std::max(max_ref, static_cast<double>(std::abs(expected[i])));
      }
      std::printf("[ %s ] %-20s %3dx%-3d max |onnx - tfjs| = %.2e (max |tfjs| = %.2f)\n", what, layer.c_str(), r.size,
                  r.size, max_diff, max_ref);
      EXPECT_LE(max_diff, kMaxAbsDiff) << layer << " @" << r.size;
      EXPECT_GT(max_ref, 0.1) << layer << " @" << r.size << ": reference is all zeros";
    }
  }
}

// The default backbone, at 224, 300 (odd feature-map sizes), 320 and 448.
TEST_F(BackboneModelTest, MatchesTfjsReference) {
  ExpectMatchesReference(ReferenceDir(), OnnxPath(), "mobilenet_v2");
}

// Converter layers MobileNetV2 does not use: stride-2 'same' padding (asymmetric), depth
// multiplier, dilation, standalone batch norm, concat, pooling, flatten + dense, softmax.
TEST_F(BackboneModelTest, SyntheticModelMatchesTfjs) {
  ExpectMatchesReference(ReferenceDir() + "/synthetic", "", "synthetic");
}

}  // namespace
}  // namespace labelloop::vision
