// Parsing and load-time validation: every error names the state and the rule broken.
#include "workflow/state_machine.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::workflow {
namespace {

using ::testing::HasSubstr;

class StateMachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto ok = [](const Json& input, const TaskContext&) -> Result<Json> { return input; };
    ASSERT_TRUE(registry_.Register("labelloop:check", ok).ok());
  }

  // The error message of parsing `json` (fails the test when it parses).
  std::string Error(std::string_view json) {
    Result<StateMachine> machine = ParseStateMachine(json, registry_);
    EXPECT_FALSE(machine.ok()) << json;
    if (machine.ok()) return "";
    EXPECT_EQ(machine.status().code(), StatusCode::kInvalidArgument);
    return machine.status().message();
  }

  TaskRegistry registry_;
};

constexpr std::string_view kGood = R"({
  "Comment": "demo",
  "StartAt": "Route",
  "States": {
    "Route": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "Check"}],
              "Default": "Done"},
    "Check": {"Type": "Task", "Resource": "labelloop:check", "Next": "Pause",
              "Retry": [{"ErrorEquals": ["Unavailable"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken", "ResultPath": "$.error"}]},
    "Pause": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Shape"},
    "Shape": {"Type": "Pass", "Parameters": {"key.$": "$.k", "fixed": 1}, "ResultPath": "$.shaped", "End": true},
    "Broken": {"Type": "Fail", "Error": "CheckFailed", "Cause": "check failed"},
    "Done": {"Type": "Succeed"}
  }
})";

TEST_F(StateMachineTest, ParsesEveryStateType) {
  Result<StateMachine> machine = ParseStateMachine(kGood, registry_);
  ASSERT_TRUE(machine.ok()) << machine.status().ToString();
  EXPECT_EQ(machine->start_at(), "Route");
  EXPECT_EQ(machine->comment(), "demo");
  EXPECT_EQ(machine->definition_json(), kGood);
  ASSERT_EQ(machine->states().size(), 6u);
  const State* check = machine->FindState("Check");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->type, StateType::kTask);
  ASSERT_EQ(check->retry.size(), 1u);
  EXPECT_EQ(check->retry[0].max_attempts, 3);
  EXPECT_DOUBLE_EQ(check->retry[0].interval_seconds, 2.0);
  ASSERT_EQ(check->catchers.size(), 1u);
  EXPECT_EQ(check->catchers[0].result_path->text(), "$.error");
  EXPECT_EQ(machine->FindState("Broken")->error, "CheckFailed");
  EXPECT_EQ(machine->FindState("Nope"), nullptr);
  EXPECT_EQ(StateTypeName(machine->FindState("Pause")->type), "Wait");
}

TEST_F(StateMachineTest, NullPathsAreKeptApartFromDefaults) {
  Result<StateMachine> machine = ParseStateMachine(
      R"({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": null, "ResultPath": null, "End": true}}})",
      registry_);
  ASSERT_TRUE(machine.ok()) << machine.status().ToString();
  const State& p = machine->states()[0];
  EXPECT_FALSE(p.input_path.has_value());
  EXPECT_FALSE(p.result_path.has_value());
  ASSERT_TRUE(p.output_path.has_value());
  EXPECT_TRUE(p.output_path->IsRoot());
}

TEST_F(StateMachineTest, StartAtMissingOrUnknown) {
  EXPECT_THAT(Error(R"({"States": {"A": {"Type": "Succeed"}}})"), HasSubstr("\"StartAt\""));
  EXPECT_THAT(Error(R"({"StartAt": "B", "States": {"A": {"Type": "Succeed"}}})"), HasSubstr("StartAt 'B' is not a state"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {}})"), HasSubstr("\"States\""));
  EXPECT_THAT(Error("{not json"), HasSubstr("not valid JSON"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "TimeoutSeconds": 5})"),
              HasSubstr("unknown top-level field \"TimeoutSeconds\""));
}

TEST_F(StateMachineTest, UnknownNextDefaultAndCatchNext) {
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}})"),
              HasSubstr("state 'A': Next 'Z' is not a state"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Choice", "Default": "Z",
                      "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}]}, "B": {"Type": "Succeed"}}})"),
              HasSubstr("state 'A': Default 'Z' is not a state"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Choice",
                      "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Z"}]}}})"),
              HasSubstr("state 'A': Choices[0].Next 'Z' is not a state"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "labelloop:check", "End": true,
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}]}}})"),
              HasSubstr("state 'A': Catch[0].Next 'Z' is not a state"));
}

TEST_F(StateMachineTest, UnreachableState) {
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "Orphan": {"Type": "Succeed"}}})"),
              HasSubstr("state 'Orphan' is unreachable from StartAt 'A'"));
}

TEST_F(StateMachineTest, BadJsonPath) {
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "a.b", "End": true}}})"),
              HasSubstr("state 'A': \"InputPath\": JSONPath 'a.b'"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"k.$": "$.a[x]"}, "End": true}}})"),
              HasSubstr("state 'A': Parameters: \"k.$\": JSONPath"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Wait", "SecondsPath": "$..x", "End": true}}})"),
              HasSubstr("\"SecondsPath\""));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "labelloop:check", "End": true,
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "A", "ResultPath": "error"}]}}})"),
              HasSubstr("Catch[0]: \"ResultPath\""));
}

TEST_F(StateMachineTest, UnknownTypeAndFields) {
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true}}})"),
              HasSubstr("state 'A': unknown Type \"Parallel\""));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"End": true}}})"), HasSubstr("state 'A': \"Type\" is required"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "A", "End": true}}})"),
              HasSubstr("field \"Nxt\" is not allowed in a Pass state"));
}

TEST_F(StateMachineTest, MissingRequiredFields) {
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Task", "End": true}}})"),
              HasSubstr("state 'A': \"Resource\" is required"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})"),
              HasSubstr("state 'A': needs \"Next\" (the following state) or \"End\": true"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": true}}})"),
              HasSubstr("both"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": []}}})"),
              HasSubstr("state 'A': \"Choices\" must be a non-empty array"));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Wait", "End": true}}})"),
              HasSubstr("state 'A': needs exactly one of \"Seconds\" and \"SecondsPath\""));
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": -1, "End": true}}})"),
              HasSubstr("\"Seconds\" must be a number of seconds from 0"));
}

// Issue 9: "Seconds": 1e300 overflowed the wake-up time; it is refused at load, naming the state.
TEST_F(StateMachineTest, AWaitTooLongToScheduleIsRefusedAtLoad) {
  for (std::string_view seconds : {"1e300", "31622401", "1.7976931348623157e308"}) {
    SCOPED_TRACE(std::string(seconds));
    EXPECT_THAT(Error(fmt::format(R"({{"StartAt": "A", "States": {{"A": {{"Type": "Wait", "Seconds": {}, "End": true}}}}}})",
                                  seconds)),
                HasSubstr("state 'A': \"Seconds\" must be a number of seconds from 0 to 31622400 (366 days)"));
  }
  EXPECT_TRUE(ParseStateMachine(R"({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 31622400, "End": true}}})",
                                registry_)
                  .ok());
}

TEST_F(StateMachineTest, RetryAndCatchRules) {
  const auto task_with = [](std::string_view extra) {
    return fmt::format(R"({{"StartAt": "A", "States": {{"A": {{"Type": "Task", "Resource": "labelloop:check",
                          "End": true, {}}}}}}})",
                       extra);
  };
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": []}])")), HasSubstr("Retry[0]: \"ErrorEquals\""));
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}])")), HasSubstr("\"MaxAttempts\""));
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}])")), HasSubstr("\"BackoffRate\""));
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 0}])")),
              HasSubstr("\"IntervalSeconds\""));
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": ["X"], "Jitter": 1}])")), HasSubstr("unknown field \"Jitter\""));
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])")),
              HasSubstr("Retry[0]: \"States.ALL\" must be in the last entry"));
  EXPECT_THAT(Error(task_with(R"("Retry": [{"ErrorEquals": ["States.ALL", "X"]}])")), HasSubstr("must be alone"));
  EXPECT_THAT(Error(task_with(R"("Catch": [{"ErrorEquals": ["X"]}])")), HasSubstr("Catch[0]: \"Next\""));
}

TEST_F(StateMachineTest, TaskResourceMustBeRegistered) {
  EXPECT_THAT(Error(R"({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "labelloop:nope", "End": true}}})"),
              HasSubstr("state 'A': Task Resource 'labelloop:nope' is not a registered task (registered: "
                        "labelloop:check)"));
}

TEST_F(StateMachineTest, LoadFileNamesTheFile) {
  std::string pattern = (std::filesystem::temp_directory_path() / "labelloop-sm-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/machine.json";
  std::ofstream(path) << kGood;
  Result<StateMachine> loaded = LoadStateMachineFile(path, registry_);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::ofstream(path) << R"({"StartAt": "X", "States": {"A": {"Type": "Succeed"}}})";
  EXPECT_THAT(LoadStateMachineFile(path, registry_).status().message(), HasSubstr(path));
  EXPECT_THAT(LoadStateMachineFile(pattern + "/missing.json", registry_).status().message(), HasSubstr("missing.json"));
  std::filesystem::remove_all(pattern);
}

TEST(TaskRegistryTest, RegisterAndFind) {
  TaskRegistry registry;
  const TaskHandler handler = [](const Json& input, const TaskContext&) -> Result<Json> { return input; };
  EXPECT_TRUE(registry.Register("a", handler).ok());
  EXPECT_EQ(registry.Register("a", handler).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Register("", handler).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Register("b", nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(registry.Find("a"), nullptr);
  EXPECT_EQ(registry.Find("b"), nullptr);
}

TEST(TaskContextTest, IdempotencyKeyNamesExecutionStateAndEntry) {
  TaskContext context{"exec-1", "Check", 3, nullptr, 2};
  EXPECT_EQ(context.IdempotencyKey(), "exec-1/Check#2");
}

}  // namespace
}  // namespace labelloop::workflow
