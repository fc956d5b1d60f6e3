#include "http/call_util.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/clock.h"
#include "common/json_util.h"

namespace labelloop::http {

void ReplyJson(Call& call, int http_status, const nlohmann::json& body) {
  call.response.status = http_status;
  // Invalid UTF-8 in stored text must not turn a reply into an exception.
  call.response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                            "application/json");
}

void ReplyNoContent(Call& call) {
  call.response.status = 204;
  call.response.body.clear();
}

Result<nlohmann::json> ParseJsonBody(const Call& call) {
  if (call.request.body.empty()) return InvalidArgumentError("request body is empty; expected a JSON object");
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJson(call.request.body, "request body"));
  if (!body.is_object()) {
    return InvalidArgumentError(fmt::format("request body must be a JSON object, got {}", body.type_name()));
  }
  return body;
}

const std::string& PathParam(const Call& call, std::string_view name) {
  static const std::string kEmpty;
  auto it = call.path.find(name);
  return it == call.path.end() ? kEmpty : it->second;
}

std::optional<std::string> FindQueryString(const Call& call, std::string_view name) {
  std::string key(name);
  if (!call.request.has_param(key)) return std::nullopt;
  std::string value = call.request.get_param_value(key);
  if (value.empty()) return std::nullopt;
  return value;
}

std::string QueryString(const Call& call, std::string_view name, std::string_view default_value) {
  return FindQueryString(call, name).value_or(std::string(default_value));
}

Result<std::optional<int64_t>> FindQueryInt(const Call& call, std::string_view name, int64_t min, int64_t max) {
  std::optional<std::string> text = FindQueryString(call, name);
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return InvalidArgumentError(fmt::format("query parameter '{}' must be an integer, got '{}'", name, *text));
  }
  if (value < min || value > max) {
    return InvalidArgumentError(
        fmt::format("query parameter '{}' must be between {} and {}, got {}", name, min, max, value));
  }
  return std::optional<int64_t>(value);
}

Result<int64_t> QueryInt(const Call& call, std::string_view name, int64_t default_value, int64_t min, int64_t max) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, FindQueryInt(call, name, min, max));
  return value.value_or(default_value);
}

Result<double> QueryDouble(const Call& call, std::string_view name, double default_value, double min, double max) {
  std::optional<std::string> text = FindQueryString(call, name);
  if (!text) return default_value;
  char* end = nullptr;
  double value = std::strtod(text->c_str(), &end);
  if (end != text->c_str() + text->size() || !std::isfinite(value)) {
    return InvalidArgumentError(fmt::format("query parameter '{}' must be a number, got '{}'", name, *text));
  }
  if (value < min || value > max) {
    return InvalidArgumentError(
        fmt::format("query parameter '{}' must be between {} and {}, got {}", name, min, max, *text));
  }
  return value;
}

Result<std::optional<bool>> FindQueryBool(const Call& call, std::string_view name) {
  std::optional<std::string> text = FindQueryString(call, name);
  if (!text) return std::optional<bool>();
  if (*text == "true" || *text == "1") return std::optional<bool>(true);
  if (*text == "false" || *text == "0") return std::optional<bool>(false);
  return InvalidArgumentError(fmt::format("query parameter '{}' must be true or false, got '{}'", name, *text));
}

Status RequireDep(const void* dependency, std::string_view what) {
  if (dependency != nullptr) return OkStatus();
  return UnavailableError(fmt::format("{} is not configured on this server", what));
}

std::string ActorName(const Call& call) { return call.caller ? call.caller->name : "anonymous"; }

nlohmann::json IsoTime(int64_t ms) { return FormatIso8601Utc(ms); }

nlohmann::json IsoTime(const std::optional<int64_t>& ms) {
  return ms ? nlohmann::json(FormatIso8601Utc(*ms)) : nlohmann::json(nullptr);
}

Result<int> PageLimit(const Call& call) {
  ASSIGN_OR_RETURN(int64_t limit, QueryInt(call, "limit", kDefaultPageLimit, 1, kMaxPageLimit));
  return static_cast<int>(limit);
}

}  // namespace labelloop::http
