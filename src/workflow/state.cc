#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "workflow/state.h"

namespace labelloop::workflow {
namespace {

struct TypeInfo {
  std::string_view name;
  StateType type;
  std::set<std::string_view> fields;  // allowed besides Type and Comment
};

const std::vector<TypeInfo>& Types() {
  static const std::vector<TypeInfo> kTypes = {
      {"Task", StateType::kTask,
       {"Resource", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry",
        "Catch"}},
      {"Choice", StateType::kChoice, {"Choices", "Default", "InputPath", "OutputPath"}},
      {"Pass", StateType::kPass, {"Result", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters"}},
      {"Wait", StateType::kWait, {"Seconds", "SecondsPath", "Next", "End", "InputPath", "OutputPath"}},
      {"Succeed", StateType::kSucceed, {"InputPath", "OutputPath"}},
      {"Fail", StateType::kFail, {"Error", "Cause"}},
  };
  return kTypes;
}

class StateParser {
 public:
  StateParser(const std::string& name, const Json& json) : json_(json), where_(fmt::format("state '{}'", name)) {}

  Status Bad(std::string_view why) const { return InvalidArgumentError(fmt::format("{}: {}", where_, why)); }

  const Json* Field(std::string_view key) const {
    auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
  }

  Result<std::string> String(std::string_view key, bool required) const {
    const Json* value = Field(key);
    if (value == nullptr) {
      if (required) return Bad(fmt::format("\"{}\" is required", key));
      return std::string();
    }
    if (!value->is_string() || value->get<std::string>().empty()) {
      return Bad(fmt::format("\"{}\" must be a non-empty string, got {}", key, value->dump()));
    }
    return value->get<std::string>();
  }

  // A path field: absent -> "$"; JSON null -> nullopt (when `nullable`).
  Result<std::optional<JsonPath>> Path(std::string_view key, bool nullable) const {
    const Json* value = Field(key);
    if (value == nullptr) return std::optional<JsonPath>(JsonPath::Parse("$").value());
    if (value->is_null() && nullable) return std::optional<JsonPath>();
    if (!value->is_string()) return Bad(fmt::format("\"{}\" must be a JSONPath string, got {}", key, value->dump()));
    Result<JsonPath> path = JsonPath::Parse(value->get<std::string>());
    if (!path.ok()) return Bad(fmt::format("\"{}\": {}", key, path.status().message()));
    return std::optional<JsonPath>(std::move(path).value());
  }

  Result<std::vector<std::string>> ErrorEquals(const Json& entry, const std::string& where) const {
    auto it = entry.find("ErrorEquals");
    if (it == entry.end() || !it->is_array() || it->empty()) {
      return Bad(fmt::format("{}: \"ErrorEquals\" must be a non-empty array of error names", where));
    }
    std::vector<std::string> names;
    for (const Json& name : *it) {
      if (!name.is_string() || name.get<std::string>().empty()) {
        return Bad(fmt::format("{}: \"ErrorEquals\" holds {}, not an error name", where, name.dump()));
      }
      names.push_back(name.get<std::string>());
    }
    if (std::find(names.begin(), names.end(), kErrorAll) != names.end() && names.size() > 1) {
      return Bad(fmt::format("{}: \"States.ALL\" must be alone in its ErrorEquals", where));
    }
    return names;
  }

  // "States.ALL" may only appear in the last entry of a Retry or Catch list.
  Status CheckAllIsLast(const std::vector<std::vector<std::string>>& lists, std::string_view field) const {
    for (size_t i = 0; i + 1 < lists.size(); ++i) {
      if (lists[i].front() == kErrorAll) return Bad(fmt::format("{}[{}]: \"States.ALL\" must be in the last entry", field, i));
    }
    return OkStatus();
  }

  Result<std::vector<Retrier>> Retry() const {
    std::vector<Retrier> retriers;
    const Json* list = Field("Retry");
    if (list == nullptr) return retriers;
    if (!list->is_array()) return Bad("\"Retry\" must be an array");
    std::vector<std::vector<std::string>> names;
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& entry = (*list)[i];
      const std::string where = fmt::format("Retry[{}]", i);
      if (!entry.is_object()) return Bad(where + " must be an object");
      Retrier r;
      ASSIGN_OR_RETURN(r.error_equals, ErrorEquals(entry, where));
      for (const auto& [key, value] : entry.items()) {
        if (key == "ErrorEquals" || key == "Comment") continue;
        if (key == "IntervalSeconds") {
          if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > 86400 * 365) {
            return Bad(fmt::format("{}: \"IntervalSeconds\" must be a number > 0, got {}", where, value.dump()));
          }
          r.interval_seconds = value.get<double>();
        } else if (key == "MaxAttempts") {
          if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 1000) {
            return Bad(fmt::format("{}: \"MaxAttempts\" must be an integer 0..1000, got {}", where, value.dump()));
          }
          r.max_attempts = value.get<int>();
        } else if (key == "BackoffRate") {
          if (!value.is_number() || !(value.get<double>() >= 1.0) || value.get<double>() > 100) {
            return Bad(fmt::format("{}: \"BackoffRate\" must be a number 1.0..100, got {}", where, value.dump()));
          }
          r.backoff_rate = value.get<double>();
        } else {
          return Bad(fmt::format("{}: unknown field \"{}\" (allowed: ErrorEquals, IntervalSeconds, MaxAttempts, "
                                 "BackoffRate)",
                                 where, key));
        }
      }
      names.push_back(r.error_equals);
      retriers.push_back(std::move(r));
    }
    RETURN_IF_ERROR(CheckAllIsLast(names, "Retry"));
    return retriers;
  }

  Result<std::vector<Catcher>> Catch() const {
    std::vector<Catcher> catchers;
    const Json* list = Field("Catch");
    if (list == nullptr) return catchers;
    if (!list->is_array()) return Bad("\"Catch\" must be an array");
    std::vector<std::vector<std::string>> names;
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& entry = (*list)[i];
      const std::string where = fmt::format("Catch[{}]", i);
      if (!entry.is_object()) return Bad(where + " must be an object");
      Catcher c;
      ASSIGN_OR_RETURN(c.error_equals, ErrorEquals(entry, where));
      auto next = entry.find("Next");
      if (next == entry.end() || !next->is_string() || next->get<std::string>().empty()) {
        return Bad(where + ": \"Next\" (the name of a state) is required");
      }
      c.next = next->get<std::string>();
      c.result_path = JsonPath::Parse("$").value();
      for (const auto& [key, value] : entry.items()) {
        if (key == "ErrorEquals" || key == "Comment" || key == "Next") continue;
        if (key != "ResultPath") {
          return Bad(fmt::format("{}: unknown field \"{}\" (allowed: ErrorEquals, Next, ResultPath)", where, key));
        }
        if (value.is_null()) {
          c.result_path.reset();
          continue;
        }
        if (!value.is_string()) return Bad(where + ": \"ResultPath\" must be a JSONPath string or null");
        Result<JsonPath> path = JsonPath::Parse(value.get<std::string>());
        if (!path.ok()) return Bad(fmt::format("{}: \"ResultPath\": {}", where, path.status().message()));
        c.result_path = std::move(path).value();
      }
      names.push_back(c.error_equals);
      catchers.push_back(std::move(c));
    }
    RETURN_IF_ERROR(CheckAllIsLast(names, "Catch"));
    return catchers;
  }

  Result<std::optional<PayloadTemplate>> Template(std::string_view key) const {
    const Json* value = Field(key);
    if (value == nullptr) return std::optional<PayloadTemplate>();
    ASSIGN_OR_RETURN(PayloadTemplate payload, PayloadTemplate::Parse(*value, fmt::format("{}: {}", where_, key)));
    return std::optional<PayloadTemplate>(std::move(payload));
  }

  Status NextOrEnd(State& state) const {
    ASSIGN_OR_RETURN(state.next, String("Next", false));
    if (const Json* end = Field("End")) {
      if (!end->is_boolean()) return Bad("\"End\" must be true or false");
      state.end = end->get<bool>();
    }
    if (state.end == !state.next.empty()) {
      return Bad(state.end ? "has both \"Next\" and \"End\": true; give one"
                           : "needs \"Next\" (the following state) or \"End\": true");
    }
    return OkStatus();
  }

 private:
  const Json& json_;
  std::string where_;
};

Status ParseChoice(const StateParser& p, const std::string& name, const Json& json, State& state) {
  const Json* choices = p.Field("Choices");
  if (choices == nullptr || !choices->is_array() || choices->empty()) {
    return p.Bad("\"Choices\" must be a non-empty array of choice rules");
  }
  for (size_t i = 0; i < choices->size(); ++i) {
    ASSIGN_OR_RETURN(ChoiceRule rule,
                     ChoiceRule::Parse((*choices)[i], true, fmt::format("state '{}': Choices[{}]", name, i)));
    state.choices.push_back(std::move(rule));
  }
  ASSIGN_OR_RETURN(state.default_next, p.String("Default", false));
  return OkStatus();
}

Status ParseWait(const StateParser& p, State& state) {
  RETURN_IF_ERROR(p.NextOrEnd(state));
  const Json* seconds = p.Field("Seconds");
  const Json* seconds_path = p.Field("SecondsPath");
  if ((seconds == nullptr) == (seconds_path == nullptr)) return p.Bad("needs exactly one of \"Seconds\" and \"SecondsPath\"");
  if (seconds != nullptr) {
    // 1e300 would overflow the wake-up time: refuse it here, where the definition is loaded.
    if (!seconds->is_number() || !(seconds->get<double>() >= 0) || seconds->get<double>() > kMaxWaitSeconds) {
      return p.Bad(fmt::format("\"Seconds\" must be a number of seconds from 0 to {:.0f} (366 days), got {}",
                               kMaxWaitSeconds, seconds->dump()));
    }
    state.wait_seconds = seconds->get<double>();
  } else {
    ASSIGN_OR_RETURN(state.wait_seconds_path, p.Path("SecondsPath", false));
  }
  return OkStatus();
}

}  // namespace

std::string_view StateTypeName(StateType type) {
  for (const TypeInfo& info : Types()) {
    if (info.type == type) return info.name;
  }
  return "?";
}

bool ErrorMatches(const std::vector<std::string>& error_equals, std::string_view error) {
  for (const std::string& name : error_equals) {
    // Every error that reaches Retry/Catch is a task error (runtime errors never do).
    if (name == kErrorAll || name == kErrorTaskFailed || name == error) return true;
  }
  return false;
}

Result<State> ParseState(const std::string& name, const Json& json) {
  if (!json.is_object()) return InvalidArgumentError(fmt::format("state '{}' must be a JSON object", name));
  StateParser p(name, json);
  State state;
  state.name = name;
  ASSIGN_OR_RETURN(const std::string type_name, p.String("Type", true));
  const auto type = std::find_if(Types().begin(), Types().end(), [&](const TypeInfo& t) { return t.name == type_name; });
  if (type == Types().end()) {
    return p.Bad(fmt::format("unknown Type \"{}\" (supported: Task, Choice, Pass, Wait, Succeed, Fail)", type_name));
  }
  state.type = type->type;
  for (const auto& [key, value] : json.items()) {
    if (key != "Type" && key != "Comment" && !type->fields.contains(key)) {
      return p.Bad(fmt::format("field \"{}\" is not allowed in a {} state (allowed: {})", key, type_name,
                               fmt::join(type->fields, ", ")));
    }
  }
  const bool has_data = state.type != StateType::kFail;
  if (has_data) {
    ASSIGN_OR_RETURN(state.input_path, p.Path("InputPath", true));
    ASSIGN_OR_RETURN(state.output_path, p.Path("OutputPath", true));
  }
  switch (state.type) {
    case StateType::kTask: {
      ASSIGN_OR_RETURN(state.resource, p.String("Resource", true));
      RETURN_IF_ERROR(p.NextOrEnd(state));
      ASSIGN_OR_RETURN(state.result_path, p.Path("ResultPath", true));
      ASSIGN_OR_RETURN(state.parameters, p.Template("Parameters"));
      ASSIGN_OR_RETURN(state.result_selector, p.Template("ResultSelector"));
      ASSIGN_OR_RETURN(state.retry, p.Retry());
      ASSIGN_OR_RETURN(state.catchers, p.Catch());
      break;
    }
    case StateType::kPass: {
      RETURN_IF_ERROR(p.NextOrEnd(state));
      ASSIGN_OR_RETURN(state.result_path, p.Path("ResultPath", true));
      ASSIGN_OR_RETURN(state.parameters, p.Template("Parameters"));
      if (const Json* result = p.Field("Result")) state.result = *result;
      break;
    }
    case StateType::kChoice: {
      RETURN_IF_ERROR(ParseChoice(p, name, json, state));
      break;
    }
    case StateType::kWait: {
      RETURN_IF_ERROR(ParseWait(p, state));
      break;
    }
    case StateType::kSucceed: {
      break;
    }
    case StateType::kFail: {
      ASSIGN_OR_RETURN(state.error, p.String("Error", false));
      ASSIGN_OR_RETURN(state.cause, p.String("Cause", false));
      if (state.error.empty()) state.error = "States.Fail";
      break;
    }
  }
  return state;
}

}  // namespace labelloop::workflow
