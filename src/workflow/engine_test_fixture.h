// Test fixture for the engine tests: a fake clock, a workflow db on a temporary file, a
// task registry, and helpers to build an engine from JSON and read results. Tests only.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "db/workflow_db.h"
#include "workflow/engine.h"

namespace labelloop::workflow {

class EngineTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "labelloop-workflow-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_path_ = dir_ + "/workflow.db";
    OpenDb();
  }
  void TearDown() override {
    engine_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void OpenDb() {
    Result<std::unique_ptr<db::WorkflowDb>> db = db::OpenSqliteWorkflowDb(db_path_, &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  void Register(const std::string& resource, TaskHandler handler) {
    ASSERT_TRUE(registry_.Register(resource, std::move(handler)).ok());
  }

  // Parses `definition` and creates engine_ on db_ (no worker threads started).
  void MakeEngine(std::string_view definition, const Clock* clock = nullptr, EngineOptions options = {}) {
    Result<StateMachine> machine = ParseStateMachine(definition, registry_);
    ASSERT_TRUE(machine.ok()) << machine.status().ToString();
    Result<std::unique_ptr<Engine>> engine =
        Engine::Create(std::move(machine).value(), &registry_, db_.get(), clock ? clock : &clock_, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
  }

  std::string Start(const Json& input, const std::string& branch = "test") {
    Result<std::string> id = engine_->StartExecution(input, branch);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  db::Execution Get(const std::string& id) {
    Result<db::Execution> execution = engine_->GetExecution(id);
    EXPECT_TRUE(execution.ok()) << execution.status().ToString();
    return execution.ok() ? *execution : db::Execution{};
  }

  Json Output(const std::string& id) {
    const db::Execution execution = Get(id);
    EXPECT_EQ(execution.status, db::kExecutionSucceeded) << execution.error << ": " << execution.cause;
    return execution.output_json.empty() ? Json() : Json::parse(execution.output_json);
  }

  std::vector<db::ExecutionEvent> History(const std::string& id) {
    Result<std::vector<db::ExecutionEvent>> history = engine_->GetHistory(id);
    EXPECT_TRUE(history.ok()) << history.status().ToString();
    return history.ok() ? *history : std::vector<db::ExecutionEvent>{};
  }

  // "Type:State" for each event, for compact history checks.
  std::vector<std::string> Trace(const std::string& id) {
    std::vector<std::string> out;
    for (const db::ExecutionEvent& e : History(id)) out.push_back(e.type + ":" + e.state_name);
    return out;
  }

  std::vector<db::ExecutionEvent> EventsOfType(const std::string& id, std::string_view type) {
    std::vector<db::ExecutionEvent> out;
    for (const db::ExecutionEvent& e : History(id)) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  FakeClock clock_;
  std::string dir_;
  std::string db_path_;
  std::unique_ptr<db::WorkflowDb> db_;
  TaskRegistry registry_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace labelloop::workflow
