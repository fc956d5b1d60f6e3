#include "workflow/choice_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::workflow {
namespace {

using ::testing::HasSubstr;

// Evaluates a nested rule (no Next) written as JSON against `input`.
Result<bool> Eval(std::string_view rule, std::string_view input) {
  Result<ChoiceRule> parsed = ChoiceRule::Parse(Json::parse(rule), false, "rule");
  if (!parsed.ok()) return parsed.status();
  return parsed->Evaluate(Json::parse(input));
}

bool True(std::string_view rule, std::string_view input) {
  Result<bool> r = Eval(rule, input);
  EXPECT_TRUE(r.ok()) << rule << ": " << r.status().ToString();
  return r.ok() && *r;
}

TEST(ChoiceRuleTest, StringComparisons) {
  const char* in = R"({"s": "beta", "n": 3})";
  EXPECT_TRUE(True(R"({"Variable": "$.s", "StringEquals": "beta"})", in));
  EXPECT_FALSE(True(R"({"Variable": "$.s", "StringEquals": "alpha"})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.s", "StringLessThan": "gamma"})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.s", "StringGreaterThanEquals": "beta"})", in));
  EXPECT_FALSE(True(R"({"Variable": "$.n", "StringEquals": "3"})", in));  // type mismatch is false
}

TEST(ChoiceRuleTest, StringMatchesWildcards) {
  EXPECT_TRUE(True(R"({"Variable": "$.k", "StringMatches": "images_for_detection/*.jpg"})",
                   R"({"k": "images_for_detection/a/b.jpg"})"));
  EXPECT_FALSE(True(R"({"Variable": "$.k", "StringMatches": "*.png"})", R"({"k": "x.jpg"})"));
  EXPECT_TRUE(MatchesWildcard("", "*"));
  EXPECT_TRUE(MatchesWildcard("abc", "a*c"));
  EXPECT_TRUE(MatchesWildcard("abbbc", "a*b*c"));
  EXPECT_FALSE(MatchesWildcard("abcd", "a*c"));
  EXPECT_TRUE(MatchesWildcard("a*c", "a\\*c"));
  EXPECT_FALSE(MatchesWildcard("abc", "a\\*c"));
  EXPECT_TRUE(MatchesWildcard("a\\b", "a\\\\b"));
}

TEST(ChoiceRuleTest, NumericComparisons) {
  const char* in = R"({"n": 10, "f": 0.5, "t": 10})";
  EXPECT_TRUE(True(R"({"Variable": "$.n", "NumericEquals": 10})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.n", "NumericEquals": 10.0})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.f", "NumericLessThan": 1})", in));
  EXPECT_FALSE(True(R"({"Variable": "$.n", "NumericGreaterThan": 10})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.n", "NumericGreaterThanEquals": 10})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.n", "NumericLessThanEquals": 10})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.n", "NumericEqualsPath": "$.t"})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.f", "NumericLessThanPath": "$.t"})", in));
}

TEST(ChoiceRuleTest, BooleanPresenceAndTypeTests) {
  const char* in = R"({"b": true, "z": null})";
  EXPECT_TRUE(True(R"({"Variable": "$.b", "BooleanEquals": true})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.b", "BooleanEqualsPath": "$.b"})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.missing", "IsPresent": false})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.b", "IsPresent": true})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.z", "IsNull": true})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.b", "IsBoolean": true})", in));
  EXPECT_FALSE(True(R"({"Variable": "$.b", "IsString": true})", in));
  EXPECT_TRUE(True(R"({"Variable": "$.b", "IsNumeric": false})", in));
}

TEST(ChoiceRuleTest, AndOrNot) {
  const char* in = R"({"a": 1, "b": "x"})";
  EXPECT_TRUE(True(R"({"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.b", "StringEquals": "x"}]})", in));
  EXPECT_FALSE(True(R"({"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.b", "StringEquals": "y"}]})", in));
  EXPECT_TRUE(True(R"({"Or": [{"Variable": "$.a", "NumericEquals": 2}, {"Variable": "$.b", "StringEquals": "x"}]})", in));
  EXPECT_TRUE(True(R"({"Not": {"Variable": "$.a", "NumericEquals": 2}})", in));
}

TEST(ChoiceRuleTest, MissingVariableIsAnErrorNamingThePath) {
  Result<bool> r = Eval(R"({"Variable": "$.nope", "StringEquals": "x"})", "{}");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("'$.nope'"));
  EXPECT_EQ(Eval(R"({"Variable": "$.a", "NumericEqualsPath": "$.nope"})", R"({"a": 1})").status().code(),
            StatusCode::kNotFound);
}

TEST(ChoiceRuleTest, ParseErrorsNameTheRuleAndTheField) {
  const auto error = [](std::string_view rule, bool top) {
    return ChoiceRule::Parse(Json::parse(rule), top, "state 'R': Choices[0]").status().message();
  };
  EXPECT_THAT(error(R"({"Variable": "$.a", "StringEquals": "x"})", true), HasSubstr("needs \"Next\""));
  EXPECT_THAT(error(R"({"Variable": "$.a", "StringEquals": "x", "Next": "N"})", false), HasSubstr("must not have"));
  EXPECT_THAT(error(R"({"Variable": "$.a", "StringEqual": "x", "Next": "N"})", true),
              HasSubstr("unknown comparison \"StringEqual\""));
  EXPECT_THAT(error(R"({"Variable": "$.a", "NumericEquals": "1", "Next": "N"})", true), HasSubstr("must be a number"));
  EXPECT_THAT(error(R"({"Variable": "a", "NumericEquals": 1, "Next": "N"})", true), HasSubstr("Variable: JSONPath"));
  EXPECT_THAT(error(R"({"StringEquals": "x", "Next": "N"})", true), HasSubstr("needs \"Variable\""));
  EXPECT_THAT(error(R"({"Variable": "$.a", "StringEquals": "x", "IsPresent": true, "Next": "N"})", true),
              HasSubstr("exactly one"));
  EXPECT_THAT(error(R"({"And": [], "Next": "N"})", true), HasSubstr("non-empty array"));
  EXPECT_THAT(error(R"({"Variable": "$.a", "StringMatchesPath": "$.b", "Next": "N"})", true),
              HasSubstr("unknown comparison"));
  EXPECT_THAT(error(R"({"Not": {"Variable": "$.a", "IsNull": 1}, "Next": "N"})", true),
              HasSubstr("state 'R': Choices[0].Not"));
}

}  // namespace
}  // namespace labelloop::workflow
