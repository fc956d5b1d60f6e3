// Images wait for a model: queued while no version serves, detected exactly once, oldest
// first, as soon as one does (also after a restart); transient failures retried with
// back-off, permanent ones failed with the reason.
#include <gtest/gtest.h>

#include "flows/detection_retry.h"
#include "flows/serving_test_fixture.h"

namespace labelloop::flows {
namespace {

using testing::ServingFixture;

class PendingDetectionsTest : public ServingFixture {
 protected:
  int64_t Count(std::string_view status) { return Must(queue_db_->Count(status)); }
  int64_t Logged() { return Must(detection_db_->LastSequenceId()); }

  // Detected images in log order (oldest first), by file name.
  std::vector<std::string> LoggedKeys() {
    db::DetectionFilter filter;
    filter.limit = 1000;
    std::vector<std::string> keys;
    for (const auto& d : Must(detection_db_->List(filter)).detections) keys.insert(keys.begin(), d.image_key);
    return keys;
  }
};

TEST(DetectionRetryTest, BackOffDoublesFromOneSecondUpToFiveMinutes) {
  EXPECT_EQ(RetryDelayMs(1), 1'000);
  EXPECT_EQ(RetryDelayMs(2), 2'000);
  EXPECT_EQ(RetryDelayMs(5), 16'000);
  EXPECT_EQ(RetryDelayMs(9), 256'000);
  EXPECT_EQ(RetryDelayMs(10), kMaxRetryDelayMs);
  EXPECT_EQ(RetryDelayMs(1'000'000), kMaxRetryDelayMs);
  EXPECT_TRUE(IsTransientDetectionError(UnavailableError("busy")));
  EXPECT_TRUE(IsTransientDetectionError(ResourceExhaustedError("memory")));
  EXPECT_FALSE(IsTransientDetectionError(InvalidArgumentError("corrupt")));
  EXPECT_FALSE(IsTransientDetectionError(NotFoundError("gone")));
}

TEST_F(PendingDetectionsTest, ImagesBeforeAnyModelWaitAndAreDetectedOnceOldestFirst) {
  for (int i = 1; i <= 5; ++i) {
    Json out = Must(DetectEvent("img-" + std::to_string(i) + ".png", "bytes", i));
    EXPECT_TRUE(out.value("pending", false)) << out.dump();
    EXPECT_FALSE(out.value("below_threshold", true));  // an older state machine goes on to "logged"
  }
  EXPECT_EQ(Count(db::kQueuedPending), 5);
  EXPECT_EQ(DrainAll(), 0);  // nothing serves: nothing happens
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_EQ(DrainAll(), 5);
  EXPECT_EQ(Count(""), 0);
  EXPECT_EQ(LoggedKeys(), (std::vector<std::string>{"images_for_detection/img-1.png", "images_for_detection/img-2.png",
                                                    "images_for_detection/img-3.png", "images_for_detection/img-4.png",
                                                    "images_for_detection/img-5.png"}));
  // A re-run of a step (a crash after it queued) finds the detection logged: no second one.
  Json again = Must(DetectEvent("img-3.png", "bytes", 3));
  EXPECT_FALSE(again.value("pending", true));
  EXPECT_EQ(again.value("version", ""), "v1");
  EXPECT_EQ(Logged(), 5);
  EXPECT_EQ(fake_.images.size(), 5u);
}

TEST_F(PendingDetectionsTest, NewImagesQueueBehindOlderPendingOnesSoOrderHolds) {
  Must(DetectEvent("old.png", "bytes", 1));
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  // A version serves, but an older image still waits: the new one queues behind it.
  EXPECT_TRUE(Must(DetectEvent("new.png", "bytes", 2)).value("pending", false));
  EXPECT_EQ(DrainAll(), 2);
  EXPECT_EQ(LoggedKeys(), (std::vector<std::string>{"images_for_detection/old.png", "images_for_detection/new.png"}));
  // The queue is empty: the next image is detected at once.
  Json now = Must(DetectEvent("later.png", "bytes", 3));
  EXPECT_FALSE(now.value("pending", true));
  EXPECT_EQ(now.value("version", ""), "v1");
}

TEST_F(PendingDetectionsTest, PendingImagesSurviveARestart) {
  Must(DetectEvent("a.png", "bytes", 1));
  Must(DetectEvent("b.png", "bytes", 2));
  PutTrainedVersion("v1");
  Close();
  Open();
  EXPECT_EQ(Count(db::kQueuedPending), 2);
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_EQ(DrainAll(), 2);
  EXPECT_EQ(Logged(), 2);
}

TEST_F(PendingDetectionsTest, AStoppedVersionNoLongerDetectsImagesWaitForTheNextStart) {
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_FALSE(Must(DetectEvent("a.png", "bytes", 1)).value("pending", true));
  ASSERT_TRUE(serving_->StopVersion("v1").ok());
  EXPECT_TRUE(Must(DetectEvent("b.png", "bytes", 2)).value("pending", false));
  EXPECT_EQ(Logged(), 1);
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_EQ(DrainAll(), 1);
  EXPECT_EQ(Logged(), 2);
}

TEST_F(PendingDetectionsTest, TransientFailuresAreRetriedWithBackOffUntilTheyPass) {
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  fake_.unavailable_left = 2;
  Json out = Must(DetectEvent("flaky.png", "bytes", 1));
  EXPECT_TRUE(out.value("pending", false));
  db::QueuedImage queued = *Must(queue_db_->Find(out.value("request_id", "")));
  EXPECT_EQ(queued.attempts, 1);
  EXPECT_EQ(queued.next_attempt_ms, clock_.NowMs() + 1'000);
  EXPECT_NE(queued.last_error.find("busy"), std::string::npos);
  EXPECT_EQ(DrainAll(), 0);  // not due yet
  clock_.AdvanceMs(1'000);
  EXPECT_EQ(DrainAll(), 1);  // tried: fails again, waits 2 s
  queued = *Must(queue_db_->Find(out.value("request_id", "")));
  EXPECT_EQ(queued.attempts, 2);
  EXPECT_EQ(queued.next_attempt_ms, clock_.NowMs() + 2'000);
  clock_.AdvanceMs(2'000);
  EXPECT_EQ(DrainAll(), 1);
  EXPECT_EQ(Count(""), 0);
  EXPECT_EQ(Logged(), 1);
}

TEST_F(PendingDetectionsTest, ACorruptImageFailsForGoodWithItsReason) {
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  Result<Json> out = DetectEvent("corrupt.png", "corrupt", 1);
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  std::vector<db::QueuedImage> failed = Must(queue_db_->List(db::kQueuedFailed, 10, std::nullopt));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].last_error.find("corrupt"), std::string::npos) << failed[0].last_error;
  // It does not block the queue: the next image is detected at once.
  EXPECT_FALSE(Must(DetectEvent("fine.png", "bytes", 2)).value("pending", true));
  // A re-run of the failed step fails the same way, and nothing is detected twice.
  EXPECT_FALSE(DetectEvent("corrupt.png", "corrupt", 1).ok());
  EXPECT_EQ(Logged(), 1);
}

TEST_F(PendingDetectionsTest, AQueuedImageThatTurnsOutCorruptFailsAndTheRestGoOn) {
  Must(DetectEvent("a.png", "bytes", 1));
  Must(DetectEvent("bad.png", "corrupt", 2));
  Must(DetectEvent("c.png", "bytes", 3));
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_EQ(DrainAll(), 3);
  EXPECT_EQ(Count(db::kQueuedFailed), 1);
  EXPECT_EQ(Count(db::kQueuedPending), 0);
  EXPECT_EQ(LoggedKeys(), (std::vector<std::string>{"images_for_detection/a.png", "images_for_detection/c.png"}));
}

TEST_F(PendingDetectionsTest, TheApiKeepsAnUploadWhileNoVersionServesAndAnswersPending) {
  Json pending = Must(tasks_->DetectUpload("bytes", "photo.png", 0, 0, "tester"));
  EXPECT_EQ(pending.value("status", ""), "pending");
  EXPECT_TRUE(pending["version"].is_null());
  const std::string request_id = pending.value("request_id", "");
  EXPECT_TRUE(Must(queue_db_->Find(request_id)).has_value());
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_EQ(DrainAll(), 1);
  db::Detection logged = Must(detection_db_->Get(request_id));
  EXPECT_EQ(logged.model_version, "v1");
  EXPECT_EQ(logged.source, db::kDetectionSourceApi);
  Json detected = Must(tasks_->DetectUpload("bytes", "photo2.png", 0, 0, "tester"));
  EXPECT_EQ(detected.value("status", ""), "detected");
  EXPECT_EQ(detected.value("version", ""), "v1");
}

TEST_F(PendingDetectionsTest, ASynchronousApiCallIsAnsweredAtOnceEvenWithABacklog) {
  Must(DetectEvent("old.png", "bytes", 1));
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  Json detected = Must(tasks_->DetectUpload("bytes", "now.png", 0, 0, "tester"));
  EXPECT_EQ(detected.value("status", ""), "detected");
  EXPECT_EQ(DrainAll(), 1);
}

}  // namespace
}  // namespace labelloop::flows
