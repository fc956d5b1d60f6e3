// ChoiceRule: one rule of a Choice state (a comparison, or And/Or/Not of nested rules),
// parsed and checked at load, evaluated against a state's effective input. Immutable
// after Parse; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workflow/json_path.h"

namespace labelloop::workflow {

class ChoiceRule {
 public:
  // Parses `rule`. A top-level rule (an element of "Choices") needs "Next"; a nested one
  // (inside And/Or/Not) must not have it. `where` names the rule in errors
  // ("state 'Route': Choices[1]"). InvalidArgument naming the rule and the field.
  static Result<ChoiceRule> Parse(const Json& rule, bool top_level, const std::string& where);

  // Whether `input` satisfies the rule. Type mismatches (StringEquals on a number) are
  // false; a missing Variable (other than for IsPresent) or a missing *Path value is an
  // error (NotFound naming the rule and the path), as in the states language.
  Result<bool> Evaluate(const Json& input) const;

  // The state to go to when a top-level rule matches; empty for nested rules.
  const std::string& next() const { return next_; }

 private:
  enum class Kind { kAnd, kOr, kNot, kComparison };

  Result<bool> Compare(const Json& input) const;

  Kind kind_ = Kind::kComparison;
  std::string where_;
  std::vector<ChoiceRule> children_;  // And/Or: 1+; Not: exactly 1
  std::optional<JsonPath> variable_;
  std::string operator_;               // e.g. "NumericLessThan" (a *Path suffix is removed)
  Json value_;                         // the literal operand
  std::optional<JsonPath> value_path_;  // the operand's path, for *Path operators
  std::string next_;
};

// StringMatches: `*` matches any run of characters (including none); "\*" is a literal
// star and "\\" a literal backslash.
bool MatchesWildcard(std::string_view text, std::string_view pattern);

}  // namespace labelloop::workflow
