#include "workflow/choice_rule.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

namespace labelloop::workflow {
namespace {

enum class OperandType { kString, kNumber, kBoolean };

struct OperatorInfo {
  std::string_view name;
  OperandType type;
  bool has_path_variant;
};

constexpr std::array<OperatorInfo, 17> kOperators = {{
    {"StringEquals", OperandType::kString, true},
    {"StringLessThan", OperandType::kString, true},
    {"StringGreaterThan", OperandType::kString, true},
    {"StringLessThanEquals", OperandType::kString, true},
    {"StringGreaterThanEquals", OperandType::kString, true},
    {"StringMatches", OperandType::kString, false},
    {"NumericEquals", OperandType::kNumber, true},
    {"NumericLessThan", OperandType::kNumber, true},
    {"NumericGreaterThan", OperandType::kNumber, true},
    {"NumericLessThanEquals", OperandType::kNumber, true},
    {"NumericGreaterThanEquals", OperandType::kNumber, true},
    {"BooleanEquals", OperandType::kBoolean, true},
    {"IsPresent", OperandType::kBoolean, false},
    {"IsNull", OperandType::kBoolean, false},
    {"IsString", OperandType::kBoolean, false},
    {"IsNumeric", OperandType::kBoolean, false},
    {"IsBoolean", OperandType::kBoolean, false},
}};

// The operator named by `key` ("NumericEqualsPath" -> NumericEquals, is_path).
const OperatorInfo* FindOperator(std::string_view key, bool* is_path) {
  *is_path = false;
  std::string_view base = key;
  if (base.size() > 4 && base.substr(base.size() - 4) == "Path") {
    base.remove_suffix(4);
    *is_path = true;
  }
  for (const OperatorInfo& info : kOperators) {
    if (info.name == base && (!*is_path || info.has_path_variant)) return &info;
  }
  return nullptr;
}

bool TypeMatches(const Json& value, OperandType type) {
  switch (type) {
    case OperandType::kString: return value.is_string();
    case OperandType::kNumber: return value.is_number();
    case OperandType::kBoolean: return value.is_boolean();
  }
  return false;
}

std::string_view TypeName(OperandType type) {
  switch (type) {
    case OperandType::kString: return "a string";
    case OperandType::kNumber: return "a number";
    case OperandType::kBoolean: return "a boolean";
  }
  return "?";
}

template <typename T>
bool Ordered(std::string_view op, const T& a, const T& b) {
  if (op.ends_with("GreaterThanEquals")) return a >= b;
  if (op.ends_with("LessThanEquals")) return a <= b;
  if (op.ends_with("GreaterThan")) return a > b;
  if (op.ends_with("LessThan")) return a < b;
  return a == b;  // *Equals
}

}  // namespace

bool MatchesWildcard(std::string_view text, std::string_view pattern) {
  // Iterative glob with backtracking to the last star: O(text * pattern) worst case.
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      size_t width = 1;
      char literal = pattern[p];
      if (literal == '\\' && p + 1 < pattern.size() && (pattern[p + 1] == '*' || pattern[p + 1] == '\\')) {
        literal = pattern[p + 1];
        width = 2;
      }
      if (literal == text[t]) {
        p += width;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<ChoiceRule> ChoiceRule::Parse(const Json& rule, bool top_level, const std::string& where) {
  const auto bad = [&](std::string_view why) { return InvalidArgumentError(fmt::format("{}: {}", where, why)); };
  if (!rule.is_object()) return bad("a choice rule must be a JSON object");
  ChoiceRule out;
  out.where_ = where;
  if (top_level) {
    auto next = rule.find("Next");
    if (next == rule.end() || !next->is_string() || next->get<std::string>().empty()) {
      return bad("a choice rule needs \"Next\" (the name of a state)");
    }
    out.next_ = next->get<std::string>();
  } else if (rule.contains("Next")) {
    return bad("a nested choice rule (inside And/Or/Not) must not have \"Next\"");
  }

  std::vector<std::string> operators;
  for (const auto& [key, value] : rule.items()) {
    if (key == "Next" || key == "Comment" || key == "Variable") continue;
    operators.push_back(key);
  }
  if (operators.size() != 1) {
    return bad(operators.empty()
                   ? "a choice rule needs one comparison (e.g. \"StringEquals\") or And/Or/Not"
                   : fmt::format("a choice rule must have exactly one comparison or And/Or/Not, found {}",
                                 fmt::join(operators, ", ")));
  }
  const std::string& op = operators.front();
  const Json& operand = rule[op];

  if (op == "And" || op == "Or" || op == "Not") {
    if (rule.contains("Variable")) return bad(fmt::format("\"{}\" does not take \"Variable\"", op));
    out.kind_ = op == "And" ? Kind::kAnd : op == "Or" ? Kind::kOr : Kind::kNot;
    if (op == "Not") {
      ASSIGN_OR_RETURN(ChoiceRule child, Parse(operand, false, where + ".Not"));
      out.children_.push_back(std::move(child));
      return out;
    }
    if (!operand.is_array() || operand.empty()) return bad(fmt::format("\"{}\" must be a non-empty array of rules", op));
    for (size_t i = 0; i < operand.size(); ++i) {
      ASSIGN_OR_RETURN(ChoiceRule child, Parse(operand[i], false, fmt::format("{}.{}[{}]", where, op, i)));
      out.children_.push_back(std::move(child));
    }
    return out;
  }

  bool is_path = false;
  const OperatorInfo* info = FindOperator(op, &is_path);
  if (info == nullptr) return bad(fmt::format("unknown comparison \"{}\"", op));
  auto variable = rule.find("Variable");
  if (variable == rule.end() || !variable->is_string()) {
    return bad(fmt::format("\"{}\" needs \"Variable\" (a JSONPath string such as \"$.status\")", op));
  }
  Result<JsonPath> variable_path = JsonPath::Parse(variable->get<std::string>());
  if (!variable_path.ok()) return bad("Variable: " + variable_path.status().message());
  out.variable_ = std::move(variable_path).value();
  out.operator_ = std::string(info->name);
  if (is_path) {
    if (!operand.is_string()) return bad(fmt::format("\"{}\" must be a JSONPath string", op));
    Result<JsonPath> value_path = JsonPath::Parse(operand.get<std::string>());
    if (!value_path.ok()) return bad(fmt::format("{}: {}", op, value_path.status().message()));
    out.value_path_ = std::move(value_path).value();
  } else {
    if (!TypeMatches(operand, info->type)) {
      return bad(fmt::format("\"{}\" must be {}, got {}", op, TypeName(info->type), operand.dump()));
    }
    out.value_ = operand;
  }
  return out;
}

Result<bool> ChoiceRule::Evaluate(const Json& input) const {
  switch (kind_) {
    case Kind::kAnd:
      for (const ChoiceRule& child : children_) {
        ASSIGN_OR_RETURN(const bool matched, child.Evaluate(input));
        if (!matched) return false;
      }
      return true;
    case Kind::kOr:
      for (const ChoiceRule& child : children_) {
        ASSIGN_OR_RETURN(const bool matched, child.Evaluate(input));
        if (matched) return true;
      }
      return false;
    case Kind::kNot: {
      ASSIGN_OR_RETURN(const bool matched, children_.front().Evaluate(input));
      return !matched;
    }
    case Kind::kComparison:
      return Compare(input);
  }
  return InternalError(where_ + ": unknown rule kind");
}

Result<bool> ChoiceRule::Compare(const Json& input) const {
  const Json* variable = variable_->Find(input);
  if (operator_ == "IsPresent") return (variable != nullptr) == value_.get<bool>();
  if (variable == nullptr) {
    return NotFoundError(fmt::format("{}: Variable '{}' is not in the input (use IsPresent to test for it)", where_,
                                     variable_->text()));
  }
  if (operator_ == "IsNull") return variable->is_null() == value_.get<bool>();
  if (operator_ == "IsString") return variable->is_string() == value_.get<bool>();
  if (operator_ == "IsNumeric") return variable->is_number() == value_.get<bool>();
  if (operator_ == "IsBoolean") return variable->is_boolean() == value_.get<bool>();

  const Json* operand = &value_;
  if (value_path_) {
    operand = value_path_->Find(input);
    if (operand == nullptr) {
      return NotFoundError(fmt::format("{}: {}Path '{}' is not in the input", where_, operator_, value_path_->text()));
    }
  }
  if (operator_.starts_with("String")) {
    if (!variable->is_string() || !operand->is_string()) return false;
    const std::string& a = variable->get_ref<const std::string&>();
    const std::string& b = operand->get_ref<const std::string&>();
    if (operator_ == "StringMatches") return MatchesWildcard(a, b);
    return Ordered(operator_, a, b);
  }
  if (operator_.starts_with("Numeric")) {
    if (!variable->is_number() || !operand->is_number()) return false;
    return Ordered(operator_, variable->get<double>(), operand->get<double>());
  }
  // BooleanEquals
  if (!variable->is_boolean() || !operand->is_boolean()) return false;
  return variable->get<bool>() == operand->get<bool>();
}

}  // namespace labelloop::workflow
