// FlowTasks in process, on real SQLite stores (one temp file), an in-memory bucket, a
// fake clock and a recording notification sink: the parameter, training-check,
// review-output and sampling steps. (Training and detection themselves run in the
// end-to-end test against the real server: tests/e2e.)
#include "flows/flow_tasks.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "db/notification_db.h"
#include "db/param_db.h"
#include "db/review_db.h"
#include "db/schedule_db.h"
#include "notify/testing/fake_sink.h"

namespace labelloop::flows {
namespace {

class FlowTasksTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(FlowOptions{}); }

  void Open(FlowOptions options) {
    path_ = (std::filesystem::temp_directory_path() /
             ("flow_tasks_test_" + std::to_string(::getpid()) + "_" + std::to_string(++opened_) + ".db"))
                .string();
    std::filesystem::remove(path_);
    bucket_ = store::NewMemoryObjectStore(&clock_);
    metadata_ = Must(db::OpenSqliteMetadataDb(path_, &clock_));
    param_db_ = Must(db::OpenSqliteParamDb(path_, &clock_));
    schedule_db_ = Must(db::OpenSqliteScheduleDb(path_, &clock_));
    event_db_ = Must(db::OpenSqliteEventDb(path_, &clock_));
    notification_db_ = Must(db::OpenSqliteNotificationDb(path_, &clock_));
    detection_db_ = Must(db::OpenSqliteDetectionDb(path_, &clock_));
    review_db_ = Must(db::OpenSqliteReviewDb(path_, &clock_));
    params_ = std::make_unique<params::ParameterStore>(param_db_.get(), &clock_);
    ASSERT_TRUE(params_->EnsureDefaults().ok());
    schedules_ = std::make_unique<schedule::Scheduler>(schedule_db_.get(), &clock_);
    std::vector<std::unique_ptr<notify::Sink>> sinks;
    notifier_ = std::make_unique<notify::Notifier>(notification_db_.get(), std::move(sinks), &clock_);
    reviews_ = std::make_unique<review::ReviewService>(review_db_.get(), detection_db_.get(), bucket_.get(), &clock_);
    sampling_ = std::make_unique<review::SamplingService>(detection_db_.get(), review_db_.get(), &clock_);
    queue_ = std::make_unique<events::EventQueue>(event_db_.get(), &clock_);
    FlowDeps deps;
    deps.bucket = bucket_.get();
    deps.metadata = metadata_.get();
    deps.params = params_.get();
    deps.schedules = schedules_.get();
    deps.notifier = notifier_.get();
    deps.reviews = reviews_.get();
    deps.sampling = sampling_.get();
    deps.detections = detection_db_.get();
    deps.events = queue_.get();
    deps.clock = &clock_;
    tasks_ = std::make_unique<FlowTasks>(deps, options);
  }

  void TearDown() override { std::filesystem::remove(path_); }

  template <typename T>
  static T Must(Result<T> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(r).value();
  }

  workflow::TaskContext Context(const std::string& state = "step") {
    workflow::TaskContext c;
    c.execution_id = "exec-1";
    c.state_name = state;
    c.clock = &clock_;
    return c;
  }

  std::vector<std::string> Subjects() {
    std::vector<std::string> out;
    for (const auto& n : Must(notifier_->ListInbox(100, std::nullopt))) out.push_back(n.subject);
    return out;
  }

  bool Notified(std::string_view prefix) {
    for (const auto& s : Subjects()) {
      if (s.starts_with(prefix)) return true;
    }
    return false;
  }

  void PutVersion(const std::string& name) {
    db::ModelVersion v;
    v.name = name;
    v.status = std::string(db::kRunning);
    v.created_ms = clock_.NowMs();
    v.labels = {"amazon_logo", "aws_logo"};
    ASSERT_TRUE(metadata_->CreateModelVersion(v).ok());
  }

  // A logged detection of an image in the bucket.
  void LogDetection(const std::string& request_id, const std::string& label, double confidence) {
    const std::string key = "images_for_detection/" + request_id + ".png";
    ASSERT_TRUE(bucket_->Put(key, "bytes of " + request_id).ok());
    db::Detection d;
    d.request_id = request_id;
    d.created_ms = clock_.NowMs();
    d.image_key = key;
    d.image_etag = "etag";
    d.model_version = "v1";
    d.top_label = label;
    d.confidence_pct = confidence;
    d.threshold_pct = 70;
    d.source = std::string(db::kDetectionSourceEvent);
    ASSERT_TRUE(detection_db_->Insert(d).ok());
    clock_.AdvanceMs(10);
  }

  // Creates and answers a review task; returns the output.json key.
  std::string Review(const std::string& request_id, std::string_view source, std::optional<std::string> answer) {
    review::ReviewInput in;
    in.detection_request_id = request_id;
    in.image_key = "images_for_detection/" + request_id + ".png";
    in.source = std::string(source);
    in.model_label = "amazon_logo";
    in.model_confidence_pct = 40;
    in.candidate_labels = {"amazon_logo", "aws_logo"};
    db::ReviewTask task = Must(reviews_->CreateTask(in));
    EXPECT_TRUE(reviews_->Claim(task.name, "rita").ok());
    task = Must(reviews_->Answer(task.name, "rita", answer));
    EXPECT_TRUE(task.output_written);
    return task.output_key;
  }

  FakeClock clock_;
  int opened_ = 0;
  std::string path_;
  std::unique_ptr<store::ObjectStore> bucket_;
  std::unique_ptr<db::MetadataDb> metadata_;
  std::unique_ptr<db::ParamDb> param_db_;
  std::unique_ptr<db::ScheduleDb> schedule_db_;
  std::unique_ptr<db::EventDb> event_db_;
  std::unique_ptr<db::NotificationDb> notification_db_;
  std::unique_ptr<db::DetectionDb> detection_db_;
  std::unique_ptr<db::ReviewDb> review_db_;
  std::unique_ptr<params::ParameterStore> params_;
  std::unique_ptr<schedule::Scheduler> schedules_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<review::ReviewService> reviews_;
  std::unique_ptr<review::SamplingService> sampling_;
  std::unique_ptr<events::EventQueue> queue_;
  std::unique_ptr<FlowTasks> tasks_;
};

TEST_F(FlowTasksTest, SwitchingTrainingBackOnRequestsACheckAtOnce) {
  auto off = Must(params_->Set(params::kEnableAutomaticTraining, "false", "test"));
  Json applied = Must(tasks_->ApplyParameter({{"name", off.name}, {"value", off.value}, {"version", off.version}}, Context()));
  EXPECT_FALSE(applied["training_check_requested"].get<bool>());
  auto on = Must(params_->Set(params::kEnableAutomaticTraining, "true", "test"));
  applied = Must(tasks_->ApplyParameter({{"name", on.name}, {"value", on.value}, {"version", on.version}}, Context()));
  EXPECT_TRUE(applied["training_check_requested"].get<bool>());
  auto due = Must(schedules_->TakeDue());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].name, schedule::kTrainingPoll);
  EXPECT_TRUE(due[0].manual);
  EXPECT_TRUE(Notified("Parameter updated: Enable-Automatic-Training"));
}

TEST_F(FlowTasksTest, AFrequencyChangeReArmsItsSchedule) {
  auto v = Must(params_->Set(params::kAutomaticTrainingPollFrequency, "5", "test"));
  Must(tasks_->ApplyParameter({{"name", v.name}, {"value", v.value}, {"version", v.version}}, Context()));
  for (const auto& s : Must(schedules_->List())) {
    if (s.name != schedule::kTrainingPoll) continue;
    EXPECT_TRUE(s.enabled);
    EXPECT_EQ(s.period_ms, 5 * 60'000);
    EXPECT_EQ(s.next_fire_ms, clock_.NowMs() + 5 * 60'000);
  }
}

TEST_F(FlowTasksTest, TrainingCheckCountsUntrainedImagesAndSkipsAFailedImageSet) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(bucket_->Put("images_labeled_by_folder/a/" + std::to_string(i) + ".png", "img" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(params_->Set(params::kMinimumUntrainedImages, "5", "test").ok());
  Json check = Must(tasks_->CheckTraining(Json::object(), Context()));
  EXPECT_FALSE(check["train"].get<bool>());
  EXPECT_EQ(check["untrained_images"], 4);
  EXPECT_NE(check["reason"].get<std::string>().find("fewer than Minimum-Untrained-Images (5)"), std::string::npos);
  ASSERT_TRUE(bucket_->Put("images_labeled_by_folder/b/4.png", "img4").ok());
  check = Must(tasks_->CheckTraining(Json::object(), Context()));
  EXPECT_TRUE(check["train"].get<bool>()) << check.dump();
  // The F1 gate failed on this very image set: the next poll does not retrain it.
  ASSERT_TRUE(tasks_->system().Update([&](Json& s) { s[kFailedImageSets][check["fingerprint"].get<std::string>()] = "F1 low"; }).ok());
  check = Must(tasks_->CheckTraining(Json::object(), Context()));
  EXPECT_FALSE(check["train"].get<bool>());
  EXPECT_NE(check["reason"].get<std::string>().find("failed before"), std::string::npos);
  // Something changes: it trains again.
  ASSERT_TRUE(bucket_->Put("images_labeled_by_folder/b/5.png", "img5").ok());
  EXPECT_TRUE(Must(tasks_->CheckTraining(Json::object(), Context()))["train"].get<bool>());
  EXPECT_TRUE(Notified("Training check"));
}

TEST_F(FlowTasksTest, ALowConfidenceAnswerBecomesATrainingImageOnce) {
  PutVersion("v1");
  LogDetection("det-1", "amazon_logo", 40);
  const std::string output = Review("det-1", review::kSourceLowConfidence, "aws_logo");
  Json added = Must(tasks_->AddTrainingImage({{"key", output}}, Context()));
  const std::string expected = "images_labeled_by_folder/aws_logo/humanLoopName-" + added["task"].get<std::string>() + "-det-1.png";
  EXPECT_EQ(added["copied_key"], expected);
  EXPECT_EQ(Must(bucket_->Get(expected)), "bytes of det-1");
  db::Detection d = Must(detection_db_->Get("det-1"));
  EXPECT_EQ(d.human_label, "aws_logo");
  EXPECT_EQ(d.human_copied_key, expected);
  // A re-run (crash after the copy) copies nothing new.
  Must(tasks_->AddTrainingImage({{"key", output}}, Context()));
  EXPECT_EQ(Must(store::ListAll(*bucket_, "images_labeled_by_folder/")).size(), 1u);
  EXPECT_TRUE(Notified("Review processed"));
}

// Issue 9 row 6: an output.json the server did not write (put through the API, dropped into
// the folder, or edited after the server wrote it) trains nothing, is marked refused in the
// step's result, and notifies once.
TEST_F(FlowTasksTest, AReviewOutputTheServerDidNotWriteIsRefused) {
  PutVersion("v1");
  LogDetection("det-1", "amazon_logo", 40);
  const std::string output = Review("det-1", review::kSourceLowConfidence, "aws_logo");
  const std::string genuine = Must(bucket_->Get(output));
  std::string edited = genuine;
  edited.replace(edited.find("\"final_label\": \"aws_logo\""), 25, "\"final_label\": \"dog\"");
  ASSERT_NE(edited, genuine);
  // Forged: a task name that never existed, in a fresh key.
  std::string forged = genuine;
  const std::string task_name = Json::parse(genuine)["task_name"];
  forged.replace(forged.find(task_name), task_name.size(), "review-forged");
  ASSERT_TRUE(bucket_->Put("a2i-human-loop-data/x/forged/output.json", forged).ok());
  ASSERT_TRUE(bucket_->Put("a2i-human-loop-data/x/copy/output.json", genuine).ok());
  ASSERT_TRUE(bucket_->Put("a2i-human-loop-data/x/junk/output.json", "{\"final_label\": \"dog\"}").ok());
  for (const std::string key : {"a2i-human-loop-data/x/forged/output.json", "a2i-human-loop-data/x/copy/output.json",
                                "a2i-human-loop-data/x/junk/output.json"}) {
    SCOPED_TRACE(key);
    Json refused = Must(tasks_->AddTrainingImage({{"key", key}}, Context()));
    EXPECT_TRUE(refused["refused"].get<bool>()) << refused.dump();
    EXPECT_TRUE(refused["copied_key"].is_null());
  }
  // Edited in place after the server wrote it: refused too, and a re-run notifies no more.
  ASSERT_TRUE(bucket_->Put(output, edited).ok());
  Json refused = Must(tasks_->AddTrainingImage({{"key", output}}, Context()));
  EXPECT_TRUE(refused["refused"].get<bool>()) << refused.dump();
  EXPECT_NE(refused["reason"].get<std::string>().find("final label 'dog'"), std::string::npos) << refused.dump();
  Must(tasks_->AddTrainingImage({{"key", output}}, Context()));
  EXPECT_TRUE(Must(store::ListAll(*bucket_, "images_labeled_by_folder/")).empty());
  int refusals = 0;
  for (const auto& s : Subjects()) refusals += s.starts_with("Review output refused") ? 1 : 0;
  EXPECT_EQ(refusals, 4);  // one per refused file, not per run
  EXPECT_FALSE(Notified("Review processed"));
  EXPECT_FALSE(Must(detection_db_->Get("det-1")).human_copied_key.has_value());
  // The genuine bytes at the genuine key are still trusted.
  ASSERT_TRUE(bucket_->Put(output, genuine).ok());
  Json added = Must(tasks_->AddTrainingImage({{"key", output}}, Context()));
  EXPECT_FALSE(added.value("refused", false));
  EXPECT_TRUE(added["copied_key"].is_string());
}

// Issue 9: a consumer calling /detect in a loop made one notification per call (results and
// review tasks). Now at most per_detection_notifications_per_minute go out one by one.
TEST_F(FlowTasksTest, PerDetectionNotificationsAreRateLimitedAndSummedUp) {
  FlowOptions options;
  options.per_detection_notifications_per_minute = 5;
  Open(options);
  PutVersion("v1");
  const auto uncertain = [&](int i) {
    const std::string id = "det-loop-" + std::to_string(i);
    LogDetection(id, "amazon_logo", 10);
    Json detection = {{"below_threshold", true}, {"review_enabled", true}, {"key", "images_for_detection/" + id + ".png"},
                      {"request_id", id}, {"label", "amazon_logo"}, {"confidence", 10.0},
                      {"candidate_labels", {"amazon_logo", "aws_logo"}}};
    Json made = Must(tasks_->CreateReviewTask({{"detection", detection}}, Context()));
    EXPECT_TRUE(made["review_task"].is_string());  // every task is made; only notices are limited
  };
  for (int i = 0; i < 50; ++i) uncertain(i);
  const auto count = [&](std::string_view prefix) {
    int n = 0;
    for (const auto& s : Subjects()) n += s.starts_with(prefix) ? 1 : 0;
    return n;
  };
  EXPECT_EQ(count("Review task created"), 5);
  clock_.AdvanceMs(60'000);
  uncertain(50);
  EXPECT_EQ(count("Review task created"), 6);
  EXPECT_EQ(count("45 more review-task notification(s) not sent one by one"), 1);
}

TEST_F(FlowTasksTest, NoneOfTheAboveAddsNothingByDefault) {
  PutVersion("v1");
  LogDetection("det-1", "amazon_logo", 40);
  Json added = Must(tasks_->AddTrainingImage({{"key", Review("det-1", review::kSourceLowConfidence, std::nullopt)}}, Context()));
  EXPECT_TRUE(added["copied_key"].is_null());
  EXPECT_TRUE(Must(store::ListAll(*bucket_, "images_labeled_by_folder/")).empty());
}

TEST_F(FlowTasksTest, NoneOfTheAboveIsKeptAsBackgroundWhenConfigured) {
  FlowOptions options;
  options.keep_none_of_the_above = true;
  Open(options);
  PutVersion("v1");
  LogDetection("det-1", "amazon_logo", 40);
  Json added = Must(tasks_->AddTrainingImage({{"key", Review("det-1", review::kSourceLowConfidence, std::nullopt)}}, Context()));
  EXPECT_TRUE(added["copied_key"].get<std::string>().starts_with("images_labeled_by_folder/none_of_the_above/humanLoopName-"));
}

TEST_F(FlowTasksTest, SampledAnswersNeverEnterTrainingAndLowAgreementRaisesTheDriftSignal) {
  FlowOptions options;
  options.agreement_min_samples = 3;
  options.agreement_alert_below = 0.8;
  Open(options);
  PutVersion("v1");
  ASSERT_TRUE(params_->Set(params::kHumanSamplingInterval, "2", "test").ok());
  ASSERT_TRUE(sampling_->ResetCursor().ok());
  for (int i = 1; i <= 8; ++i) LogDetection("det-" + std::to_string(i), "amazon_logo", 95);
  Json sampled = Must(tasks_->SampleDetections(Json::object(), Context()));
  ASSERT_EQ(sampled["sampled"], 4) << sampled.dump();
  EXPECT_TRUE(Notified("Sampling: 4 detection(s) sent for review"));
  // People disagree with the model on every sample.
  for (const Json& task_name : sampled["tasks"]) {
    db::ReviewTask task = Must(reviews_->GetTask(task_name.get<std::string>()));
    ASSERT_TRUE(reviews_->Claim(task.name, "rita").ok());
    task = Must(reviews_->Answer(task.name, "rita", "aws_logo"));
    Json added = Must(tasks_->AddTrainingImage({{"key", task.output_key}}, Context()));
    EXPECT_TRUE(added["copied_key"].is_null());
  }
  EXPECT_TRUE(Must(store::ListAll(*bucket_, "images_labeled_by_folder/")).empty());
  int drift = 0;
  for (const auto& s : Subjects()) drift += s.starts_with("Drift: model/human agreement on v1") ? 1 : 0;
  EXPECT_EQ(drift, 1);  // once, on crossing
}

}  // namespace
}  // namespace labelloop::flows
