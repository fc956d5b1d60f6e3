// The exported graph against the code it replaces: an ONNX file built from the real
// backbone and random heads, run by OpenCV DNN on letterboxed images, must give what
// Classifier::Classify gives (the path `detect` takes) for the same heads.
#include "model/onnx_export.h"

#include <filesystem>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "common/file_util.h"
#include "model/classifier.h"
#include "model/feature_maps.h"
#include "vision/image_decoder.h"

namespace labelloop::model {
namespace {

HeadWeights RandomHead(std::mt19937& rng, int in, int hidden, int classes, int kernel) {
  std::normal_distribution<float> dist(0.0f, 0.15f);
  HeadWeights w;
  w.in_channels = in;
  w.hidden = hidden;
  w.classes = classes;
  w.kernel = kernel;
  w.lse_sharpness = 5.0f;
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n);
    for (float& x : v) x = dist(rng);
  };
  fill(w.conv1_weight, size_t(hidden) * in * kernel * kernel);
  fill(w.conv1_bias, hidden);
  fill(w.conv2_weight, size_t(classes) * hidden);
  fill(w.conv2_bias, classes);
  for (float& b : w.conv2_bias) b *= 10;  // spread the classes, so confidences are not all ~33
  return w;
}

class OnnxExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.onnx_path = std::string(LABELLOOP_SOURCE_DIR) + "/var/models/mobilenet_v2.onnx";
    if (!std::filesystem::exists(config_.onnx_path)) {
      GTEST_SKIP() << "no backbone at " << config_.onnx_path << " (scripts/fetch-backbone.sh)";
    }
    config_.output_names = {"block_10_project_BN"};
    std::mt19937 rng(7);
    for (int m = 0; m < 3; ++m) heads_.push_back(RandomHead(rng, 96, 16, 4, 3));
  }

  OnnxExportSpec Spec(const vision::BackboneConfig& config, std::vector<int> sizes) {
    OnnxExportSpec spec;
    Result<std::string> bytes = ReadFileBytes(config.onnx_path);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    spec.backbone_onnx = bytes.ok() ? *bytes : "";
    spec.backbone_outputs = config.output_names;
    spec.scale = config.scale;
    spec.mean = config.mean;
    spec.swap_rb = config.swap_rb;
    spec.sizes = std::move(sizes);
    spec.labels = labels_;
    spec.heads = heads_;
    spec.metadata = {{"version", "v-test"}, {"labels", "[\"a\",\"b\",\"c\"]"}};
    return spec;
  }

  // Confidences of every label: the exported file through OpenCV, and Classify.
  void ExpectSameAsClassify(const vision::BackboneConfig& config, const std::vector<int>& sizes,
                            const std::vector<cv::Mat>& images, double temperature = 1.0) {
    OnnxExportSpec spec = Spec(config, sizes);
    spec.temperature = temperature;
    Result<std::string> onnx = BuildOnnxModel(spec);
    ASSERT_TRUE(onnx.ok()) << onnx.status().ToString();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx->data(), onnx->size());
    Result<std::unique_ptr<vision::Backbone>> backbone = vision::Backbone::Open(config);
    ASSERT_TRUE(backbone.ok()) << backbone.status().ToString();
    FeatureSource features(backbone->get(), nullptr);
    Result<std::unique_ptr<Classifier>> classifier = Classifier::Create(heads_, labels_, sizes);
    ASSERT_TRUE(classifier.ok()) << classifier.status().ToString();
    (*classifier)->set_temperature(temperature);
    for (size_t i = 0; i < images.size(); ++i) {
      for (int size : sizes) {
        // RGB, 0-255, NCHW: what docs/export.md tells users to feed.
        net.setInput(cv::dnn::blobFromImage(Letterbox(images[i], size), 1.0, cv::Size(), cv::Scalar(), true, false, CV_32F),
                     OnnxInputName(size));
      }
      cv::Mat out = net.forward(kOnnxOutputName);
      ASSERT_EQ(out.total(), labels_.size());
      Result<std::vector<LabelConfidence>> expected = (*classifier)->Classify(features, images[i]);
      ASSERT_TRUE(expected.ok()) << expected.status().ToString();
      double total = 0;
      for (const LabelConfidence& lc : *expected) {
        size_t index = std::find(labels_.begin(), labels_.end(), lc.name) - labels_.begin();
        EXPECT_NEAR(out.ptr<float>()[index], lc.confidence_pct, 0.01) << "image " << i << " label " << lc.name;
        total += lc.confidence_pct;
      }
      EXPECT_GT(total, 1.0) << "image " << i << ": the background takes everything, a weak comparison";
    }
  }

  std::vector<cv::Mat> Images() {
    std::vector<cv::Mat> images;
    for (const char* name : {"amazon_logo/amazon-5.jpeg", "aws_logo/aws-1.png", "inference_images/inference-image-4.png"}) {
      Result<std::string> bytes = ReadFileBytes(std::string(LABELLOOP_SOURCE_DIR) + "/examples/" + name);
      EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
      Result<cv::Mat> bgr = vision::DecodeImage(*bytes, name, {});
      EXPECT_TRUE(bgr.ok()) << bgr.status().ToString();
      if (bgr.ok()) images.push_back(*bgr);
    }
    cv::Mat tall(300, 120, CV_8UC3, cv::Scalar(30, 200, 90));  // letterboxing a tall image
    cv::circle(tall, {60, 100}, 40, cv::Scalar(250, 10, 10), -1);
    images.push_back(tall);
    return images;
  }

  vision::BackboneConfig config_;
  std::vector<std::string> labels_ = {"a", "b", "c"};
  std::vector<HeadWeights> heads_;
};

TEST_F(OnnxExportTest, OpenCvRunsTheFileAndAgreesWithClassify) { ExpectSameAsClassify(config_, {224, 320}, Images()); }

TEST_F(OnnxExportTest, OneSizeAndTheBackbonesOwnChannelOrder) {
  // A BGR backbone (swap_rb false) with another scale: the graph reorders and scales itself.
  vision::BackboneConfig bgr = config_;
  bgr.swap_rb = false;
  bgr.scale = 1.0 / 255;
  bgr.mean = 0.0;
  ExpectSameAsClassify(bgr, {320}, {Images()[0]});
}

TEST_F(OnnxExportTest, TheCalibrationTemperatureIsInTheGraph) {
  // Softer and sharper than trained: the file applies the temperature as detect does.
  ExpectSameAsClassify(config_, {224}, Images(), 2.5);
  ExpectSameAsClassify(config_, {320}, {Images()[0]}, 0.6);
}

TEST_F(OnnxExportTest, MetadataInputsAndOutputAreDeclared) {
  Result<std::string> bytes = BuildOnnxModel(Spec(config_, {224, 448}));
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(*bytes));
  std::map<std::string, std::string> metadata;
  for (const auto& p : model.metadata_props()) metadata[p.key()] = p.value();
  EXPECT_EQ(metadata["version"], "v-test");
  ASSERT_EQ(model.graph().input_size(), 2);
  EXPECT_EQ(model.graph().input(0).name(), "image_224");
  EXPECT_EQ(model.graph().input(1).name(), "image_448");
  ASSERT_EQ(model.graph().output_size(), 1);
  EXPECT_EQ(model.graph().output(0).name(), kOnnxOutputName);
  // Backbone weights are shared by the sizes, not copied per size.
  std::set<std::string> names;
  for (const auto& t : model.graph().initializer()) EXPECT_TRUE(names.insert(t.name()).second) << t.name();
  // Only the layers up to block_10 are kept: nothing of blocks 11-16.
  for (const auto& n : model.graph().node()) EXPECT_EQ(n.name().find("block_12"), std::string::npos) << n.name();
}

TEST_F(OnnxExportTest, RefusesBadInputsWithReasons) {
  OnnxExportSpec spec = Spec(config_, {224});
  spec.backbone_onnx = "not a model";
  EXPECT_EQ(BuildOnnxModel(spec).status().code(), StatusCode::kInvalidArgument);

  spec = Spec(config_, {224});
  spec.backbone_outputs = {"no_such_layer"};
  Status missing = BuildOnnxModel(spec).status();
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("no_such_layer"), std::string::npos) << missing.ToString();

  spec = Spec(config_, {224});
  spec.labels = {"a", "b"};  // heads have 4 classes: 3 labels + background
  EXPECT_EQ(BuildOnnxModel(spec).status().code(), StatusCode::kInvalidArgument);

  spec = Spec(config_, {});
  EXPECT_EQ(BuildOnnxModel(spec).status().code(), StatusCode::kInvalidArgument);

  spec = Spec(config_, {224});
  spec.temperature = 0;
  EXPECT_EQ(BuildOnnxModel(spec).status().code(), StatusCode::kInvalidArgument);

  spec = Spec(config_, {224});
  spec.heads[1].hidden = 8;
  spec.heads[1].conv1_weight.resize(size_t(8) * 96 * 9);
  spec.heads[1].conv1_bias.resize(8);
  spec.heads[1].conv2_weight.resize(size_t(4) * 8);
  EXPECT_EQ(BuildOnnxModel(spec).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace labelloop::model
