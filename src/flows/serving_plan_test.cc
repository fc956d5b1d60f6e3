// PlanServing alone: which version should serve and what to record once it does.
#include "flows/serving_plan.h"

#include <gtest/gtest.h>

namespace labelloop::flows {
namespace {

db::ModelVersion V(const std::string& name, std::string_view status, int64_t created_ms) {
  db::ModelVersion v;
  v.name = name;
  v.status = std::string(status);
  v.created_ms = created_ms;
  return v;
}

using Names = std::vector<std::string>;

TEST(ServingPlanTest, NothingTrainedServesNothingAndRecordsNothing) {
  ServingPlan plan = PlanServing({V("v1", db::kTrainingCompleted, 1)}, std::nullopt);
  EXPECT_EQ(plan.target, std::nullopt);
  EXPECT_FALSE(plan.NeedsSwitch(std::nullopt));
  EXPECT_FALSE(plan.NeedsRecord());
}

TEST(ServingPlanTest, AStartingVersionIsToServeAndBecomesRunningOnlyThen) {
  ServingPlan plan = PlanServing({V("v1", db::kStarting, 1)}, std::nullopt);
  EXPECT_EQ(plan.target, "v1");
  EXPECT_TRUE(plan.target_starting);
  EXPECT_TRUE(plan.NeedsSwitch(std::nullopt));
  EXPECT_TRUE(plan.to_stop.empty());
  // Once it serves, only the record is left.
  EXPECT_FALSE(plan.NeedsSwitch("v1"));
  EXPECT_TRUE(plan.NeedsRecord());
}

TEST(ServingPlanTest, BlueGreenTheOldVersionIsStoppedOnlyAfterTheNewOneServes) {
  ServingPlan plan = PlanServing({V("v1", db::kRunning, 1), V("v2", db::kStarting, 2)}, "v1");
  EXPECT_EQ(plan.target, "v2");
  EXPECT_TRUE(plan.NeedsSwitch("v1"));
  EXPECT_EQ(plan.to_stop, Names{"v1"});
}

TEST(ServingPlanTest, TheServingRunningVersionKeepsServingAndNothingIsWritten) {
  ServingPlan plan = PlanServing({V("v1", db::kRunning, 1), V("v2", db::kStopped, 2)}, "v1");
  EXPECT_EQ(plan.target, "v1");
  EXPECT_FALSE(plan.NeedsSwitch("v1"));
  EXPECT_FALSE(plan.NeedsRecord());
}

TEST(ServingPlanTest, AfterARestartTheRunningVersionIsDeployedAgain) {
  ServingPlan plan = PlanServing({V("v1", db::kRunning, 1)}, std::nullopt);
  EXPECT_EQ(plan.target, "v1");
  EXPECT_FALSE(plan.target_starting);
  EXPECT_TRUE(plan.NeedsSwitch(std::nullopt));
}

TEST(ServingPlanTest, AStoppingVersionMustNotServeAndIsStoppedOnceItDoesNot) {
  ServingPlan plan = PlanServing({V("v1", db::kStopping, 1)}, "v1");
  EXPECT_EQ(plan.target, std::nullopt);
  EXPECT_TRUE(plan.NeedsSwitch("v1"));
  EXPECT_EQ(plan.to_stop, Names{"v1"});
}

TEST(ServingPlanTest, TheNewestStartingVersionWinsWhateverTheInputOrder) {
  ServingPlan plan = PlanServing({V("v3", db::kStarting, 3), V("v1", db::kRunning, 1), V("v2", db::kStopping, 2)}, "v1");
  EXPECT_EQ(plan.target, "v3");
  EXPECT_EQ(plan.to_stop, (Names{"v2", "v1"}));  // newest first
}

TEST(ServingPlanTest, OfTwoRunningVersionsTheServingOneStaysAndTheOtherStops) {
  ServingPlan plan = PlanServing({V("v2", db::kRunning, 2), V("v1", db::kRunning, 1)}, "v1");
  EXPECT_EQ(plan.target, "v1");
  EXPECT_EQ(plan.to_stop, Names{"v2"});
  // With nothing serving, the newest RUNNING one is chosen.
  EXPECT_EQ(PlanServing({V("v1", db::kRunning, 1), V("v2", db::kRunning, 2)}, std::nullopt).target, "v2");
}

TEST(ServingPlanTest, AServedVersionThatIsNoLongerRunningOrStartingIsUndeployed) {
  ServingPlan plan = PlanServing({V("v1", db::kTrainingCompleted, 1)}, "v1");
  EXPECT_EQ(plan.target, std::nullopt);
  EXPECT_TRUE(plan.NeedsSwitch("v1"));
}

}  // namespace
}  // namespace labelloop::flows
