// ReviewService on in-memory SQLite and an in-memory bucket, with a fake clock.
#include "review/review_service.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "review/review_output.h"
#include "review/review_priority.h"
#include "store/fault_injecting_object_store.h"
#include "store/object_keys.h"

namespace labelloop::review {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr int64_t kMinuteMs = 60 * 1000;

class ReviewServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reviews = db::OpenSqliteReviewDb(":memory:", &clock_);
    auto detections = db::OpenSqliteDetectionDb(":memory:", &clock_);
    ASSERT_TRUE(reviews.ok() && detections.ok()) << reviews.status().ToString() << detections.status().ToString();
    reviews_ = std::move(reviews).value();
    detections_ = std::move(detections).value();
    for (int i = 1; i <= 5; ++i) LogDetection("req-" + std::to_string(i));
  }

  void LogDetection(const std::string& request_id, std::string labels_json = "[]") {
    db::Detection d;
    d.request_id = request_id;
    d.created_ms = clock_.NowMs();
    d.image_key = "images_for_detection/" + request_id + ".png";
    d.image_etag = "etag";
    d.model_version = "v1";
    d.top_label = "aws_logo";
    d.confidence_pct = 42.5;
    d.labels_json = std::move(labels_json);
    d.threshold_pct = 70;
    d.review_enabled = true;
    d.source = std::string(db::kDetectionSourceEvent);
    ASSERT_TRUE(detections_->Insert(d).ok());
  }

  std::unique_ptr<ReviewService> MakeService(ReviewOptions options = {}) {
    return std::make_unique<ReviewService>(reviews_.get(), detections_.get(), &faulty_bucket_, &clock_,
                                           std::move(options));
  }

  static ReviewInput Input(const std::string& request_id, std::string_view source = kSourceLowConfidence) {
    return ReviewInput{.image_key = "images_for_detection/" + request_id + ".png",
                       .detection_request_id = request_id,
                       .source = std::string(source),
                       .model_label = "aws_logo",
                       .model_confidence_pct = 42.5,
                       .candidate_labels = {"amazon_logo", "aws_logo"}};
  }

  db::ReviewTask CreateOrDie(ReviewService& service, const std::string& request_id) {
    Result<db::ReviewTask> task = service.CreateTask(Input(request_id));
    EXPECT_TRUE(task.ok()) << task.status().ToString();
    return task.ok() ? *task : db::ReviewTask{};
  }

  std::vector<store::ObjectInfo> Outputs() {
    Result<std::vector<store::ObjectInfo>> all = store::ListAll(*bucket_, std::string(store::kHumanLoopPrefix));
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : std::vector<store::ObjectInfo>{};
  }

  FakeClock clock_;
  std::unique_ptr<store::ObjectStore> bucket_ = store::NewMemoryObjectStore(&clock_);
  store::FaultInjectingObjectStore faulty_bucket_{*bucket_};
  std::unique_ptr<db::ReviewDb> reviews_;
  std::unique_ptr<db::DetectionDb> detections_;
};

TEST_F(ReviewServiceTest, CreateIsIdempotentPerDetectionAndSource) {
  auto service = MakeService();
  const db::ReviewTask first = CreateOrDie(*service, "req-1");
  EXPECT_THAT(first.name, MatchesRegex("review-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}"));
  EXPECT_EQ(first.status, db::kReviewInProgress);
  EXPECT_EQ(first.reviews_required, 1);
  EXPECT_EQ(first.expires_ms, clock_.NowMs() + 7 * 24 * 3600 * 1000LL);
  EXPECT_EQ(first.candidate_labels, (std::vector<std::string>{"amazon_logo", "aws_logo"}));
  clock_.AdvanceMs(1000);
  EXPECT_EQ(CreateOrDie(*service, "req-1").name, first.name);
  Result<db::ReviewTask> sampling = service->CreateTask(Input("req-1", kSourceSampling));
  ASSERT_TRUE(sampling.ok());
  EXPECT_NE(sampling->name, first.name);
  EXPECT_EQ(detections_->Get("req-1")->review_task, first.name);  // the first task is recorded
  EXPECT_EQ(service->ListTasks({})->total_count, 2);
  EXPECT_EQ(service->ListTasks({.source = std::string(kSourceSampling)})->total_count, 1);

  EXPECT_EQ(service->CreateTask(Input("not-logged")).status().code(), StatusCode::kNotFound);
  ReviewInput bad = Input("req-2");
  bad.source = "whim";
  EXPECT_EQ(service->CreateTask(bad).status().code(), StatusCode::kInvalidArgument);
  bad = Input("req-2");
  bad.candidate_labels.push_back("../up");
  EXPECT_EQ(service->CreateTask(bad).status().code(), StatusCode::kInvalidArgument);
  bad = Input("req-2");
  bad.model_confidence_pct = 120;
  EXPECT_EQ(service->CreateTask(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ReviewServiceTest, ClaimHoldsTheTaskAndAnAbandonedOneReturnsAfterTheHold) {
  auto service = MakeService({.claim_hold_ms = 5 * kMinuteMs});
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  EXPECT_EQ(*service->CountAvailable(), 1);
  Result<db::ReviewTask> held = service->Claim(task.name, "alice");
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->claimed_by, "alice");
  EXPECT_EQ(held->claim_expires_ms, clock_.NowMs() + 5 * kMinuteMs);
  EXPECT_EQ(*service->CountAvailable(), 0);

  const Result<db::ReviewTask> refused = service->Claim(task.name, "bob");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("held by 'alice'"));
  EXPECT_FALSE(service->ClaimNext("bob")->has_value());
  EXPECT_EQ(service->Answer(task.name, "bob", "aws_logo").status().code(), StatusCode::kFailedPrecondition);

  // Alice walks away; after the hold the task is back in the queue.
  clock_.AdvanceMs(5 * kMinuteMs - 1);
  EXPECT_FALSE(service->ClaimNext("bob")->has_value());
  clock_.AdvanceMs(1);
  EXPECT_EQ(*service->CountAvailable(), 1);
  Result<std::optional<db::ReviewTask>> next = service->ClaimNext("bob");
  ASSERT_TRUE(next.ok() && next->has_value()) << next.status().ToString();
  EXPECT_EQ((*next)->name, task.name);
  EXPECT_EQ((*next)->claimed_by, "bob");
  EXPECT_EQ(service->Answer(task.name, "alice", "aws_logo").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ReviewServiceTest, ReleaseReturnsTheTaskToTheQueueAndClaimNextTakesTheOldestOfEqualPriority) {
  auto service = MakeService({.random_share = 0});  // no random picks: both rank 0.85
  const db::ReviewTask older = CreateOrDie(*service, "req-1");
  clock_.AdvanceMs(1);
  const db::ReviewTask newer = CreateOrDie(*service, "req-2");
  EXPECT_EQ((*service->ClaimNext("alice"))->name, older.name);
  EXPECT_EQ((*service->ClaimNext("alice"))->name, older.name);  // her own hold again
  EXPECT_EQ((*service->ClaimNext("bob"))->name, newer.name);
  EXPECT_EQ(service->Release(older.name, "bob").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(service->Release(older.name, "alice").ok());
  EXPECT_EQ((*service->ClaimNext("carol"))->name, older.name);
  EXPECT_EQ(service->Claim("no-such-task", "carol").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service->Claim(older.name, "").status().code(), StatusCode::kInvalidArgument);
}

// The detection log's labels rank the task: the reviewer is handed the most uncertain
// detection first, although it came last. A sampling task keeps its source.
TEST_F(ReviewServiceTest, TasksAreRankedByTheirDetectionsLabels) {
  auto service = MakeService({.random_share = 0});
  LogDetection("sure", R"([{"name": "aws_logo", "confidence": 92}, {"name": "amazon_logo", "confidence": 3}])");
  LogDetection("torn", R"([{"name": "aws_logo", "confidence": 48}, {"name": "amazon_logo", "confidence": 46}])");
  LogDetection("none", R"([{"name": "aws_logo", "confidence": 8}, {"name": "amazon_logo", "confidence": 2}])");
  const db::ReviewTask sure = CreateOrDie(*service, "sure");
  clock_.AdvanceMs(1);
  const db::ReviewTask none = CreateOrDie(*service, "none");
  clock_.AdvanceMs(1);
  const db::ReviewTask torn = CreateOrDie(*service, "torn");
  EXPECT_EQ(torn.selection, kSelectionUncertainty);
  EXPECT_DOUBLE_EQ(torn.priority, 0.98);
  EXPECT_DOUBLE_EQ(sure.priority, 0.13);  // 92 against the background's 5
  EXPECT_DOUBLE_EQ(none.priority, 0.18);  // the background's 90 against 8
  Result<db::ReviewTask> sample = service->CreateTask(Input("sure", kSourceSampling));
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  EXPECT_EQ(sample->selection, kSelectionSampled);
  EXPECT_EQ(sample->priority, PlaceInQueue(sample->name, kSourceSampling, 0.13, 0).priority);

  EXPECT_EQ((*service->ClaimNext("alice"))->name, torn.name);
  EXPECT_EQ((*service->ClaimNext("bob"))->name,
            sample->priority > none.priority ? sample->name : none.name);
  // A detection logged without its labels is ranked by its top label against the background.
  EXPECT_DOUBLE_EQ(CreateOrDie(*service, "req-1").priority, 0.85);  // 42.5 against 57.5
}

// With a random share, that share of tasks sits at random places (reproducible from each
// name) and the rest by informativeness; the queue is priority first, then oldest.
TEST_F(ReviewServiceTest, ARandomShareOfTasksIsPickedAtRandom) {
  auto service = MakeService({.random_share = 0.25});
  constexpr int kTasks = 400;
  for (int i = 0; i < kTasks; ++i) {
    const std::string id = "det-" + std::to_string(i);
    const double top = 40 + (i * 7) % 60;
    LogDetection(id, fmt::format(R"([{{"name": "aws_logo", "confidence": {}}}])", top));
    const db::ReviewTask task = CreateOrDie(*service, id);
    const QueuePlace place = PlaceInQueue(task.name, kSourceLowConfidence, Informativeness({top}), 0.25);
    EXPECT_EQ(task.selection, place.selection);
    EXPECT_EQ(task.priority, place.priority);
    clock_.AdvanceMs(1);
  }
  Result<db::ReviewTaskPage> queue = service->ListTasks({.limit = kTasks, .order = db::ReviewOrder::kQueue});
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  int random = 0;
  for (size_t i = 0; i < queue->tasks.size(); ++i) {
    random += queue->tasks[i].selection == kSelectionRandom;
    if (i == 0) continue;
    const db::ReviewTask& a = queue->tasks[i - 1];
    const db::ReviewTask& b = queue->tasks[i];
    EXPECT_TRUE(a.priority > b.priority || (a.priority == b.priority && a.created_ms < b.created_ms)) << i;
  }
  EXPECT_NEAR(random, 100, 40);  // Binomial(400, 0.25): sd 8.7; the names are random
  EXPECT_EQ((*service->ClaimNext("alice"))->name, queue->tasks.front().name);
}

TEST_F(ReviewServiceTest, ExpireDueReturnsTasksPastTheirLifetimeOnce) {
  auto service = MakeService({.lifetime_ms = 60 * kMinuteMs});
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  clock_.AdvanceMs(30 * kMinuteMs);
  const db::ReviewTask later = CreateOrDie(*service, "req-2");
  ASSERT_TRUE(service->Claim(task.name, "alice").ok());
  clock_.AdvanceMs(30 * kMinuteMs - 1);
  EXPECT_TRUE(service->ExpireDue()->empty());
  clock_.AdvanceMs(1);
  Result<std::vector<db::ReviewTask>> expired = service->ExpireDue();
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].name, task.name);
  EXPECT_EQ((*expired)[0].status, db::kReviewExpired);
  EXPECT_EQ((*expired)[0].completed_ms, clock_.NowMs());
  EXPECT_EQ((*expired)[0].claimed_by, std::nullopt);
  EXPECT_TRUE(service->ExpireDue()->empty());
  EXPECT_EQ(service->Answer(task.name, "alice", "aws_logo").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(service->Stop(task.name).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*service->CountAvailable(), 1);
  EXPECT_EQ(service->GetTask(later.name)->status, db::kReviewInProgress);
}

TEST_F(ReviewServiceTest, StopEndsAnOpenTask) {
  auto service = MakeService();
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  ASSERT_TRUE(service->Stop(task.name).ok());
  ASSERT_TRUE(service->Stop(task.name).ok());  // again: OK
  EXPECT_EQ(service->GetTask(task.name)->status, db::kReviewStopped);
  EXPECT_EQ(service->Claim(task.name, "alice").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*service->CountAvailable(), 0);
}

TEST_F(ReviewServiceTest, OneReviewCompletesAndWritesOutputJson) {
  auto service = MakeService();
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  ASSERT_TRUE(service->Claim(task.name, "alice").ok());
  clock_.SetMs(1'700'000'000'000);  // 2023-11-14T22:13:20Z
  Result<db::ReviewTask> done = service->Answer(task.name, "alice", "amazon_logo");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, db::kReviewCompleted);
  EXPECT_EQ(done->final_label, "amazon_logo");
  EXPECT_EQ(done->agreement, 1.0);
  EXPECT_TRUE(done->output_written);
  EXPECT_EQ(done->output_key,
            "a2i-human-loop-data/labelloop-review/2023/11/14/22/" + task.name + "/output.json");

  Result<std::string> bytes = bucket_->Get(done->output_key);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Result<ReviewOutput> output = ParseReviewOutput(*bytes);
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(output->task_name, task.name);
  EXPECT_EQ(output->flow_name, "labelloop-review");
  EXPECT_EQ(output->source, kSourceLowConfidence);
  EXPECT_EQ(output->image_key, "images_for_detection/req-1.png");
  EXPECT_EQ(output->detection_request_id, "req-1");
  EXPECT_EQ(output->model_label, "aws_logo");
  EXPECT_DOUBLE_EQ(output->model_confidence_pct, 42.5);
  EXPECT_EQ(output->candidate_labels, (std::vector<std::string>{"amazon_logo", "aws_logo"}));
  EXPECT_EQ(output->final_label, "amazon_logo");
  ASSERT_EQ(output->answers.size(), 1u);
  EXPECT_EQ(output->answers[0], (db::ReviewAnswer{"alice", "amazon_logo", 1'700'000'000'000}));

  const db::Detection detection = *detections_->Get("req-1");
  EXPECT_EQ(detection.human_label, "amazon_logo");
  EXPECT_EQ(detection.human_completed_ms, 1'700'000'000'000);
  EXPECT_EQ(service->Answer(task.name, "bob", "aws_logo").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ReviewServiceTest, NoneOfTheAboveIsNullEverywhere) {
  auto service = MakeService();
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  Result<db::ReviewTask> done = service->Answer(task.name, "alice", std::nullopt);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->final_label, std::nullopt);
  EXPECT_THAT(*bucket_->Get(done->output_key), HasSubstr("\"final_label\": null"));
  EXPECT_EQ(detections_->Get("req-1")->human_label, std::nullopt);
  EXPECT_TRUE(detections_->Get("req-1")->human_completed_ms.has_value());
}

TEST_F(ReviewServiceTest, ThreeReviewsTakeTheMajority) {
  auto service = MakeService({.reviews_per_task = 3});
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  EXPECT_EQ(task.reviews_required, 3);
  EXPECT_EQ(service->Answer(task.name, "alice", "aws_logo")->status, db::kReviewInProgress);
  EXPECT_EQ(service->Answer(task.name, "bob", "amazon_logo")->status, db::kReviewInProgress);
  EXPECT_TRUE(Outputs().empty());
  Result<db::ReviewTask> done = service->Answer(task.name, "carol", "aws_logo");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, db::kReviewCompleted);
  EXPECT_EQ(done->final_label, "aws_logo");
  EXPECT_NEAR(*done->agreement, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(done->answers.size(), 3u);
  Result<ReviewOutput> output = ParseReviewOutput(*bucket_->Get(done->output_key));
  ASSERT_TRUE(output.ok());
  EXPECT_EQ(output->answers.size(), 3u);
  EXPECT_NEAR(output->agreement, 2.0 / 3.0, 1e-12);
}

TEST_F(ReviewServiceTest, TwoReviewerTieNeedsAnotherReviewer) {
  auto service = MakeService({.reviews_per_task = 2});
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  ASSERT_TRUE(service->Answer(task.name, "alice", "aws_logo").ok());
  Result<db::ReviewTask> tied = service->Answer(task.name, "bob", std::nullopt);
  ASSERT_TRUE(tied.ok()) << tied.status().ToString();
  EXPECT_EQ(tied->status, db::kReviewInProgress);
  EXPECT_EQ(tied->reviews_required, 3);
  EXPECT_EQ(*service->CountAvailable(), 1);
  EXPECT_FALSE(service->ClaimNext("alice")->has_value());  // she answered it
  ASSERT_TRUE(service->ClaimNext("carol")->has_value());
  Result<db::ReviewTask> done = service->Answer(task.name, "carol", std::nullopt);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, db::kReviewCompleted);
  EXPECT_EQ(done->final_label, std::nullopt);  // None of the Above, 2 of 3
  EXPECT_NEAR(*done->agreement, 2.0 / 3.0, 1e-12);
}

TEST_F(ReviewServiceTest, SameReviewerCannotAnswerTwice) {
  auto service = MakeService({.reviews_per_task = 2});
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  ASSERT_TRUE(service->Answer(task.name, "alice", "aws_logo").ok());
  const Result<db::ReviewTask> again = service->Answer(task.name, "alice", "aws_logo");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr("'alice' has already answered"));
  EXPECT_EQ(service->Claim(task.name, "alice").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(service->GetTask(task.name)->answers.size(), 1u);
}

TEST_F(ReviewServiceTest, BadLabelNamesAreRefused) {
  auto service = MakeService();
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  for (const std::string& label :
       {std::string("../x"), std::string("/abs"), std::string("a\0b", 3), std::string(300, 'l'), std::string(""),
        std::string("a/b"), std::string("..")}) {
    SCOPED_TRACE(store::QuoteKey(label));
    const Result<db::ReviewTask> result = service->Answer(task.name, "alice", label);
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(result.status().message(), HasSubstr(task.name));
  }
  EXPECT_TRUE(service->GetTask(task.name)->answers.empty());
  EXPECT_EQ(service->Answer(task.name, std::string("a\nb"), "aws_logo").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(service->Answer(task.name, "alice", "new label é").ok());  // a new label is fine
}

TEST_F(ReviewServiceTest, OutputIsWrittenExactlyOnceAcrossFailures) {
  auto service = MakeService();
  // The Put is applied but its reply is lost: the caller sees an error, the answer is kept.
  const db::ReviewTask first = CreateOrDie(*service, "req-1");
  faulty_bucket_.DropNextPutReply();
  const Result<db::ReviewTask> lost_reply = service->Answer(first.name, "alice", "aws_logo");
  EXPECT_EQ(lost_reply.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(lost_reply.status().message(), HasSubstr("the answer is stored"));
  db::ReviewTask stored = *service->GetTask(first.name);
  EXPECT_EQ(stored.status, db::kReviewCompleted);
  EXPECT_FALSE(stored.output_written);
  const std::string key = stored.output_key;
  ASSERT_FALSE(key.empty());

  // The Put fails outright for a second task.
  const db::ReviewTask second = CreateOrDie(*service, "req-2");
  faulty_bucket_.CrashNextPut();
  EXPECT_FALSE(service->Answer(second.name, "bob", "amazon_logo").ok());
  EXPECT_EQ(Outputs().size(), 1u);  // only the first (whose reply was lost)
  const std::string first_etag = Outputs()[0].etag;

  // The sweep writes what is missing, under the same keys; a second sweep writes nothing.
  clock_.AdvanceMs(3 * 3600 * 1000);  // a later hour must not change the key
  EXPECT_EQ(*service->WriteMissingOutputs(), 2);
  EXPECT_EQ(*service->WriteMissingOutputs(), 0);
  const std::vector<store::ObjectInfo> outputs = Outputs();
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_TRUE(outputs[0].key == key || outputs[1].key == key);
  for (const store::ObjectInfo& o : outputs) {
    if (o.key == key) {
      EXPECT_EQ(o.etag, first_etag);  // rewritten with the same bytes
    }
  }
  EXPECT_TRUE(service->GetTask(first.name)->output_written);
  EXPECT_TRUE(service->GetTask(second.name)->output_written);
  EXPECT_TRUE(service->ExpireDue()->empty());
  EXPECT_EQ(Outputs().size(), 2u);
}

TEST_F(ReviewServiceTest, ExpireDueAlsoRetriesMissingOutputs) {
  auto service = MakeService();
  const db::ReviewTask task = CreateOrDie(*service, "req-1");
  faulty_bucket_.FailNextCalls(store::ObjectStoreVerb::kPut, 1);
  EXPECT_FALSE(service->Answer(task.name, "alice", "aws_logo").ok());
  EXPECT_TRUE(Outputs().empty());
  EXPECT_TRUE(service->ExpireDue()->empty());
  EXPECT_EQ(Outputs().size(), 1u);
}

}  // namespace
}  // namespace labelloop::review
