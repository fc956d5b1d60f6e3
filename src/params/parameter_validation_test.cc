// Validation of every parameter: a table of good values (with their canonical form) and
// bad values (with the exact message), plus the definitions table itself.
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "params/parameter_validation.h"

namespace labelloop::params {
namespace {

using ::testing::HasSubstr;

struct Good {
  std::string_view name;
  std::string input;
  std::string canonical;
};

struct Bad {
  std::string_view name;
  std::string input;
  std::string message;
};

std::string Canonical(std::string_view name, std::string_view value) {
  const ParameterDefinition* d = FindParameterDefinition(name);
  if (d == nullptr) return "<unknown>";
  Result<std::string> r = CanonicalParameterValue(*d, value);
  return r.ok() ? *r : "<error: " + r.status().message() + ">";
}

TEST(ParameterDefinitionsTest, NamesTypesAndDefaultsAreThoseOfTheDesign) {
  const std::vector<std::tuple<std::string_view, ParameterType, std::string>> expected = {
      {kEnableAutomaticTraining, ParameterType::kBool, "true"},
      {kAutomaticTrainingPollFrequency, ParameterType::kInt, "720"},
      {kMinimumUntrainedImages, ParameterType::kInt, "10"},
      {kMinimumF1Score, ParameterType::kFloat, "0.8"},
      {kMinimumInferenceUnits, ParameterType::kInt, "1"},
      {kMinimumLabelDetectionConfidence, ParameterType::kFloat, "70.0"},
      {kEnableA2IWorkflow, ParameterType::kBool, "true"},
      {kEnableAutomaticHumanSampling, ParameterType::kBool, "true"},
      {kAutomaticHumanSamplingFrequency, ParameterType::kInt, "720"},
      {kHumanSamplingInterval, ParameterType::kInt, "1000"},
      {kForSystemUseOnly, ParameterType::kJson, R"({"previous_trained_images":0})"},
  };
  const auto& definitions = ParameterDefinitions();
  ASSERT_EQ(definitions.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [name, type, default_value] = expected[i];
    SCOPED_TRACE(name);
    EXPECT_EQ(definitions[i].name, name);
    EXPECT_EQ(definitions[i].type, type);
    EXPECT_EQ(definitions[i].default_value, default_value);
    EXPECT_EQ(definitions[i].system_only, name == kForSystemUseOnly);
    EXPECT_FALSE(definitions[i].description.empty());
    EXPECT_EQ(definitions[i].description.find('\n'), std::string::npos) << "one line";
    const bool numeric = type == ParameterType::kInt || type == ParameterType::kFloat;
    EXPECT_EQ(definitions[i].min.has_value() && definitions[i].max.has_value(), numeric);
    EXPECT_EQ(FindParameterDefinition(name), &definitions[i]);
    // Defaults are valid and already canonical.
    EXPECT_EQ(Canonical(name, default_value), default_value);
  }
  EXPECT_EQ(FindParameterDefinition("enable-automatic-training"), nullptr) << "names are case-sensitive";
  EXPECT_EQ(FindParameterDefinition(""), nullptr);
}

TEST(ParameterValidationTest, GoodValuesAndTheirCanonicalForm) {
  const std::vector<Good> table = {
      {kEnableAutomaticTraining, "true", "true"},
      {kEnableAutomaticTraining, "FALSE", "false"},
      {kEnableAutomaticTraining, " True\n", "true"},
      {kEnableA2IWorkflow, "false", "false"},
      {kEnableAutomaticHumanSampling, "tRuE", "true"},
      {kAutomaticTrainingPollFrequency, "1", "1"},
      {kAutomaticTrainingPollFrequency, "525600", "525600"},
      {kAutomaticTrainingPollFrequency, "0720", "720"},
      {kAutomaticTrainingPollFrequency, " 60 ", "60"},
      {kAutomaticHumanSamplingFrequency, "15", "15"},
      {kMinimumUntrainedImages, "1", "1"},
      {kMinimumUntrainedImages, "1000000", "1000000"},
      {kMinimumInferenceUnits, "1", "1"},
      {kMinimumInferenceUnits, "64", "64"},
      {kHumanSamplingInterval, "1", "1"},
      {kMinimumF1Score, "0", "0.0"},
      {kMinimumF1Score, "1", "1.0"},
      {kMinimumF1Score, "0.80", "0.8"},
      {kMinimumF1Score, ".5", "0.5"},
      {kMinimumF1Score, "1.", "1.0"},
      {kMinimumF1Score, "-0", "0.0"},
      {kMinimumF1Score, "0.123456789012345678", "0.123456789012345678"},
      {kMinimumLabelDetectionConfidence, "70", "70.0"},
      {kMinimumLabelDetectionConfidence, "100.000", "100.0"},
      {kMinimumLabelDetectionConfidence, "007.25", "7.25"},
      {kForSystemUseOnly, R"( { "previous_trained_images" : 10, "running_model_version": "v1" } )",
       R"({"previous_trained_images":10,"running_model_version":"v1"})"},
      {kForSystemUseOnly, "{}", "{}"},
  };
  for (const Good& g : table) EXPECT_EQ(Canonical(g.name, g.input), g.canonical) << g.name << " " << g.input;
}

TEST(ParameterValidationTest, BadValuesAreRefusedNamingTheParameterTheRuleAndTheValue) {
  const std::string kFreq = "Automatic-Training-Poll-Frequency must be a whole number of minutes between 1 and 525600";
  const std::string kUnits = "Minimum-Inference-Units must be a whole number between 1 and 64";
  const std::string kF1 = "Minimum-F1-Score must be a number between 0 and 1";
  const std::string kConf = "Minimum-Label-Detection-Confidence must be a number between 0 and 100 (percent)";
  const std::vector<Bad> table = {
      {kEnableAutomaticTraining, "yes", R"(Enable-Automatic-Training must be true or false; got "yes")"},
      {kEnableAutomaticTraining, "1", R"(Enable-Automatic-Training must be true or false; got "1")"},
      {kEnableAutomaticTraining, "", R"(Enable-Automatic-Training must be true or false; got "")"},
      {kEnableA2IWorkflow, "truee", R"(Enable-A2I-Workflow must be true or false; got "truee")"},
      {kEnableAutomaticHumanSampling, "on", R"(Enable-Automatic-Human-Sampling must be true or false; got "on")"},
      {kAutomaticTrainingPollFrequency, "0", kFreq + R"(; got "0")"},
      {kAutomaticTrainingPollFrequency, "525601", kFreq + R"(; got "525601")"},
      {kAutomaticTrainingPollFrequency, "1.5", kFreq + R"(; got "1.5")"},
      {kAutomaticTrainingPollFrequency, "abc", kFreq + R"(; got "abc")"},
      {kAutomaticTrainingPollFrequency, "", kFreq + R"(; got "")"},
      {kAutomaticTrainingPollFrequency, "+5", kFreq + R"(; got "+5")"},
      {kAutomaticTrainingPollFrequency, "-5", kFreq + R"(; got "-5")"},
      {kAutomaticTrainingPollFrequency, "5 5", kFreq + R"(; got "5 5")"},
      {kAutomaticTrainingPollFrequency, "0x10", kFreq + R"(; got "0x10")"},
      {kAutomaticTrainingPollFrequency, "1e3", kFreq + R"(; got "1e3")"},
      {kAutomaticTrainingPollFrequency, "99999999999999999999", kFreq + R"(; got "99999999999999999999" (too large))"},
      {kAutomaticHumanSamplingFrequency, "0",
       R"(Automatic-Human-Sampling-Frequency must be a whole number of minutes between 1 and 525600; got "0")"},
      {kMinimumUntrainedImages, "0",
       R"(Minimum-Untrained-Images must be a whole number of images between 1 and 1000000; got "0")"},
      {kMinimumInferenceUnits, "0", kUnits + R"(; got "0")"},
      {kMinimumInferenceUnits, "65", kUnits + R"(; got "65")"},
      {kHumanSamplingInterval, "0",
       R"(Human-Sampling-Interval must be a whole number of detections between 1 and 1000000; got "0")"},
      {kMinimumF1Score, "1.5", kF1 + R"(; got "1.5")"},
      {kMinimumF1Score, "-0.1", kF1 + R"(; got "-0.1")"},
      {kMinimumF1Score, "", kF1 + R"(; got "")"},
      {kMinimumF1Score, ".", kF1 + R"(; got ".")"},
      {kMinimumF1Score, "-", kF1 + R"(; got "-")"},
      {kMinimumF1Score, "+0.5", kF1 + R"(; got "+0.5")"},
      {kMinimumF1Score, "5e-1", kF1 + R"(; got "5e-1")"},
      {kMinimumF1Score, "nan", kF1 + R"(; got "nan")"},
      {kMinimumF1Score, "inf", kF1 + R"(; got "inf")"},
      {kMinimumF1Score, "0,5", kF1 + R"(; got "0,5")"},
      {kMinimumF1Score, "0.5.1", kF1 + R"(; got "0.5.1")"},
      {kMinimumLabelDetectionConfidence, "100.01", kConf + R"(; got "100.01")"},
      {kMinimumLabelDetectionConfidence, "70%", kConf + R"(; got "70%")"},
      {kMinimumLabelDetectionConfidence, "\"70\"", kConf + R"(; got "\"70\"")"},
  };
  for (const Bad& b : table) {
    const ParameterDefinition* d = FindParameterDefinition(b.name);
    ASSERT_NE(d, nullptr) << b.name;
    Result<std::string> r = CanonicalParameterValue(*d, b.input);
    ASSERT_FALSE(r.ok()) << b.name << " accepted " << b.input << " as " << *r;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << b.input;
    EXPECT_EQ(r.status().message(), b.message);
  }
}

TEST(ParameterValidationTest, JsonMustBeAnObjectAndLongValuesAreCutInMessages) {
  const ParameterDefinition& d = *FindParameterDefinition(kForSystemUseOnly);
  for (const std::string bad : {"[1]", "42", "\"text\"", "null", "{bad", ""}) {
    Result<std::string> r = CanonicalParameterValue(d, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("For-System-Use-Only must be a JSON object; got ")) << bad;
  }
  EXPECT_THAT(CanonicalParameterValue(d, "[1]").status().message(), HasSubstr("(a JSON array)"));
  EXPECT_FALSE(CanonicalParameterValue(d, "{\"a\":1} x").ok()) << "trailing garbage";
  const std::string huge = "{\"k\":\"" + std::string(70 * 1024, 'x') + "\"}";
  EXPECT_THAT(CanonicalParameterValue(d, huge).status().message(), HasSubstr("longer than 65536 bytes"));

  const std::string long_int(200, '7');
  Result<std::string> r = CanonicalParameterValue(*FindParameterDefinition(kHumanSamplingInterval), long_int);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("(first 80 of 200 bytes)"));
  EXPECT_LT(r.status().message().size(), 300u);
}

TEST(ParameterValidationTest, TheUserPathRefusesUnknownAndSystemOnlyParameters) {
  EXPECT_TRUE(ValidateParameterValue(kMinimumF1Score, "0.5").ok());
  Status bad = ValidateParameterValue(kMinimumF1Score, "1.5");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), R"(Minimum-F1-Score must be a number between 0 and 1; got "1.5")");

  Status unknown = ValidateParameterValue("Minimum-F2-Score", "1");
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.message(), HasSubstr(R"(unknown parameter "Minimum-F2-Score"; known parameters: )"));
  for (const ParameterDefinition& d : ParameterDefinitions()) EXPECT_THAT(unknown.message(), HasSubstr(d.name));

  Status system = ValidateParameterValue(kForSystemUseOnly, "{}");
  EXPECT_EQ(system.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(system.message(), "For-System-Use-Only is written only by the system");
}

}  // namespace
}  // namespace labelloop::params
