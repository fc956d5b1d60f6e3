#include "model/model_service.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/json_util.h"
#include "model/calibration.h"
#include "model/manifest.h"
#include "model/model_artifact.h"
#include "vision/testdata/image_fixtures.h"

namespace labelloop::model {
namespace {

// Trains small versions with the real backbone at one small size, a few synthetic scenes
// and a short head training: seconds, not minutes.
class ModelServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    onnx_ = std::string(LABELLOOP_SOURCE_DIR) + "/var/models/mobilenet_v2.onnx";
    if (!std::filesystem::exists(onnx_)) GTEST_SKIP() << "no backbone at " << onnx_ << " (scripts/fetch-backbone.sh)";
    Result<std::unique_ptr<db::MetadataDb>> opened = db::OpenSqliteMetadataDb(":memory:", &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(*opened);
    ModelServiceOptions o;
    o.backbone.onnx_path = onnx_;
    o.backbone.output_names = {"block_10_project_BN"};
    o.backbone.scale = 1.0 / 255.0;
    o.backbone.mean = 0.0;
    o.backbone.probe_size = 128;
    o.classifier.sizes = {128};
    o.classifier.synth_per_label = 2;
    o.classifier.background_samples = 4;
    o.classifier.ensemble_size = 1;
    o.classifier.min_member_steps = 20;
    o.classifier.head.steps = 20;
    o.classifier.head.threads = 1;
    o.min_steps = 20;
    o.cross_validation_below = 0;
    service_ = std::make_unique<ModelService>(store_.get(), db_.get(), &clock_, o);
  }

  // A PNG of a coloured disc (a "logo" photo: it fills the frame on a noisy background).
  static std::string Disc(cv::Scalar colour, int seed) {
    cv::Mat img(96, 96, CV_8UC3);
    cv::setRNGSeed(seed);
    cv::randu(img, cv::Scalar::all(90), cv::Scalar::all(160));
    cv::circle(img, {48, 48}, 30 + seed % 5, colour, cv::FILLED);
    std::vector<uchar> png;
    cv::imencode(".png", img, png);
    return std::string(png.begin(), png.end());
  }

  // A PNG of a striped texture with no disc: none of the labels.
  static std::string Stripes(int seed) {
    cv::Mat img(96, 96, CV_8UC3, cv::Scalar(40 * seed % 255, 200, 90));
    for (int x = seed; x < 96; x += 9) cv::line(img, {x, 0}, {95 - x, 95}, cv::Scalar(20, 20, 20), 3);
    std::vector<uchar> png;
    cv::imencode(".png", img, png);
    return std::string(png.begin(), png.end());
  }

  void Put(const std::string& key, const std::string& bytes) { ASSERT_TRUE(store_->Put(key, bytes).ok()) << key; }

  void PutTrainingImages() {
    for (int i = 0; i < 4; ++i) {
      Put("images_labeled_by_folder/blue/b" + std::to_string(i) + ".png", Disc({255, 0, 0}, i));
      Put("images_labeled_by_folder/red/r" + std::to_string(i) + ".png", Disc({0, 0, 255}, i));
      Put("images_labeled_by_folder/none_of_the_above/humanLoopName-n" + std::to_string(i) + ".png", Stripes(i));
    }
  }

  std::string onnx_;
  FakeClock clock_;
  std::unique_ptr<store::ObjectStore> store_ = store::NewMemoryObjectStore(&clock_);
  std::unique_ptr<db::MetadataDb> db_;
  std::unique_ptr<ModelService> service_;
};

TEST_F(ModelServiceTest, NoneOfTheAboveTrainsTheBackgroundAndIsNeverALabel) {
  PutTrainingImages();
  Result<db::ModelVersion> created = service_->CreateVersion("v1");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->labels, (std::vector<std::string>{"blue", "red"}));
  EXPECT_EQ(created->training_image_count, 12);

  // The manifest keeps the folder's images, as the background class (index = labels).
  Result<std::string> manifest = store_->Get(created->manifest_key);
  ASSERT_TRUE(manifest.ok());
  Result<std::vector<ManifestEntry>> entries = ParseManifest(*manifest);
  ASSERT_TRUE(entries.ok());
  int background_entries = 0;
  for (const auto& e : *entries) {
    if (e.label != kNoneOfTheAboveLabel) continue;
    ++background_entries;
    EXPECT_EQ(e.class_index, 2) << e.key;
    EXPECT_TRUE(e.human_annotated) << e.key;
  }
  EXPECT_EQ(background_entries, 4);

  Status trained = service_->TrainVersion("v1");
  ASSERT_TRUE(trained.ok()) << trained.ToString();
  Result<db::ModelVersion> version = db_->GetModelVersion("v1");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->status, db::kTrainingCompleted) << version->status_message;
  EXPECT_EQ(version->labels, (std::vector<std::string>{"blue", "red"}));

  Result<std::string> artifact_bytes = store_->Get(version->artifact_key);
  ASSERT_TRUE(artifact_bytes.ok());
  Result<ModelArtifact> artifact = ParseModelArtifact(*artifact_bytes, version->artifact_key);
  ASSERT_TRUE(artifact.ok()) << artifact.status().ToString();
  EXPECT_EQ(artifact->labels, (std::vector<std::string>{"blue", "red"}));
  ASSERT_FALSE(artifact->heads.empty());
  EXPECT_EQ(artifact->heads[0].classes, 3);  // two labels and the background
  EXPECT_GT(artifact->training_stats.at("background_photos").get<int>(), 0);

  // Evaluation: per-label figures for the labels only; held-out none images are negatives.
  Result<std::string> evaluation_text = store_->Get(version->evaluation_key);
  ASSERT_TRUE(evaluation_text.ok());
  Result<Json> evaluation = ParseJson(*evaluation_text, "evaluation");
  ASSERT_TRUE(evaluation.ok());
  ASSERT_EQ(evaluation->at("labels").size(), 2u);
  for (const auto& l : evaluation->at("labels")) EXPECT_NE(l.at("name"), std::string(kNoneOfTheAboveLabel));
  for (const auto& t : evaluation->at("test_images")) EXPECT_NE(t.at("true_label"), std::string(kNoneOfTheAboveLabel));
  ASSERT_TRUE(evaluation->contains("none_of_the_above")) << evaluation->dump(2);
  EXPECT_GE(evaluation->at("none_of_the_above").at("test_images").get<int>(), 1);

  // Detection reports labels only, even for the none-of-the-above images themselves.
  ASSERT_TRUE(service_->StartVersion("v1").ok());
  Result<std::unique_ptr<Detector>> detector = service_->OpenDetector("v1");
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();
  for (int i = 0; i < 4; ++i) {
    for (const std::string& bytes : {Stripes(i), Disc({255, 0, 0}, i)}) {
      Result<Detection> d = (*detector)->Detect(bytes, "image", 0, 0.0);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      ASSERT_EQ(d->labels.size(), 2u);
      for (const auto& l : d->labels) EXPECT_NE(l.name, kNoneOfTheAboveLabel);
    }
  }
}

TEST_F(ModelServiceTest, NoneOfTheAboveAloneIsNothingToTrain) {
  Put("images_labeled_by_folder/none_of_the_above/a.png", Stripes(1));
  Result<db::ModelVersion> created = service_->CreateVersion();
  EXPECT_EQ(created.status().code(), StatusCode::kFailedPrecondition) << created.status().ToString();
}

}  // namespace
}  // namespace labelloop::model

namespace labelloop::model {
namespace {

// A wide noisy scene with the blue disc in its right half; `bbox` gets the disc's box.
cv::Mat SceneWithDiscOnTheRight(cv::Rect* bbox) {
  cv::Mat img(96, 192, CV_8UC3);
  cv::setRNGSeed(7);
  cv::randu(img, cv::Scalar::all(90), cv::Scalar::all(160));
  cv::circle(img, {140, 48}, 30, cv::Scalar(255, 0, 0), cv::FILLED);
  *bbox = cv::Rect(110, 18, 61, 61);
  return img;
}

std::string EncodeJpeg(const cv::Mat& img) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", img, bytes, {cv::IMWRITE_JPEG_QUALITY, 95});
  return std::string(bytes.begin(), bytes.end());
}

// Issue 15 item 5: the evaluation reports calibration on the held-out split, and detection
// applies the temperature stored with the model (1 for artefacts without one).
TEST_F(ModelServiceTest, TheEvaluationReportsCalibrationAndDetectionAppliesTheStoredTemperature) {
  PutTrainingImages();
  ASSERT_TRUE(service_->CreateVersion("v1").ok());
  ASSERT_TRUE(service_->TrainVersion("v1").ok());
  Result<db::ModelVersion> version = db_->GetModelVersion("v1");
  ASSERT_TRUE(version.ok());
  Result<std::string> evaluation_text = store_->Get(version->evaluation_key);
  ASSERT_TRUE(evaluation_text.ok());
  Result<Json> evaluation = ParseJson(*evaluation_text, "evaluation");
  ASSERT_TRUE(evaluation.ok());
  const Json& calibration = evaluation->at("calibration");
  EXPECT_EQ(calibration.at("bins"), kCalibrationBins);
  // Every held-out image counts, the none_of_the_above ones too.
  EXPECT_EQ(calibration.at("images").get<int>(),
            evaluation->at("test_image_count").get<int>() + evaluation->at("none_of_the_above").at("test_images").get<int>());
  EXPECT_LT(calibration.at("images").get<int>(), kMinCalibrationImages);
  EXPECT_EQ(calibration.at("temperature"), 1.0);  // too few held-out images to fit one
  EXPECT_EQ(calibration.at("ece"), calibration.at("ece_uncalibrated"));
  EXPECT_GE(calibration.at("ece").get<double>(), 0.0);
  EXPECT_LE(calibration.at("ece").get<double>(), 100.0);

  // The same artefact stored at temperature 1 and at 2: detection follows it.
  Result<std::string> bytes = store_->Get(version->artifact_key);
  ASSERT_TRUE(bytes.ok());
  Result<ModelArtifact> artifact = ParseModelArtifact(*bytes, version->artifact_key);
  ASSERT_TRUE(artifact.ok());
  ASSERT_TRUE(service_->StartVersion("v1").ok());
  auto detect_at = [&](double temperature) {
    artifact->temperature = temperature;
    EXPECT_TRUE(store_->Put(version->artifact_key, SerializeModelArtifact(*artifact)).ok());
    Result<std::unique_ptr<Detector>> detector = service_->OpenDetector("v1");
    EXPECT_TRUE(detector.ok()) << detector.status().ToString();
    Result<Detection> d = (*detector)->Detect(Disc({255, 0, 0}, 1), "disc", 0, 0.0);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    std::vector<LabelConfidence> out;
    for (const auto& l : d->labels) out.push_back({l.name, l.confidence, std::nullopt});
    return ToTestPrediction("disc", 0, out, version->labels);
  };
  const TestPrediction plain = detect_at(1.0), softer = detect_at(2.0);
  const TestPrediction expected = ApplyTemperature(plain, 2.0);
  for (size_t i = 0; i < plain.confidence_pct.size(); ++i) {
    EXPECT_NEAR(softer.confidence_pct[i], expected.confidence_pct[i], 1e-3) << version->labels[i];
  }
  EXPECT_NE(softer.confidence_pct, plain.confidence_pct);
}

TEST_F(ModelServiceTest, EveryLabelHasGeometryThatFindsTheLogoAsDisplayed) {
  PutTrainingImages();
  ASSERT_TRUE(service_->CreateVersion("v1").ok());
  ASSERT_TRUE(service_->TrainVersion("v1").ok());
  ASSERT_TRUE(service_->StartVersion("v1").ok());
  Result<std::unique_ptr<Detector>> detector = service_->OpenDetector("v1");
  ASSERT_TRUE(detector.ok()) << detector.status().ToString();

  cv::Rect disc;
  const cv::Mat scene = SceneWithDiscOnTheRight(&disc);
  auto blue_box = [&](const std::string& bytes) -> BoundingBox {
    Result<Detection> d = (*detector)->Detect(bytes, "scene", 0, 0.0);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return {};
    BoundingBox found;
    for (const auto& l : d->labels) {
      EXPECT_TRUE(l.geometry.has_value()) << l.name;
      if (!l.geometry) continue;
      const BoundingBox& b = *l.geometry;
      EXPECT_GE(b.left, 0.0);
      EXPECT_GE(b.top, 0.0);
      EXPECT_GT(b.width, 0.0);
      EXPECT_GT(b.height, 0.0);
      EXPECT_LE(b.left + b.width, 1.0 + 1e-9);
      EXPECT_LE(b.top + b.height, 1.0 + 1e-9);
      if (l.name == "blue") found = b;
    }
    return found;
  };
  // The box is on the disc's side of the scene and overlaps it. (This model sees 8x8 cells
  // of 24 image pixels after 20 steps: where, not how exactly, is what it can tell.)
  const BoundingBox plain = blue_box(EncodeJpeg(scene));
  const BoundingBox truth{double(disc.x) / scene.cols, double(disc.y) / scene.rows, double(disc.width) / scene.cols,
                          double(disc.height) / scene.rows};
  EXPECT_GT(plain.left + plain.width / 2, 0.5);
  EXPECT_GT(IntersectionOverUnion(plain, truth), 0.1);

  // The same picture stored rotated with EXIF orientation 6 (display: 90 degrees clockwise)
  // is seen as the user sees it: about the same box (the JPEG of the rotated pixels differs
  // a little), not a rotated one.
  cv::Mat stored;
  cv::rotate(scene, stored, cv::ROTATE_90_COUNTERCLOCKWISE);
  const BoundingBox oriented = blue_box(vision::fixtures::WithExifOrientation(EncodeJpeg(stored), 6));
  EXPECT_GT(oriented.left + oriented.width / 2, 0.5);
  EXPECT_GT(IntersectionOverUnion(oriented, plain), 0.6);
}

TEST(DetectedLabelJsonTest, GeometryIsAnObjectOfFractionsAndAbsentWhenUnknown) {
  DetectedLabel label{"amazon_logo", 91.23456, BoundingBox{0.123456, 0.5, 0.25, 0.0999999}, std::nullopt};
  Json j = DetectedLabelJson(label, 3);
  EXPECT_EQ(j, Json::parse(R"({"name": "amazon_logo", "confidence": 91.235,
      "geometry": {"left": 0.1235, "top": 0.5, "width": 0.25, "height": 0.1}})"));
  EXPECT_EQ(DetectedLabelJson(label)["confidence"].get<double>(), 91.23456);
  label.geometry.reset();
  EXPECT_FALSE(DetectedLabelJson(label).contains("geometry"));
  EXPECT_FALSE(DetectedLabelJson(label).contains("assumed_threshold"));
  label.assumed_threshold = 64.12345;
  EXPECT_EQ(DetectedLabelJson(label)["assumed_threshold"].get<double>(), 64.123);
}

TEST(MeetsMinConfidenceTest, AGivenMinimumOrEachLabelsOwnThreshold) {
  DetectedLabel label{"amazon_logo", 60.0, std::nullopt, 65.0};
  EXPECT_TRUE(MeetsMinConfidence(label, 0));
  EXPECT_TRUE(MeetsMinConfidence(label, 60));
  EXPECT_FALSE(MeetsMinConfidence(label, 60.5));
  EXPECT_FALSE(MeetsMinConfidence(label, kEachLabelsThreshold));  // under its own 65
  label.assumed_threshold = 60.0;
  EXPECT_TRUE(MeetsMinConfidence(label, kEachLabelsThreshold));
  label.assumed_threshold.reset();  // none known: kept
  EXPECT_TRUE(MeetsMinConfidence(label, kEachLabelsThreshold));
}

}  // namespace
}  // namespace labelloop::model
