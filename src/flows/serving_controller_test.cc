// ServingController in process: RUNNING only once detection serves the version and
// For-System-Use-Only records it; STOPPED only once it serves nothing; blue/green.
#include "flows/serving_controller.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "flows/serving_test_fixture.h"

namespace labelloop::flows {
namespace {

using testing::ServingFixture;

class ServingControllerTest : public ServingFixture {};

TEST_F(ServingControllerTest, ARequestedStartIsStartingUntilDetectionServesIt) {
  PutTrainedVersion("v1");
  ASSERT_EQ(Must(models_->RequestStart("v1")).status, db::kStarting);
  // Nothing serves it yet: not RUNNING, and nothing recorded.
  EXPECT_EQ(detection_->version(), std::nullopt);
  EXPECT_FALSE(SystemJson().contains(kRunningVersion));
  ServingChange change = Must(serving_->Reconcile());
  EXPECT_TRUE(change.switched);
  EXPECT_EQ(detection_->version(), "v1");
  EXPECT_EQ(StatusOf("v1"), db::kRunning);
  EXPECT_EQ(SystemJson().value(kRunningVersion, ""), "v1");
  // Nothing changed: nothing written (For-System-Use-Only keeps its version).
  const int64_t versions_before = Must(params_->History(params::kForSystemUseOnly)).size();
  EXPECT_FALSE(Must(serving_->Reconcile()).switched);
  EXPECT_EQ(int64_t(Must(params_->History(params::kForSystemUseOnly)).size()), versions_before);
}

TEST_F(ServingControllerTest, ATrainingDeployRecordsPreviousTrainedImagesBeforeRunning) {
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->RecordDeploy("v1", 10).ok());
  ASSERT_TRUE(models_->RequestStart("v1").ok());
  EXPECT_EQ(SystemJson().value(kPreviousTrainedImages, 0), 0);
  ASSERT_TRUE(serving_->Reconcile().ok());
  EXPECT_EQ(SystemJson().value(kPreviousTrainedImages, 0), 10);
  EXPECT_FALSE(SystemJson().contains(kDeploying));
  // A later manual stop and start does not touch it.
  ASSERT_TRUE(serving_->StopVersion("v1").ok());
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  EXPECT_EQ(SystemJson().value(kPreviousTrainedImages, 0), 10);
}

TEST_F(ServingControllerTest, StopIsStoppedOnlyOnceNothingServesItAndInFlightDetectionsFinished) {
  PutTrainedVersion("v1");
  ASSERT_EQ(Must(serving_->StartVersion("v1")).status, db::kRunning);
  {
    std::lock_guard lock(fake_.mu);
    fake_.hold = true;
  }
  auto in_flight = std::async(std::launch::async, [&] { return detection_->Detect("img", "a.png", 0, 0); });
  {
    std::unique_lock lock(fake_.mu);
    fake_.cv.wait(lock, [&] { return fake_.in_flight == 1; });
  }
  auto stopped = std::async(std::launch::async, [&] { return serving_->StopVersion("v1"); });
  // The stop waits for the detection in flight; meanwhile new detections find nothing.
  for (int i = 0; i < 400 && detection_->version(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(detection_->version(), std::nullopt);
  EXPECT_NE(StatusOf("v1"), db::kStopped);
  EXPECT_TRUE(IsNoVersionServing(detection_->Detect("img", "b.png", 0, 0).status()));
  {
    std::lock_guard lock(fake_.mu);
    fake_.hold = false;
  }
  fake_.cv.notify_all();
  ASSERT_TRUE(in_flight.get().ok());
  Result<db::ModelVersion> after = stopped.get();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->status, db::kStopped);
  EXPECT_FALSE(SystemJson().contains(kRunningVersion));
  EXPECT_EQ(SystemJson().value(kPreviousVersion, ""), "v1");
}

TEST_F(ServingControllerTest, BlueGreenTheOldVersionServesUntilTheNewOneIsLoaded) {
  PutTrainedVersion("v1");
  PutTrainedVersion("v2");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  ASSERT_EQ(Must(models_->RequestStart("v2")).status, db::kStarting);
  // Requested, not yet switched: v1 still RUNNING and serving.
  EXPECT_EQ(StatusOf("v1"), db::kRunning);
  EXPECT_EQ(Must(detection_->Detect("img", "a.png", 0, 0)).version, "v1");
  ServingChange change = Must(serving_->Reconcile());
  EXPECT_EQ(change.serving, "v2");
  EXPECT_EQ(change.stopped, std::vector<std::string>{"v1"});
  EXPECT_EQ(StatusOf("v1"), db::kStopped);
  EXPECT_EQ(StatusOf("v2"), db::kRunning);
  EXPECT_EQ(Must(detection_->Detect("img", "b.png", 0, 0)).version, "v2");
  EXPECT_EQ(SystemJson().value(kRunningVersion, ""), "v2");
  EXPECT_EQ(SystemJson().value(kPreviousVersion, ""), "v1");
}

TEST_F(ServingControllerTest, AVersionThatCannotLoadFailsToStartAndTheOldOneKeepsServing) {
  PutTrainedVersion("v1");
  PutTrainedVersion(kBroken);
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  Result<db::ModelVersion> broken = serving_->StartVersion(kBroken);
  EXPECT_FALSE(broken.ok());
  db::ModelVersion after = Must(metadata_->GetModelVersion(kBroken));
  EXPECT_EQ(after.status, db::kTrainingCompleted);
  EXPECT_NE(after.status_message.find("Start failed"), std::string::npos) << after.status_message;
  EXPECT_EQ(StatusOf("v1"), db::kRunning);
  EXPECT_EQ(detection_->version(), "v1");
}

TEST_F(ServingControllerTest, AnotherStartRequestSupersedesOneNotYetServing) {
  PutTrainedVersion("v1");
  PutTrainedVersion("v2");
  ASSERT_TRUE(models_->RequestStart("v1").ok());
  ASSERT_TRUE(models_->RequestStart("v2").ok());
  EXPECT_EQ(StatusOf("v1"), db::kStopping);
  ASSERT_TRUE(serving_->Reconcile().ok());
  EXPECT_EQ(StatusOf("v1"), db::kStopped);
  EXPECT_EQ(StatusOf("v2"), db::kRunning);
}

TEST_F(ServingControllerTest, AfterARestartTheRunningVersionServesAgainWithoutAnyWrite) {
  PutTrainedVersion("v1");
  ASSERT_TRUE(serving_->StartVersion("v1").ok());
  Close();
  Open();
  EXPECT_EQ(detection_->version(), std::nullopt);
  const size_t versions_before = Must(params_->History(params::kForSystemUseOnly)).size();
  ServingChange change = Must(serving_->Reconcile());
  EXPECT_TRUE(change.switched);
  EXPECT_EQ(detection_->version(), "v1");
  EXPECT_EQ(StatusOf("v1"), db::kRunning);
  EXPECT_EQ(Must(params_->History(params::kForSystemUseOnly)).size(), versions_before);
}

TEST_F(ServingControllerTest, OnlyTrainedOrStoppedVersionsCanStartAndOnlyServingOnesStop) {
  PutTrainedVersion("v1");
  EXPECT_EQ(serving_->StopVersion("v1").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(serving_->StartVersion("missing").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(bucket_->Put("evaluation/v1/model.bin", "not a model").ok());
  Result<db::ModelVersion> corrupt = serving_->StartVersion("v1");
  EXPECT_EQ(corrupt.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(StatusOf("v1"), db::kTrainingCompleted);
}

// The in-process form of "a client that uploads the instant RUNNING appears gets a
// detection from that version": a detection started right after StartVersion returns
// (RUNNING) is made by that version, cycle after cycle.
TEST_F(ServingControllerTest, TheInstantAVersionIsRunningItDetects) {
  PutTrainedVersion("v1");
  PutTrainedVersion("v2");
  for (int i = 0; i < 20; ++i) {
    const std::string name = i % 2 == 0 ? "v1" : "v2";
    ASSERT_EQ(Must(serving_->StartVersion(name)).status, db::kRunning);
    Result<model::Detection> d = detection_->Detect("img", "x.png", 0, 0);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->version, name);
    if (i % 5 == 4) {
      ASSERT_EQ(Must(serving_->StopVersion(name)).status, db::kStopped);
      EXPECT_TRUE(IsNoVersionServing(detection_->Detect("img", "y.png", 0, 0).status()));
    }
  }
}

}  // namespace
}  // namespace labelloop::flows
