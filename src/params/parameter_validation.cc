#include "params/parameter_validation.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace labelloop::params {
namespace {

constexpr size_t kMaxScalarBytes = 32;          // longer than any sane bool, int64 or ranged float
constexpr size_t kMaxJsonBytes = 64 * 1024;     // system data stays small
constexpr size_t kMaxQuotedBytes = 80;          // of a refused value, in messages

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// The value as a JSON string literal ("1.5", with escapes), cut after kMaxQuotedBytes.
std::string Quote(std::string_view value) {
  const bool cut = value.size() > kMaxQuotedBytes;
  std::string quoted = nlohmann::json(std::string(value.substr(0, kMaxQuotedBytes)))
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (cut) quoted += fmt::format(" (first {} of {} bytes)", kMaxQuotedBytes, value.size());
  return quoted;
}

std::string FormatBound(double bound) { return fmt::format("{}", bound); }

// "a whole number of minutes between 1 and 525600", "a number between 0 and 100 (percent)".
std::string RangeRule(const ParameterDefinition& d) {
  std::string rule = d.type == ParameterType::kInt ? "a whole number" : "a number";
  if (d.type == ParameterType::kInt && !d.unit.empty()) rule += " of " + d.unit;
  if (d.min && d.max) {
    rule += fmt::format(" between {} and {}", FormatBound(*d.min), FormatBound(*d.max));
  } else if (d.min) {
    rule += fmt::format(" of at least {}", FormatBound(*d.min));
  } else if (d.max) {
    rule += fmt::format(" of at most {}", FormatBound(*d.max));
  }
  if (d.type == ParameterType::kFloat && !d.unit.empty()) rule += " (" + d.unit + ")";
  return rule;
}

Status Refuse(const ParameterDefinition& d, std::string_view rule, std::string_view value, std::string_view why = {}) {
  std::string message = fmt::format("{} must be {}; got {}", d.name, rule, Quote(value));
  if (!why.empty()) message += fmt::format(" ({})", why);
  return InvalidArgumentError(std::move(message));
}

bool InRange(const ParameterDefinition& d, double v) { return (!d.min || v >= *d.min) && (!d.max || v <= *d.max); }

Result<std::string> CanonicalBool(const ParameterDefinition& d, std::string_view raw, std::string_view text) {
  std::string lower;
  for (char c : text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (lower == "true" || lower == "false") return lower;
  return Refuse(d, "true or false", raw);
}

Result<std::string> CanonicalInt(const ParameterDefinition& d, std::string_view raw, std::string_view text) {
  const std::string rule = RangeRule(d);
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);  // accepts -?[0-9]+ only (no '+', no space)
  if (text.empty() || ptr != end) return Refuse(d, rule, raw);
  if (ec == std::errc::result_out_of_range) return Refuse(d, rule, raw, "too large");
  if (ec != std::errc() || !InRange(d, static_cast<double>(v))) return Refuse(d, rule, raw);
  return std::to_string(v);
}

Result<std::string> CanonicalFloat(const ParameterDefinition& d, std::string_view raw, std::string_view text) {
  const std::string rule = RangeRule(d);
  // Grammar: -? digits* ( '.' digits* )?, with at least one digit.
  const bool negative = !text.empty() && text.front() == '-';
  std::string_view body = negative ? text.substr(1) : text;
  const size_t dot = body.find('.');
  std::string_view int_part = body.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? std::string_view() : body.substr(dot + 1);
  const auto all_digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (int_part.empty() && frac_part.empty()) return Refuse(d, rule, raw);
  if (!all_digits(int_part) || !all_digits(frac_part)) return Refuse(d, rule, raw);

  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) return Refuse(d, rule, raw);
  if (!InRange(d, v)) return Refuse(d, rule, raw);

  while (!int_part.empty() && int_part.front() == '0') int_part.remove_prefix(1);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.remove_suffix(1);
  const bool zero = int_part.empty() && frac_part.empty();
  return fmt::format("{}{}.{}", negative && !zero ? "-" : "", int_part.empty() ? "0" : int_part,
                     frac_part.empty() ? "0" : frac_part);
}

Result<std::string> CanonicalJson(const ParameterDefinition& d, std::string_view raw, std::string_view text) {
  constexpr std::string_view kRule = "a JSON object";
  if (text.size() > kMaxJsonBytes) {
    return Refuse(d, kRule, raw, fmt::format("longer than {} bytes", kMaxJsonBytes));
  }
  try {
    nlohmann::json parsed = nlohmann::json::parse(text);
    if (!parsed.is_object()) return Refuse(d, kRule, raw, fmt::format("a JSON {}", parsed.type_name()));
    return parsed.dump();
  } catch (const nlohmann::json::exception& e) {
    return Refuse(d, kRule, raw, e.what());
  }
}

}  // namespace

Result<std::string> CanonicalParameterValue(const ParameterDefinition& definition, std::string_view value) {
  const std::string_view text = Trim(value);
  if (definition.type != ParameterType::kJson && text.size() > kMaxScalarBytes) {
    const std::string rule = definition.type == ParameterType::kBool ? "true or false" : RangeRule(definition);
    return Refuse(definition, rule, value, fmt::format("longer than {} bytes", kMaxScalarBytes));
  }
  switch (definition.type) {
    case ParameterType::kBool: return CanonicalBool(definition, value, text);
    case ParameterType::kInt: return CanonicalInt(definition, value, text);
    case ParameterType::kFloat: return CanonicalFloat(definition, value, text);
    case ParameterType::kJson: return CanonicalJson(definition, value, text);
  }
  return InternalError(fmt::format("parameter {} has an unknown type", definition.name));
}

Status ValidateParameterValue(std::string_view name, std::string_view value) {
  const ParameterDefinition* definition = FindParameterDefinition(name);
  if (definition == nullptr) return UnknownParameterError(name);
  if (definition->system_only) return SystemOnlyParameterError(name);
  return CanonicalParameterValue(*definition, value).status();
}

Status UnknownParameterError(std::string_view name) {
  return NotFoundError(fmt::format("unknown parameter {}; known parameters: {}", Quote(name), KnownParameterNames()));
}

Status SystemOnlyParameterError(std::string_view name) {
  return PermissionDeniedError(fmt::format("{} is written only by the system", name));
}

}  // namespace labelloop::params
