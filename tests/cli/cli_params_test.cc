// Black-box tests of `labelloop params ...` and `labelloop schedules ...`: the real binary
// on a fresh data folder, checked through stdout, stderr, exit codes and --json output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class CliParamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_.Sub("data");
    CommandResult init = RunLabelloop({"init", "--data", data_});
    ASSERT_EQ(init.exit_code, 0) << init;
  }

  CommandResult Labelloop(const std::vector<std::string>& args) { return RunLabelloopOn(data_, args); }
  Json LabelloopJson(const std::vector<std::string>& args) {
    CommandResult r = Labelloop(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return ParseJsonOrNull(r.out);
  }
  std::string Get(const std::string& name) {
    CommandResult r = Labelloop({"params", "get", name});
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  }

  ScratchDir scratch_{"labelloop-cli-params"};
  std::string data_;
};

TEST_F(CliParamsTest, InitWritesEveryDefaultAsVersionOne) {
  Json list = LabelloopJson({"params", "list", "--json"});
  ASSERT_TRUE(list.is_array()) << list;
  ASSERT_EQ(list.size(), 11u) << list;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"Enable-Automatic-Training", "true"},
      {"Automatic-Training-Poll-Frequency", "720"},
      {"Minimum-Untrained-Images", "10"},
      {"Minimum-F1-Score", "0.8"},
      {"Minimum-Inference-Units", "1"},
      {"Minimum-Label-Detection-Confidence", "70.0"},
      {"Enable-A2I-Workflow", "true"},
      {"Enable-Automatic-Human-Sampling", "true"},
      {"Automatic-Human-Sampling-Frequency", "720"},
      {"Human-Sampling-Interval", "1000"},
      {"For-System-Use-Only", R"({"previous_trained_images":0})"},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(list[i].value("name", ""), expected[i].first) << list[i];
    EXPECT_EQ(list[i].value("value", ""), expected[i].second) << list[i];
    EXPECT_EQ(list[i].value("version", -1), 1) << list[i];
    EXPECT_EQ(list[i].value("modified_by", ""), "system") << list[i];
    EXPECT_FALSE(list[i].value("description", "").empty()) << list[i];
  }

  CommandResult table = Labelloop({"params", "list"});
  ASSERT_EQ(table.exit_code, 0) << table;
  EXPECT_THAT(table.out, AllOf(StartsWith("NAME"), HasSubstr("LAST MODIFIED"), HasSubstr("DESCRIPTION"),
                               HasSubstr("Minimum-F1-Score"), HasSubstr("test F1 score")))
      << table;
  EXPECT_EQ(table.OutLines().size(), 12u) << table;
}

TEST_F(CliParamsTest, SetPrintsTheNewVersionAndHistoryIsNewestFirst) {
  CommandResult set = Labelloop({"params", "set", "Minimum-F1-Score", "0.85"});
  ASSERT_EQ(set.exit_code, 0) << set;
  EXPECT_THAT(set.out, HasSubstr("version 2")) << set;
  EXPECT_EQ(Get("Minimum-F1-Score"), "0.85\n");
  ASSERT_EQ(Labelloop({"params", "set", "Enable-Automatic-Training", "FALSE"}).exit_code, 0);
  EXPECT_EQ(Get("Enable-Automatic-Training"), "false\n") << "stored in canonical form";
  ASSERT_EQ(Labelloop({"params", "set", "Minimum-F1-Score", "0.9"}).exit_code, 0);

  Json history = LabelloopJson({"params", "history", "Minimum-F1-Score", "--json"});
  ASSERT_EQ(history.size(), 3u) << history;
  EXPECT_EQ(history[0].value("version", 0), 3);
  EXPECT_EQ(history[0].value("value", ""), "0.9");
  EXPECT_THAT(history[0].value("modified_by", ""), StartsWith("cli:"));
  EXPECT_EQ(history[2].value("version", 0), 1);
  EXPECT_EQ(history[2].value("modified_by", ""), "system");

  CommandResult table = Labelloop({"params", "history", "Minimum-F1-Score"});
  ASSERT_EQ(table.exit_code, 0) << table;
  const auto lines = table.OutLines();
  ASSERT_EQ(lines.size(), 4u) << table;
  EXPECT_THAT(lines[0], StartsWith("VERSION"));
  EXPECT_THAT(lines[1], StartsWith("3 ")) << table;
  EXPECT_THAT(lines[3], StartsWith("1 ")) << table;
}

TEST_F(CliParamsTest, ARefusedValueExitsNonZeroNamesTheRuleAndChangesNothing) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"params", "set", "Minimum-F1-Score", "1.5"},
           {"params", "set", "Minimum-F1-Score", "-0.5"},
           {"params", "set", "Minimum-F1-Score", "abc"}}) {
    CommandResult r = Labelloop(args);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, HasSubstr("Minimum-F1-Score must be a number between 0 and 1; got \"" + args[3] + "\"")) << r;
    EXPECT_EQ(r.out, "") << r;
  }
  CommandResult freq = Labelloop({"params", "set", "Automatic-Training-Poll-Frequency", "1.5"});
  EXPECT_NE(freq.exit_code, 0) << freq;
  EXPECT_THAT(freq.err, HasSubstr("Automatic-Training-Poll-Frequency must be a whole number of minutes")) << freq;
  EXPECT_EQ(Get("Minimum-F1-Score"), "0.8\n");
  EXPECT_EQ(LabelloopJson({"params", "history", "Minimum-F1-Score", "--json"}).size(), 1u);
}

TEST_F(CliParamsTest, SystemOnlyAndUnknownParametersAreRefused) {
  CommandResult system = Labelloop({"params", "set", "For-System-Use-Only", R"({"previous_trained_images":99})"});
  EXPECT_NE(system.exit_code, 0) << system;
  EXPECT_THAT(system.err, HasSubstr("For-System-Use-Only is written only by the system")) << system;
  EXPECT_EQ(Get("For-System-Use-Only"), "{\"previous_trained_images\":0}\n");

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"params", "get", "Minimum-F2-Score"},
           {"params", "set", "Minimum-F2-Score", "1"},
           {"params", "history", "Minimum-F2-Score"}}) {
    CommandResult r = Labelloop(args);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, AllOf(HasSubstr("unknown parameter \"Minimum-F2-Score\""),
                             HasSubstr("Enable-Automatic-Training"), HasSubstr("Human-Sampling-Interval")))
        << r;
  }
}

TEST_F(CliParamsTest, SchedulesListAndTrigger) {
  Json list = LabelloopJson({"schedules", "list", "--json"});
  ASSERT_EQ(list.size(), 2u) << list;
  EXPECT_EQ(list[0].value("name", ""), "training-poll");
  EXPECT_EQ(list[1].value("name", ""), "sampling-poll");
  EXPECT_EQ(list[0].value("trigger_requested", true), false);

  CommandResult trigger = Labelloop({"schedules", "trigger", "training-poll"});
  ASSERT_EQ(trigger.exit_code, 0) << trigger;
  EXPECT_THAT(trigger.out, AllOf(HasSubstr("training-poll"), HasSubstr("server"))) << trigger;
  list = LabelloopJson({"schedules", "list", "--json"});
  EXPECT_EQ(list[0].value("trigger_requested", false), true) << list;
  EXPECT_EQ(list[1].value("trigger_requested", true), false) << list;

  CommandResult table = Labelloop({"schedules", "list"});
  ASSERT_EQ(table.exit_code, 0) << table;
  EXPECT_THAT(table.out, AllOf(HasSubstr("NEXT FIRE"), HasSubstr("LAST FIRE"), HasSubstr("720 min"),
                               HasSubstr("requested")))
      << table;

  CommandResult unknown = Labelloop({"schedules", "trigger", "nightly"});
  EXPECT_NE(unknown.exit_code, 0) << unknown;
  EXPECT_THAT(unknown.err, AllOf(HasSubstr("nightly"), HasSubstr("training-poll, sampling-poll"))) << unknown;
}

TEST_F(CliParamsTest, CommandsOnAnUninitialisedFolderSayToRunInit) {
  const std::string missing = scratch_.Sub("never-initialised");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"params", "list"}, {"params", "set", "Minimum-F1-Score", "0.5"}, {"schedules", "list"}}) {
    CommandResult r = RunLabelloopOn(missing, args);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, HasSubstr("labelloop init")) << r;
  }
}

}  // namespace
}  // namespace labelloop::cli_test
