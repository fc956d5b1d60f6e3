// EventDispatcher with a real engine (a one-state machine), real SQLite stores and a fake
// clock: every parameter change (also one made by another process) and every schedule
// fire becomes exactly one execution of the right branch.
#include "flows/event_dispatcher.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "db/schedule_db.h"
#include "db/workflow_db.h"
#include "params/parameter_store.h"
#include "workflow/state_machine.h"

namespace labelloop::flows {
namespace {

template <typename T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

class EventDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() / ("event_dispatcher_test_" + std::to_string(::getpid()) + ".db")).string();
    std::filesystem::remove(path_);
    param_db_ = Must(db::OpenSqliteParamDb(path_, &clock_));
    schedule_db_ = Must(db::OpenSqliteScheduleDb(path_, &clock_));
    event_db_ = Must(db::OpenSqliteEventDb(path_, &clock_));
    workflow_db_ = Must(db::OpenSqliteWorkflowDb(path_, &clock_));
    params_ = std::make_unique<params::ParameterStore>(param_db_.get(), &clock_);
    ASSERT_TRUE(params_->EnsureDefaults().ok());
    schedules_ = std::make_unique<schedule::Scheduler>(schedule_db_.get(), &clock_);
    queue_ = std::make_unique<events::EventQueue>(event_db_.get(), &clock_);
    auto machine = Must(workflow::ParseStateMachine(R"({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})", registry_));
    engine_ = Must(workflow::Engine::Create(std::move(machine), &registry_, workflow_db_.get(), &clock_));
    dispatcher_ = std::make_unique<EventDispatcher>(queue_.get(), engine_.get(), param_db_.get(), schedules_.get(), &clock_);
  }
  void TearDown() override {
    dispatcher_.reset();
    engine_.reset();
    std::filesystem::remove(path_);
  }

  std::vector<db::Execution> Executions() {
    db::ExecutionFilter filter;
    filter.limit = 100;
    return Must(engine_->ListExecutions(filter));
  }

  FakeClock clock_;
  std::string path_;
  std::unique_ptr<db::ParamDb> param_db_;
  std::unique_ptr<db::ScheduleDb> schedule_db_;
  std::unique_ptr<db::EventDb> event_db_;
  std::unique_ptr<db::WorkflowDb> workflow_db_;
  std::unique_ptr<params::ParameterStore> params_;
  std::unique_ptr<schedule::Scheduler> schedules_;
  std::unique_ptr<events::EventQueue> queue_;
  workflow::TaskRegistry registry_;
  std::unique_ptr<workflow::Engine> engine_;
  std::unique_ptr<EventDispatcher> dispatcher_;
};

TEST_F(EventDispatcherTest, DefaultsAreNotChangesButLaterWritesAreOnceEach) {
  ASSERT_TRUE(dispatcher_->InitializeParameterCursor().ok());
  EXPECT_EQ(dispatcher_->Tick(), 0);
  ASSERT_TRUE(params_->Set(params::kMinimumF1Score, "0.5", "cli:alice").ok());
  // Another process (the CLI) writes through its own connection.
  auto other = Must(db::OpenSqliteParamDb(path_, &clock_));
  params::ParameterStore other_store(other.get(), &clock_);
  ASSERT_TRUE(other_store.Set(params::kHumanSamplingInterval, "50", "cli:bob").ok());
  // The system's own bookkeeping starts nothing.
  ASSERT_TRUE(params_->SetSystem(params::kForSystemUseOnly, R"({"previous_trained_images":3})").ok());
  EXPECT_EQ(dispatcher_->Tick(), 2);
  EXPECT_EQ(dispatcher_->Tick(), 0);
  auto executions = Executions();
  ASSERT_EQ(executions.size(), 2u);
  for (const auto& e : executions) EXPECT_EQ(e.branch, "parameter-change");
}

TEST_F(EventDispatcherTest, ScheduleFiresAndObjectsStartTheirBranches) {
  ASSERT_TRUE(dispatcher_->InitializeParameterCursor().ok());
  ASSERT_TRUE(schedules_->Configure(schedule::kTrainingPoll, true, 60'000).ok());
  ASSERT_TRUE(schedules_->RequestTrigger(schedule::kSamplingPoll).ok());
  ASSERT_TRUE(queue_->ObjectCreated("images_for_detection/a.png", "e1", 3, "api").ok());
  ASSERT_TRUE(queue_->ObjectCreated("images_for_detection/a.png", "e1", 3, "watcher").ok());  // the same object again
  ASSERT_TRUE(queue_->ObjectCreated("a2i-human-loop-data/f/2026/11/26/04/t/output.json", "e2", 3, "api").ok());
  EXPECT_EQ(dispatcher_->Tick(), 3);  // sampling-poll (manual), detection, review-output
  clock_.AdvanceMs(60'000);
  EXPECT_EQ(dispatcher_->Tick(), 1);  // training-poll due
  std::multiset<std::string> branches;
  for (const auto& e : Executions()) branches.insert(e.branch);
  EXPECT_EQ(branches, (std::multiset<std::string>{"detection", "review-output", "sampling-poll", "training-poll"}));
  EXPECT_EQ(Must(event_db_->CountEvents(std::string(db::kEventPending))), 0);
}

TEST_F(EventDispatcherTest, AnEventDispatchedAgainAfterACrashStartsNoSecondExecution) {
  ASSERT_TRUE(dispatcher_->InitializeParameterCursor().ok());
  auto event = Must(queue_->ObjectCreated("images_for_detection/a.png", "e1", 3, "api"));
  ASSERT_TRUE(event.inserted);
  EXPECT_EQ(dispatcher_->Tick(), 1);
  ASSERT_EQ(Executions().size(), 1u);
  const std::string id = Executions().front().id;
  EXPECT_TRUE(id.ends_with("-event" + std::to_string(event.id))) << id;
  // A crash between starting the execution and marking the event dispatched makes the
  // next start dispatch it again, under the same name: the engine keeps the one it has.
  EXPECT_EQ(Must(engine_->StartExecution(nlohmann::json::object(), "detection", id)), id);
  EXPECT_EQ(Executions().size(), 1u);
}

}  // namespace
}  // namespace labelloop::flows
