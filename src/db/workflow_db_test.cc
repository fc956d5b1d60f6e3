// Contract of WorkflowDb (run against SQLite, in memory and on a file): executions,
// optimistic step checks, history order, due/earliest queries, listing and pagination.
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/workflow_db.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Execution MakeExecution(const std::string& id, const std::string& branch, int64_t start_ms) {
  Execution e;
  e.id = id;
  e.branch = branch;
  e.status = std::string(kExecutionRunning);
  e.input_json = R"({"a":1})";
  e.current_state = "First";
  e.current_input_json = R"({"a":1})";
  e.wake_at_ms = start_ms;
  e.start_ms = start_ms;
  e.retry_counts = {0, 1};
  e.state_entries = {{"First", 1}};
  return e;
}

ExecutionEvent MakeEvent(const std::string& execution_id, std::string_view type, int64_t time_ms) {
  ExecutionEvent e;
  e.execution_id = execution_id;
  e.type = std::string(type);
  e.time_ms = time_ms;
  e.state_name = "First";
  e.input_json = "{}";
  e.detail_json = R"({"attempt":1})";
  return e;
}

class WorkflowDbTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    std::string path = ":memory:";
    if (GetParam()) {
      std::string pattern = (fs::temp_directory_path() / "labelloop-workflow-db-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      path = dir_ + "/workflow.db";
    }
    Result<std::unique_ptr<WorkflowDb>> db = OpenSqliteWorkflowDb(path, &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<WorkflowDb> db_;
};

TEST_P(WorkflowDbTest, CreateGetRoundTripsEveryField) {
  Execution e = MakeExecution("x1", "detection", 1000);
  e.stop_ms = 5;
  e.attempt = 3;
  e.step_count = 0;
  Result<std::vector<ExecutionEvent>> stored = db_->CreateExecution(e, {MakeEvent("x1", kEventExecutionStarted, 1000)});
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_GT((*stored)[0].id, 0);
  Result<Execution> got = db_->GetExecution("x1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, e);
}

TEST_P(WorkflowDbTest, CreateTwiceIsAlreadyExistsAndKeepsTheFirst) {
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("x1", "a", 1), {}).ok());
  Result<std::vector<ExecutionEvent>> again =
      db_->CreateExecution(MakeExecution("x1", "b", 2), {MakeEvent("x1", kEventExecutionStarted, 2)});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(db_->GetExecution("x1")->branch, "a");
  EXPECT_TRUE(db_->GetHistory("x1")->empty());  // the transaction rolled back
}

TEST_P(WorkflowDbTest, InvalidExecutionsAreRefused) {
  Execution no_branch = MakeExecution("x1", "", 1);
  EXPECT_EQ(db_->CreateExecution(no_branch, {}).status().code(), StatusCode::kInvalidArgument);
  Execution running_without_wake = MakeExecution("x2", "a", 1);
  running_without_wake.wake_at_ms.reset();
  Result<std::vector<ExecutionEvent>> r = db_->CreateExecution(running_without_wake, {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("wake_at_ms"));
  Execution bad_status = MakeExecution("x3", "a", 1);
  bad_status.status = "DONE";
  EXPECT_THAT(db_->CreateExecution(bad_status, {}).status().message(), HasSubstr("'DONE'"));
}

TEST_P(WorkflowDbTest, UpdateRequiresTheNextStepAndAppendsAtomically) {
  Execution e = MakeExecution("x1", "a", 1);
  ASSERT_TRUE(db_->CreateExecution(e, {MakeEvent("x1", kEventExecutionStarted, 1)}).ok());
  e.step_count = 1;
  e.current_state = "Second";
  e.wake_at_ms = 99;
  e.state_entries["Second"] = 1;
  ASSERT_TRUE(db_->UpdateExecution(e, {MakeEvent("x1", kEventStateExited, 2), MakeEvent("x1", kEventStateEntered, 2)})
                  .ok());
  EXPECT_EQ(*db_->GetExecution("x1"), e);

  // A stale writer (same step again) is refused and adds no events.
  Result<std::vector<ExecutionEvent>> stale = db_->UpdateExecution(e, {MakeEvent("x1", kEventStateExited, 3)});
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(), HasSubstr("x1"));
  EXPECT_EQ(db_->GetHistory("x1")->size(), 3u);

  Execution missing = MakeExecution("nope", "a", 1);
  missing.step_count = 1;
  EXPECT_EQ(db_->UpdateExecution(missing, {}).status().code(), StatusCode::kNotFound);
}

TEST_P(WorkflowDbTest, FinishedExecutionsKeepOutputAndError) {
  Execution e = MakeExecution("x1", "a", 1);
  ASSERT_TRUE(db_->CreateExecution(e, {}).ok());
  e.step_count = 1;
  e.status = std::string(kExecutionFailed);
  e.wake_at_ms.reset();
  e.stop_ms = 50;
  e.error = "Unavailable";
  e.cause = "store down";
  ASSERT_TRUE(db_->UpdateExecution(e, {}).ok());
  EXPECT_EQ(*db_->GetExecution("x1"), e);
  EXPECT_FALSE(db_->FindEarliestWakeMs()->has_value());
}

TEST_P(WorkflowDbTest, HistoryIsInStorageOrderWithIncreasingIds) {
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("x1", "a", 1), {MakeEvent("x1", kEventExecutionStarted, 1),
                                                                 MakeEvent("x1", kEventStateEntered, 1)})
                  .ok());
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("x2", "a", 1), {MakeEvent("x2", kEventExecutionStarted, 1)}).ok());
  ExecutionEvent scheduled = MakeEvent("x1", kEventTaskScheduled, 7);
  scheduled.error = "e";
  scheduled.cause = "c";
  scheduled.output_json = "[1]";
  Result<std::vector<ExecutionEvent>> appended = db_->AppendEvents({scheduled});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  Result<std::vector<ExecutionEvent>> history = db_->GetHistory("x1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_LT((*history)[0].id, (*history)[1].id);
  EXPECT_LT((*history)[1].id, (*history)[2].id);
  scheduled.id = (*appended)[0].id;
  EXPECT_EQ((*history)[2], scheduled);
  EXPECT_EQ(db_->GetHistory("none").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->AppendEvents({MakeEvent("none", kEventStateEntered, 1)}).status().code(), StatusCode::kNotFound);
}

TEST_P(WorkflowDbTest, DueExecutionsAndEarliestWake) {
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("late", "a", 300), {}).ok());
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("early", "a", 100), {}).ok());
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("mid", "a", 200), {}).ok());
  EXPECT_EQ(**db_->FindEarliestWakeMs(), 100);
  Result<std::vector<Execution>> due = db_->ListDueExecutions(200, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, "early");
  EXPECT_EQ((*due)[1].id, "mid");
  EXPECT_EQ(db_->ListDueExecutions(1000, 1)->size(), 1u);
  EXPECT_TRUE(db_->ListDueExecutions(99, 10)->empty());
}

std::vector<std::string> Ids(const Result<std::vector<Execution>>& executions) {
  std::vector<std::string> ids;
  if (!executions.ok()) {
    ADD_FAILURE() << executions.status().ToString();
    return ids;
  }
  for (const Execution& e : *executions) ids.push_back(e.id);
  return ids;
}

TEST_P(WorkflowDbTest, ListIsNewestFirstFilteredAndPaginated) {
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("a1", "detection", 10), {}).ok());
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("b1", "training-poll", 20), {}).ok());
  ASSERT_TRUE(db_->CreateExecution(MakeExecution("a2", "detection", 20), {}).ok());  // same time: later created first
  Execution done = MakeExecution("a3", "detection", 30);
  done.status = std::string(kExecutionSucceeded);
  done.wake_at_ms.reset();
  ASSERT_TRUE(db_->CreateExecution(done, {}).ok());

  EXPECT_THAT(Ids(db_->ListExecutions({})), ElementsAre("a3", "a2", "b1", "a1"));
  ExecutionFilter detection;
  detection.branch = "detection";
  EXPECT_THAT(Ids(db_->ListExecutions(detection)), ElementsAre("a3", "a2", "a1"));
  detection.status = std::string(kExecutionRunning);
  EXPECT_THAT(Ids(db_->ListExecutions(detection)), ElementsAre("a2", "a1"));

  ExecutionFilter page;
  page.limit = 2;
  EXPECT_THAT(Ids(db_->ListExecutions(page)), ElementsAre("a3", "a2"));
  page.before_id = "a2";
  EXPECT_THAT(Ids(db_->ListExecutions(page)), ElementsAre("b1", "a1"));
  page.before_id.clear();
  page.offset = 3;
  EXPECT_THAT(Ids(db_->ListExecutions(page)), ElementsAre("a1"));

  ExecutionFilter unknown;
  unknown.before_id = "zz";
  EXPECT_EQ(db_->ListExecutions(unknown).status().code(), StatusCode::kNotFound);
  ExecutionFilter bad;
  bad.limit = 0;
  EXPECT_EQ(db_->ListExecutions(bad).status().code(), StatusCode::kInvalidArgument);
  bad.limit = 5;
  bad.status = "DONE";
  EXPECT_THAT(db_->ListExecutions(bad).status().message(), HasSubstr("'DONE'"));
  ExecutionFilter both;
  both.before_id = "a2";
  both.offset = 1;
  EXPECT_EQ(db_->ListExecutions(both).status().code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(MemoryAndFile, WorkflowDbTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "File" : "Memory"; });

}  // namespace
}  // namespace labelloop::db
