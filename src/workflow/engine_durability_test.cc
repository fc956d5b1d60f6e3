// Durability: an engine destroyed (or a process killed with SIGKILL) mid-execution leaves
// the db at a state boundary; a new Engine on the same file resumes every RUNNING
// execution, and a Task interrupted by the crash runs again with the same idempotency key.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "workflow/engine.h"
#include "workflow/engine_test_fixture.h"

namespace labelloop::workflow {
namespace {

using ::testing::ElementsAre;

// A WorkflowDb that loses every UpdateExecution while `fail_updates` is set: the process
// "died" after the handler ran and before the transition was committed.
class LosingUpdatesDb final : public db::WorkflowDb {
 public:
  explicit LosingUpdatesDb(db::WorkflowDb* base) : base_(base) {}
  bool fail_updates = false;

  Result<std::vector<db::ExecutionEvent>> CreateExecution(const db::Execution& e,
                                                          std::vector<db::ExecutionEvent> events) override {
    return base_->CreateExecution(e, std::move(events));
  }
  Result<std::vector<db::ExecutionEvent>> UpdateExecution(const db::Execution& e,
                                                          std::vector<db::ExecutionEvent> events) override {
    if (fail_updates) return UnavailableError("simulated crash before commit");
    return base_->UpdateExecution(e, std::move(events));
  }
  Result<std::vector<db::ExecutionEvent>> AppendEvents(std::vector<db::ExecutionEvent> events) override {
    return base_->AppendEvents(std::move(events));
  }
  Result<db::Execution> GetExecution(const std::string& id) override { return base_->GetExecution(id); }
  Result<std::vector<db::Execution>> ListExecutions(const db::ExecutionFilter& f) override {
    return base_->ListExecutions(f);
  }
  Result<std::vector<db::Execution>> ListDueExecutions(int64_t now_ms, int limit) override {
    return base_->ListDueExecutions(now_ms, limit);
  }
  Result<std::optional<int64_t>> FindEarliestWakeMs() override { return base_->FindEarliestWakeMs(); }
  Result<std::vector<db::ExecutionEvent>> GetHistory(const std::string& id) override { return base_->GetHistory(id); }

 private:
  db::WorkflowDb* base_;
};

class EngineDurabilityTest : public EngineTestBase {
 protected:
  // Destroys the engine and the db handle and opens both again on the same file.
  void Restart(std::string_view definition) {
    engine_.reset();
    db_.reset();
    OpenDb();
    MakeEngine(definition);
  }
};

constexpr std::string_view kWaitThenTask = R"({"StartAt": "Hold", "States": {
  "Hold": {"Type": "Wait", "Seconds": 60, "Next": "Work"},
  "Work": {"Type": "Task", "Resource": "labelloop:work", "End": true}}})";

TEST_F(EngineDurabilityTest, StartedExecutionIsDurableBeforeAnyStep) {
  Register("labelloop:work", [](const Json& input, const TaskContext&) -> Result<Json> { return input; });
  MakeEngine(R"({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "labelloop:work", "End": true}}})");
  const std::string id = Start(Json{{"k", 1}});
  Restart(R"({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "labelloop:work", "End": true}}})");
  EXPECT_EQ(Get(id).status, db::kExecutionRunning);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  EXPECT_EQ(Output(id), Json::parse(R"({"k": 1})"));
}

TEST_F(EngineDurabilityTest, ResumesInTheMiddleOfAWait) {
  std::vector<std::string> keys;
  Register("labelloop:work", [&](const Json& input, const TaskContext& context) -> Result<Json> {
    keys.push_back(context.IdempotencyKey());
    return Json("worked");
  });
  MakeEngine(kWaitThenTask);
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  clock_.AdvanceMs(30'000);
  EXPECT_EQ(engine_->RunUntilIdle(), 0);
  Restart(kWaitThenTask);
  EXPECT_EQ(Get(id).current_state, "Hold");
  EXPECT_EQ(engine_->RunUntilIdle(), 0);  // 30 s still to go
  clock_.AdvanceMs(30'000);
  EXPECT_EQ(engine_->RunUntilIdle(), 2);
  EXPECT_EQ(Output(id), "worked");
  EXPECT_THAT(keys, ElementsAre(id + "/Work#1"));
  EXPECT_EQ(EventsOfType(id, db::kEventWaitStarted).size(), 1u);
  EXPECT_EQ(EventsOfType(id, db::kEventExecutionStarted).size(), 1u);
}

TEST_F(EngineDurabilityTest, TaskInterruptedBeforeCommitRunsAgainWithTheSameKey) {
  std::vector<std::string> keys;
  std::vector<int> attempts;
  Register("labelloop:work", [&](const Json& input, const TaskContext& context) -> Result<Json> {
    keys.push_back(context.IdempotencyKey());
    attempts.push_back(context.attempt);
    return Json("worked");
  });
  constexpr std::string_view kDefinition = R"({"StartAt": "Work", "States": {
    "Work": {"Type": "Task", "Resource": "labelloop:work", "End": true}}})";
  LosingUpdatesDb losing(db_.get());
  losing.fail_updates = true;
  {
    Result<StateMachine> machine = ParseStateMachine(kDefinition, registry_);
    ASSERT_TRUE(machine.ok());
    std::unique_ptr<Engine> doomed = *Engine::Create(std::move(machine).value(), &registry_, &losing, &clock_);
    Result<std::string> id = doomed->StartExecution(Json::object(), "test");
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(doomed->RunUntilIdle(), 0);  // the handler ran; its result was never committed
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(doomed->GetExecution(*id)->status, db::kExecutionRunning);
  }  // the "crashed" engine is gone
  Restart(kDefinition);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_THAT(attempts, ElementsAre(1, 1));
  const std::string id = keys[0].substr(0, keys[0].find('/'));
  EXPECT_EQ(Output(id), "worked");
  EXPECT_EQ(EventsOfType(id, db::kEventTaskScheduled).size(), 2u);  // the re-run shows in the history
}

TEST_F(EngineDurabilityTest, RetryDelaySurvivesARestart) {
  std::vector<int> attempts;
  std::vector<std::string> keys;
  Register("labelloop:work", [&](const Json& input, const TaskContext& context) -> Result<Json> {
    attempts.push_back(context.attempt);
    keys.push_back(context.IdempotencyKey());
    if (attempts.size() == 1) return UnavailableError("not yet");
    return Json("worked");
  });
  constexpr std::string_view kDefinition = R"({"StartAt": "Work", "States": {
    "Work": {"Type": "Task", "Resource": "labelloop:work", "End": true,
             "Retry": [{"ErrorEquals": ["Unavailable"], "IntervalSeconds": 10}]}}})";
  MakeEngine(kDefinition);
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  Restart(kDefinition);
  clock_.AdvanceMs(9'999);
  EXPECT_EQ(engine_->RunUntilIdle(), 0);
  clock_.AdvanceMs(1);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  EXPECT_THAT(attempts, ElementsAre(1, 2));
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_EQ(Output(id), "worked");
}

// ---- kill -9 of a real process

constexpr std::string_view kCrashDefinition = R"({"StartAt": "Prepare", "States": {
  "Prepare": {"Type": "Pass", "Result": {"step": "prepared"}, "ResultPath": "$.prep", "Next": "Work"},
  "Work": {"Type": "Task", "Resource": "labelloop:work", "ResultPath": "$.work", "End": true}}})";

// Run only as the child of KilledProcessResumes: starts an execution whose task writes its
// idempotency key to a file and then hangs until the parent kills the process.
TEST(WorkflowCrashChild, DISABLED_RunUntilKilled) {
  const char* db_path = std::getenv("LABELLOOP_WORKFLOW_CRASH_DB");
  const char* key_path = std::getenv("LABELLOOP_WORKFLOW_CRASH_KEY");
  ASSERT_NE(db_path, nullptr);
  ASSERT_NE(key_path, nullptr);
  TaskRegistry registry;
  ASSERT_TRUE(registry
                  .Register("labelloop:work",
                            [&](const Json&, const TaskContext& context) -> Result<Json> {
                              std::ofstream(std::string(key_path) + ".tmp") << context.IdempotencyKey();
                              std::rename((std::string(key_path) + ".tmp").c_str(), key_path);
                              while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
                            })
                  .ok());
  auto db = db::OpenSqliteWorkflowDb(db_path, SystemClock::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto engine = Engine::Create(*ParseStateMachine(kCrashDefinition, registry), &registry, db->get(),
                               SystemClock::Default());
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->Start().ok());
  ASSERT_TRUE((*engine)->StartExecution(Json{{"image", "a.jpg"}}, "crash").ok());
  while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
}

TEST_F(EngineDurabilityTest, KilledProcessResumes) {
  const std::string key_path = dir_ + "/key.txt";
  db_.reset();  // the child creates the database
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("LABELLOOP_WORKFLOW_CRASH_DB", db_path_.c_str(), 1);
    setenv("LABELLOOP_WORKFLOW_CRASH_KEY", key_path.c_str(), 1);
    execl("/proc/self/exe", "workflow_test", "--gtest_filter=WorkflowCrashChild.DISABLED_RunUntilKilled",
          "--gtest_also_run_disabled_tests", static_cast<char*>(nullptr));
    _exit(127);
  }
  // A real external process is involved: poll for its task to start (at most 30 s).
  Result<std::string> key = NotFoundError("no key yet");
  for (int i = 0; i < 3000 && !key.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    key = ReadFileBytes(key_path);
  }
  kill(pid, SIGKILL);
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  ASSERT_TRUE(key.ok()) << "the child never ran its task: " << key.status().ToString();
  ASSERT_TRUE(WIFSIGNALED(wait_status));

  std::vector<std::string> keys;
  Register("labelloop:work", [&](const Json& input, const TaskContext& context) -> Result<Json> {
    keys.push_back(context.IdempotencyKey());
    return Json("worked");
  });
  OpenDb();
  MakeEngine(kCrashDefinition, SystemClock::Default());
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], *key);
  const std::string id = keys[0].substr(0, keys[0].find('/'));
  EXPECT_EQ(Output(id), Json::parse(R"({"image": "a.jpg", "prep": {"step": "prepared"}, "work": "worked"})"));
}

}  // namespace
}  // namespace labelloop::workflow
