// In-process fixture for the serving and pending-image tests: real SQLite stores (one temp
// file, reopened to simulate a restart), an in-memory bucket, a fake clock, a real
// ModelService (its serving lifecycle needs only a parseable artefact in the bucket), and
// a DetectionRunner whose detectors are fakes: a detection is a cheap, deterministic call
// that says which version made it, can be held in flight, and can fail on command.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "db/notification_db.h"
#include "db/param_db.h"
#include "db/review_db.h"
#include "db/schedule_db.h"
#include "flows/flow_tasks.h"
#include "model/model_artifact.h"

namespace labelloop::flows::testing {

// What fake detectors do, shared by all of them and set by the test.
struct FakeDetection {
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;                 // detections wait while true
  int in_flight = 0;                 // GUARDED_BY(mu)
  int unavailable_left = 0;          // the next N detections fail with Unavailable
  std::vector<std::string> images;   // names detected, in order
};

class FakeDetector final : public model::Detector {
 public:
  FakeDetector(std::string version, FakeDetection* shared) : version_(std::move(version)), shared_(shared) {}
  const std::string& version() const override { return version_; }
  Result<model::Detection> Detect(const std::string& bytes, const std::string& name, int, double) override {
    std::unique_lock lock(shared_->mu);
    ++shared_->in_flight;
    shared_->cv.notify_all();
    shared_->cv.wait(lock, [&] { return !shared_->hold; });
    --shared_->in_flight;
    if (bytes == "corrupt") return InvalidArgumentError(name + ": not an image (corrupt)");
    if (shared_->unavailable_left > 0) {
      --shared_->unavailable_left;
      return UnavailableError(name + ": busy, try again");
    }
    shared_->images.push_back(name);
    return model::Detection{version_, {{"amazon_logo", 90.0}, {"aws_logo", 10.0}}};
  }

 private:
  std::string version_;
  FakeDetection* shared_;
};

class ServingFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("serving_test_" + std::to_string(::getpid()) + "_" + std::to_string(++opened_) + ".db"))
                .string();
    std::filesystem::remove(path_);
    bucket_ = store::NewMemoryObjectStore(&clock_);
    Open();
  }

  void TearDown() override {
    Close();
    std::filesystem::remove(path_);
  }

  // Everything but the bucket, the clock and the database file: a process (re)starting.
  void Open() {
    metadata_ = Must(db::OpenSqliteMetadataDb(path_, &clock_));
    param_db_ = Must(db::OpenSqliteParamDb(path_, &clock_));
    event_db_ = Must(db::OpenSqliteEventDb(path_, &clock_));
    notification_db_ = Must(db::OpenSqliteNotificationDb(path_, &clock_));
    detection_db_ = Must(db::OpenSqliteDetectionDb(path_, &clock_));
    queue_db_ = Must(db::OpenSqliteDetectionQueueDb(path_, &clock_));
    review_db_ = Must(db::OpenSqliteReviewDb(path_, &clock_));
    params_ = std::make_unique<params::ParameterStore>(param_db_.get(), &clock_);
    ASSERT_TRUE(params_->EnsureDefaults().ok());
    std::vector<std::unique_ptr<notify::Sink>> sinks;
    notifier_ = std::make_unique<notify::Notifier>(notification_db_.get(), std::move(sinks), &clock_);
    reviews_ = std::make_unique<review::ReviewService>(review_db_.get(), detection_db_.get(), bucket_.get(), &clock_);
    events_ = std::make_unique<events::EventQueue>(event_db_.get(), &clock_);
    models_ = std::make_unique<model::ModelService>(bucket_.get(), metadata_.get(), &clock_, model::ModelServiceOptions{});
    detection_ = std::make_unique<DetectionRunner>([this](const std::string& version) -> Result<std::unique_ptr<model::Detector>> {
      if (version == kBroken) return DataLossError("model of " + version + " is corrupt");
      return std::unique_ptr<model::Detector>(new FakeDetector(version, &fake_));
    });
    system_ = std::make_unique<SystemState>(params_.get());
    serving_ = std::make_unique<ServingController>(models_.get(), metadata_.get(), params_.get(), system_.get(),
                                                   detection_.get());
    FlowDeps deps;
    deps.bucket = bucket_.get();
    deps.models = models_.get();
    deps.metadata = metadata_.get();
    deps.params = params_.get();
    deps.notifier = notifier_.get();
    deps.reviews = reviews_.get();
    deps.detections = detection_db_.get();
    deps.detection_queue = queue_db_.get();
    deps.events = events_.get();
    deps.detection = detection_.get();
    deps.serving = serving_.get();
    deps.system = system_.get();
    deps.clock = &clock_;
    tasks_ = std::make_unique<FlowTasks>(deps, FlowOptions{});
  }

  void Close() {
    tasks_.reset();
    serving_.reset();
    detection_.reset();
    models_.reset();
  }

  template <typename T>
  static T Must(Result<T> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }

  // A trained version whose artefact parses (the fake detectors never read it).
  void PutTrainedVersion(const std::string& name) {
    model::ModelArtifact a;
    a.labels = {"amazon_logo", "aws_logo"};
    a.sizes = {224};
    a.backbone_id = "fake";
    a.heads.resize(1);
    model::HeadWeights& h = a.heads[0];
    h.in_channels = 1;
    h.hidden = 1;
    h.classes = 3;
    h.conv1_weight.assign(9, 0.1f);
    h.conv1_bias.assign(1, 0.0f);
    h.conv2_weight.assign(3, 0.2f);
    h.conv2_bias.assign(3, 0.0f);
    const std::string key = "evaluation/" + name + "/model.bin";
    ASSERT_TRUE(bucket_->Put(key, model::SerializeModelArtifact(a)).ok());
    db::ModelVersion v;
    v.name = name;
    v.status = std::string(db::kTrainingCompleted);
    v.created_ms = clock_.NowMs();
    clock_.AdvanceMs(1);
    v.labels = {"amazon_logo", "aws_logo"};
    v.training_image_count = 8;
    v.test_image_count = 2;
    v.artifact_key = key;
    v.f1 = 1.0;
    ASSERT_TRUE(metadata_->CreateModelVersion(v).ok());
  }

  std::string StatusOf(const std::string& name) { return Must(metadata_->GetModelVersion(name)).status; }

  nlohmann::json SystemJson() { return Must(system_->Read()); }

  // An image in images_for_detection/ detected (or queued) as the workflow's detect step does.
  Result<Json> DetectEvent(const std::string& file, const std::string& bytes, int event_id) {
    const std::string key = "images_for_detection/" + file;
    RETURN_IF_ERROR(bucket_->Put(key, bytes).status());
    workflow::TaskContext context;
    context.execution_id = "exec-" + std::to_string(event_id);
    context.state_name = "Detect labels";
    context.clock = &clock_;
    return tasks_->Detect(Json{{"key", key}, {"event_id", event_id}}, context);
  }

  // Drains the queue as the PendingDrainer does, until nothing due is left.
  int DrainAll() {
    int total = 0;
    for (int n = 1; n > 0; total += n) n = Must(tasks_->DrainPending(8));
    return total;
  }

  static constexpr const char* kBroken = "v-broken";
  static inline int opened_ = 0;
  std::string path_;
  FakeClock clock_;
  FakeDetection fake_;
  std::unique_ptr<store::ObjectStore> bucket_;
  std::unique_ptr<db::MetadataDb> metadata_;
  std::unique_ptr<db::ParamDb> param_db_;
  std::unique_ptr<db::EventDb> event_db_;
  std::unique_ptr<db::NotificationDb> notification_db_;
  std::unique_ptr<db::DetectionDb> detection_db_;
  std::unique_ptr<db::DetectionQueueDb> queue_db_;
  std::unique_ptr<db::ReviewDb> review_db_;
  std::unique_ptr<params::ParameterStore> params_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<review::ReviewService> reviews_;
  std::unique_ptr<events::EventQueue> events_;
  std::unique_ptr<model::ModelService> models_;
  std::unique_ptr<DetectionRunner> detection_;
  std::unique_ptr<SystemState> system_;
  std::unique_ptr<ServingController> serving_;
  std::unique_ptr<FlowTasks> tasks_;
};

}  // namespace labelloop::flows::testing
