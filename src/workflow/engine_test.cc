// Engine semantics with a fake clock (no sleeps): every state type, data flow, Retry with
// backoff timed on the clock, Catch, runtime errors, history, listener, listing.
#include "workflow/engine.h"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "workflow/engine_test_fixture.h"

namespace labelloop::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class EngineTest : public EngineTestBase {};

TEST_F(EngineTest, PassWithResultParametersAndPaths) {
  MakeEngine(R"({"StartAt": "Fixed", "States": {
    "Fixed": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.fixed", "Next": "Shape"},
    "Shape": {"Type": "Pass", "InputPath": "$.in", "Parameters": {"name.$": "$.name", "first.$": "$.list[0]",
              "nested": {"n.$": "$.name"}, "const": 7}, "ResultPath": "$.shaped", "Next": "Pick"},
    "Pick": {"Type": "Pass", "OutputPath": "$.shaped", "Next": "Drop"},
    "Drop": {"Type": "Pass", "Result": "ignored", "ResultPath": null, "End": true}}})");
  const std::string id = Start(Json::parse(R"({"in": {"name": "a", "list": [5, 6]}})"));
  EXPECT_EQ(engine_->RunUntilIdle(), 4);
  EXPECT_EQ(Output(id), Json::parse(R"({"name": "a", "first": 5, "nested": {"n": "a"}, "const": 7})"));
}

TEST_F(EngineTest, InputPathAndOutputPathNullGiveEmptyObjects) {
  MakeEngine(R"({"StartAt": "A", "States": {
    "A": {"Type": "Pass", "InputPath": null, "ResultPath": "$.seen", "Next": "B"},
    "B": {"Type": "Pass", "OutputPath": null, "End": true}}})");
  const std::string id = Start(Json{{"k", 1}});
  engine_->RunUntilIdle();
  EXPECT_EQ(Output(id), Json::object());
  EXPECT_EQ(Json::parse(EventsOfType(id, db::kEventStateExited)[0].output_json),
            Json::parse(R"({"k": 1, "seen": {}})"));
}

constexpr std::string_view kRouter = R"({"StartAt": "Route", "States": {
  "Route": {"Type": "Choice", "Choices": [
      {"And": [{"Variable": "$.kind", "StringMatches": "image/*"},
               {"Variable": "$.confidence", "NumericLessThan": 70}], "Next": "Review"},
      {"Variable": "$.kind", "StringEquals": "stop", "Next": "Stop"}],
    "Default": "Log"},
  "Review": {"Type": "Pass", "Result": "review", "End": true},
  "Log": {"Type": "Pass", "Result": "log", "End": true},
  "Stop": {"Type": "Fail", "Error": "Stopped", "Cause": "asked to stop"}}})";

TEST_F(EngineTest, ChoiceRoutesByRulesAndDefault) {
  MakeEngine(kRouter);
  const std::string review = Start(Json::parse(R"({"kind": "image/jpeg", "confidence": 40})"));
  const std::string log = Start(Json::parse(R"({"kind": "image/jpeg", "confidence": 90})"));
  const std::string stop = Start(Json::parse(R"({"kind": "stop", "confidence": 0})"));
  engine_->RunUntilIdle();
  EXPECT_EQ(Output(review), "review");
  EXPECT_EQ(Output(log), "log");
  const db::Execution stopped = Get(stop);
  EXPECT_EQ(stopped.status, db::kExecutionFailed);
  EXPECT_EQ(stopped.error, "Stopped");
  EXPECT_EQ(stopped.cause, "asked to stop");
  EXPECT_EQ(stopped.current_state, "Stop");
  EXPECT_TRUE(stopped.stop_ms.has_value());
}

TEST_F(EngineTest, ChoiceWithoutMatchOrWithMissingVariableFails) {
  MakeEngine(R"({"StartAt": "C", "States": {
    "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}]},
    "D": {"Type": "Succeed"}}})");
  const std::string no_match = Start(Json{{"n", 2}});
  const std::string missing = Start(Json::object());
  engine_->RunUntilIdle();
  EXPECT_EQ(Get(no_match).error, "States.NoChoiceMatched");
  EXPECT_EQ(Get(missing).error, "States.Runtime");
  EXPECT_THAT(Get(missing).cause, HasSubstr("'$.n'"));
}

TEST_F(EngineTest, TaskGetsParametersAndContextAndItsResultIsPlaced) {
  std::vector<std::string> keys;
  Register("labelloop:detect", [&](const Json& input, const TaskContext& context) -> Result<Json> {
    keys.push_back(context.IdempotencyKey());
    EXPECT_EQ(context.attempt, 1);
    EXPECT_EQ(context.clock, &clock_);
    return Json{{"label", input["key"].get<std::string>() + "-label"}, {"confidence", 88}, {"noise", true}};
  });
  MakeEngine(R"({"StartAt": "Detect", "States": {
    "Detect": {"Type": "Task", "Resource": "labelloop:detect", "Parameters": {"key.$": "$.object"},
               "ResultSelector": {"label.$": "$.label", "confidence.$": "$.confidence"},
               "ResultPath": "$.detection", "End": true}}})");
  const std::string id = Start(Json{{"object", "images_for_detection/a.jpg"}});
  engine_->RunUntilIdle();
  EXPECT_EQ(Output(id), Json::parse(R"({"object": "images_for_detection/a.jpg",
      "detection": {"label": "images_for_detection/a.jpg-label", "confidence": 88}})"));
  EXPECT_THAT(keys, ElementsAre(id + "/Detect#1"));
}

TEST_F(EngineTest, WaitCompletesOnlyWhenTheClockPassesItsTime) {
  MakeEngine(R"({"StartAt": "Hold", "States": {
    "Hold": {"Type": "Wait", "Seconds": 30, "Next": "Hold2"},
    "Hold2": {"Type": "Wait", "SecondsPath": "$.delay", "End": true}}})");
  const int64_t start_ms = clock_.NowMs();
  const std::string id = Start(Json{{"delay", 1.5}});
  EXPECT_EQ(engine_->RunUntilIdle(), 0);
  EXPECT_EQ(Get(id).current_state, "Hold");
  EXPECT_EQ(*Get(id).wake_at_ms, start_ms + 30'000);
  clock_.AdvanceMs(29'999);
  EXPECT_EQ(engine_->RunUntilIdle(), 0);
  clock_.AdvanceMs(1);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  EXPECT_EQ(Get(id).current_state, "Hold2");
  EXPECT_EQ(*Get(id).wake_at_ms, start_ms + 31'500);
  clock_.AdvanceMs(1'500);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  EXPECT_EQ(Output(id), Json::parse(R"({"delay": 1.5})"));
  const std::vector<db::ExecutionEvent> waits = EventsOfType(id, db::kEventWaitStarted);
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(Json::parse(waits[0].detail_json)["wake_at_ms"], start_ms + 30'000);
}

TEST_F(EngineTest, WaitWithABadSecondsPathFails) {
  MakeEngine(R"({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "SecondsPath": "$.delay", "End": true}}})");
  const std::string missing = Start(Json::object());
  const std::string negative = Start(Json{{"delay", -3}});
  const std::string text = Start(Json{{"delay", "5"}});
  const std::string huge = Start(Json{{"delay", 1e300}});  // would overflow the wake-up time
  for (const std::string& id : {missing, negative, text, huge}) {
    EXPECT_EQ(Get(id).status, db::kExecutionFailed);
    EXPECT_EQ(Get(id).error, "States.Runtime");
    EXPECT_THAT(Get(id).cause, HasSubstr("SecondsPath"));
  }
}

TEST_F(EngineTest, SucceedAppliesItsOutputPath) {
  MakeEngine(R"({"StartAt": "Done", "States": {"Done": {"Type": "Succeed", "OutputPath": "$.result"}}})");
  const std::string id = Start(Json{{"result", {{"ok", true}}}, {"other", 1}});
  engine_->RunUntilIdle();
  EXPECT_EQ(Output(id), Json::parse(R"({"ok": true})"));
}

TEST_F(EngineTest, FailWithoutErrorUsesStatesFail) {
  MakeEngine(R"({"StartAt": "F", "States": {"F": {"Type": "Fail"}}})");
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  EXPECT_EQ(Get(id).error, "States.Fail");
  EXPECT_THAT(Trace(id), ElementsAre("ExecutionStarted:F", "StateEntered:F", "ExecutionFailed:F"));
}

// A handler that fails with `code` the first `failures` times, then succeeds.
TaskHandler Flaky(int failures, StatusCode code, std::vector<int>* attempts, std::vector<int64_t>* times,
                  const Clock* clock) {
  return [=](const Json& input, const TaskContext& context) -> Result<Json> {
    attempts->push_back(context.attempt);
    times->push_back(clock->NowMs());
    if (static_cast<int>(attempts->size()) <= failures) return Status(code, "store is down");
    return Json("done");
  };
}

TEST_F(EngineTest, RetryBacksOffOnTheClock) {
  std::vector<int> attempts;
  std::vector<int64_t> times;
  Register("labelloop:flaky", Flaky(2, StatusCode::kUnavailable, &attempts, &times, &clock_));
  MakeEngine(R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "labelloop:flaky", "End": true,
    "Retry": [{"ErrorEquals": ["FailedPrecondition"], "MaxAttempts": 5},
              {"ErrorEquals": ["Unavailable"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3}]}}})");
  const int64_t t0 = clock_.NowMs();
  const std::string id = Start(Json::object());
  EXPECT_EQ(engine_->RunUntilIdle(), 1);  // attempt 1 fails, retry due at +2 s
  clock_.AdvanceMs(1'999);
  EXPECT_EQ(engine_->RunUntilIdle(), 0);
  clock_.AdvanceMs(1);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);  // attempt 2 fails, retry due at +6 s
  clock_.AdvanceMs(5'999);
  EXPECT_EQ(engine_->RunUntilIdle(), 0);
  clock_.AdvanceMs(1);
  EXPECT_EQ(engine_->RunUntilIdle(), 1);
  EXPECT_EQ(Output(id), "done");
  EXPECT_THAT(attempts, ElementsAre(1, 2, 3));
  EXPECT_THAT(times, ElementsAre(t0, t0 + 2'000, t0 + 8'000));
  const std::vector<db::ExecutionEvent> retried = EventsOfType(id, db::kEventTaskRetried);
  ASSERT_EQ(retried.size(), 2u);
  EXPECT_EQ(Json::parse(retried[0].detail_json)["interval_ms"], 2'000);
  EXPECT_EQ(Json::parse(retried[1].detail_json)["interval_ms"], 6'000);
  EXPECT_EQ(retried[1].error, "Unavailable");
  const std::vector<db::ExecutionEvent> failed = EventsOfType(id, db::kEventTaskFailed);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].cause, "store is down");
}

TEST_F(EngineTest, ExhaustedRetriesGoToCatchWithErrorAtResultPath) {
  std::vector<int> attempts;
  std::vector<int64_t> times;
  Register("labelloop:down", Flaky(100, StatusCode::kUnavailable, &attempts, &times, &clock_));
  MakeEngine(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "labelloop:down", "Next": "Ok",
          "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 1}],
          "Catch": [{"ErrorEquals": ["NotFound"], "Next": "Ok"},
                    {"ErrorEquals": ["Unavailable"], "ResultPath": "$.error", "Next": "Handle"}]},
    "Ok": {"Type": "Succeed"},
    "Handle": {"Type": "Pass", "End": true}}})");
  const std::string id = Start(Json{{"k", 1}});
  engine_->RunUntilIdle();
  clock_.AdvanceMs(1'000);
  engine_->RunUntilIdle();
  EXPECT_THAT(attempts, ElementsAre(1, 2));
  EXPECT_EQ(Output(id), Json::parse(R"({"k": 1, "error": {"Error": "Unavailable", "Cause": "store is down"}})"));
  EXPECT_THAT(Trace(id), ElementsAre("ExecutionStarted:T", "StateEntered:T", "TaskScheduled:T", "TaskFailed:T",
                                     "TaskRetried:T", "TaskScheduled:T", "TaskFailed:T", "StateExited:T",
                                     "StateEntered:Handle", "StateExited:Handle", "ExecutionSucceeded:Handle"));
}

TEST_F(EngineTest, UnmatchedErrorFailsTheExecutionWithItsName) {
  std::vector<int> attempts;
  std::vector<int64_t> times;
  Register("labelloop:refuse", Flaky(100, StatusCode::kFailedPrecondition, &attempts, &times, &clock_));
  MakeEngine(R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "labelloop:refuse", "End": true,
    "Retry": [{"ErrorEquals": ["Unavailable"]}], "Catch": [{"ErrorEquals": ["NotFound"], "Next": "T"}]}}})");
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  EXPECT_THAT(attempts, ElementsAre(1));
  const db::Execution execution = Get(id);
  EXPECT_EQ(execution.status, db::kExecutionFailed);
  EXPECT_EQ(execution.error, "FailedPrecondition");
  EXPECT_EQ(execution.cause, "store is down");
}

TEST_F(EngineTest, HandlerExceptionBecomesATaskFailure) {
  Register("labelloop:throws", [](const Json&, const TaskContext&) -> Result<Json> {
    throw std::runtime_error("disk on fire");
  });
  MakeEngine(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "labelloop:throws", "Next": "Done",
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})");
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  EXPECT_EQ(Output(id), Json::parse(R"({"Error": "Internal",
      "Cause": "task handler 'labelloop:throws' threw: disk on fire"})"));
  EXPECT_EQ(EventsOfType(id, db::kEventTaskFailed).size(), 1u);
}

TEST_F(EngineTest, RuntimeErrorsAreNotCaught) {
  int calls = 0;
  Register("labelloop:count", [&](const Json& input, const TaskContext&) -> Result<Json> {
    ++calls;
    return input;
  });
  MakeEngine(R"({"StartAt": "T", "States": {
    "T": {"Type": "Task", "Resource": "labelloop:count", "Parameters": {"v.$": "$.missing"}, "Next": "Done",
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]},
    "Done": {"Type": "Succeed"}}})");
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(Get(id).error, "States.Runtime");
  EXPECT_THAT(Get(id).cause, HasSubstr("state 'T'"));
  EXPECT_THAT(Get(id).cause, HasSubstr("'$.missing'"));
}

TEST_F(EngineTest, ResultPathIntoANonObjectIsARuntimeError) {
  MakeEngine(R"({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}}})");
  const std::string id = Start(Json{{"a", 5}});
  engine_->RunUntilIdle();
  EXPECT_EQ(Get(id).error, "States.Runtime");
  EXPECT_THAT(Get(id).cause, HasSubstr("ResultPath '$.a.b'"));
}

TEST_F(EngineTest, HistoryRecordsEveryTransitionWithInputsAndOutputs) {
  Register("labelloop:echo", [](const Json& input, const TaskContext&) -> Result<Json> { return Json{{"echo", input}}; });
  MakeEngine(R"({"StartAt": "P", "States": {
    "P": {"Type": "Pass", "Result": 2, "ResultPath": "$.two", "Next": "T"},
    "T": {"Type": "Task", "Resource": "labelloop:echo", "ResultPath": "$.t", "Next": "S"},
    "S": {"Type": "Succeed"}}})");
  const std::string id = Start(Json{{"one", 1}}, "detection");
  engine_->RunUntilIdle();
  const std::vector<db::ExecutionEvent> history = History(id);
  EXPECT_THAT(Trace(id), ElementsAre("ExecutionStarted:P", "StateEntered:P", "StateExited:P", "StateEntered:T",
                                     "TaskScheduled:T", "TaskSucceeded:T", "StateExited:T", "StateEntered:S",
                                     "StateExited:S", "ExecutionSucceeded:S"));
  EXPECT_EQ(Json::parse(history[2].input_json), Json::parse(R"({"one": 1})"));
  EXPECT_EQ(Json::parse(history[2].output_json), Json::parse(R"({"one": 1, "two": 2})"));
  EXPECT_EQ(Json::parse(history[4].detail_json)["idempotency_key"], id + "/T#1");
  EXPECT_EQ(Json::parse(history[5].output_json), Json::parse(R"({"echo": {"one": 1, "two": 2}})"));
  for (const db::ExecutionEvent& e : history) {
    EXPECT_EQ(e.execution_id, id);
    EXPECT_EQ(e.time_ms, clock_.NowMs());
  }
  const db::Execution execution = Get(id);
  EXPECT_EQ(execution.branch, "detection");
  EXPECT_EQ(Json::parse(execution.input_json), Json::parse(R"({"one": 1})"));
  EXPECT_EQ(execution.step_count, 3);  // creation is step 0, then one per state run
  EXPECT_EQ(execution.stop_ms, clock_.NowMs());
}

TEST_F(EngineTest, LoopingBackGivesANewIdempotencyKey) {
  std::vector<std::string> keys;
  Register("labelloop:poll", [&](const Json& input, const TaskContext& context) -> Result<Json> {
    keys.push_back(context.IdempotencyKey());
    return Json{{"done", keys.size() == 3}};
  });
  MakeEngine(R"({"StartAt": "Poll", "States": {
    "Poll": {"Type": "Task", "Resource": "labelloop:poll", "Next": "Done?"},
    "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": true, "Next": "End"}],
              "Default": "Poll"},
    "End": {"Type": "Succeed"}}})");
  const std::string id = Start(Json::object());
  engine_->RunUntilIdle();
  EXPECT_THAT(keys, ElementsAre(id + "/Poll#1", id + "/Poll#2", id + "/Poll#3"));
  EXPECT_EQ(Get(id).state_entries.at("Poll"), 3);
}

TEST_F(EngineTest, ListenerSeesEveryStoredEventInOrder) {
  MakeEngine(kRouter);
  std::vector<db::ExecutionEvent> seen;
  engine_->SetListener([&](const db::ExecutionEvent& e) { seen.push_back(e); });
  const std::string id = Start(Json::parse(R"({"kind": "x", "confidence": 1})"));
  engine_->RunUntilIdle();
  EXPECT_EQ(seen, History(id));
  EXPECT_GT(seen.front().id, 0);
}

TEST_F(EngineTest, ListingFiltersByBranchAndStatus) {
  MakeEngine(R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}})");
  const std::string a = Start(Json::object(), "detection");
  clock_.AdvanceMs(1);
  const std::string b = Start(Json::object(), "training-poll");
  clock_.AdvanceMs(10'000);
  const std::string c = Start(Json::object(), "detection");
  engine_->RunUntilIdle();  // a and b finish; c waits
  db::ExecutionFilter filter;
  filter.branch = "detection";
  Result<std::vector<db::Execution>> detection = engine_->ListExecutions(filter);
  ASSERT_TRUE(detection.ok());
  ASSERT_EQ(detection->size(), 2u);
  EXPECT_EQ((*detection)[0].id, c);
  EXPECT_EQ((*detection)[1].id, a);
  filter.branch.reset();
  filter.status = std::string(db::kExecutionRunning);
  EXPECT_EQ(engine_->ListExecutions(filter)->size(), 1u);
  EXPECT_EQ(engine_->GetExecution("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine_->GetHistory("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine_->StartExecution(Json::object(), "").status().code(), StatusCode::kInvalidArgument);
  (void)b;
}

TEST_F(EngineTest, CreateChecksItsArguments) {
  Register("labelloop:x", [](const Json& input, const TaskContext&) -> Result<Json> { return input; });
  const std::string definition = R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "labelloop:x", "End": true}}})";
  StateMachine machine = *ParseStateMachine(definition, registry_);
  EXPECT_EQ(Engine::Create(machine, nullptr, db_.get(), &clock_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Engine::Create(machine, &registry_, db_.get(), &clock_, {.worker_threads = 0}).status().code(),
            StatusCode::kInvalidArgument);
  TaskRegistry empty;
  EXPECT_THAT(Engine::Create(machine, &empty, db_.get(), &clock_).status().message(),
              HasSubstr("'labelloop:x' is not registered"));
  Result<std::unique_ptr<Engine>> engine = Engine::Create(machine, &registry_, db_.get(), &clock_);
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ((*engine)->machine().definition_json(), definition);
}

// Worker threads on the real clock: no RunUntilIdle; the test waits on the listener.
TEST_F(EngineTest, WorkersRunExecutionsAndWakeForWaits) {
  MakeEngine(R"({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0.05, "Next": "P"},
                                             "P": {"Type": "Pass", "End": true}}})",
             SystemClock::Default());
  std::mutex mu;
  std::condition_variable done;
  int succeeded = 0;
  engine_->SetListener([&](const db::ExecutionEvent& e) {
    if (e.type != db::kEventExecutionSucceeded) return;
    std::lock_guard lock(mu);
    ++succeeded;
    done.notify_all();
  });
  ASSERT_TRUE(engine_->Start().ok());
  EXPECT_EQ(engine_->Start().code(), StatusCode::kFailedPrecondition);
  for (int i = 0; i < 5; ++i) Start(Json{{"i", i}});
  std::unique_lock lock(mu);
  EXPECT_TRUE(done.wait_for(lock, std::chrono::seconds(20), [&] { return succeeded == 5; }));
  lock.unlock();
  engine_->Stop();
}

TEST_F(EngineTest, StopLetsARunningHandlerFinishAndCommits) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  Register("labelloop:slow", [&](const Json& input, const TaskContext&) -> Result<Json> {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return Json("finished");
  });
  MakeEngine(R"({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "labelloop:slow", "Next": "W"},
                                             "W": {"Type": "Wait", "Seconds": 3600, "End": true}}})",
             SystemClock::Default());
  ASSERT_TRUE(engine_->Start().ok());
  const std::string id = Start(Json::object());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return entered; }));
  }
  std::thread stopper([&] { engine_->Stop(); });
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  stopper.join();
  const db::Execution execution = Get(id);
  EXPECT_EQ(execution.status, db::kExecutionRunning);
  EXPECT_EQ(execution.current_state, "W");
  EXPECT_EQ(execution.current_input_json, "\"finished\"");
}

}  // namespace
}  // namespace labelloop::workflow
