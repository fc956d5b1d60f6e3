#include "common/json_util.h"

#include <fmt/format.h>

namespace labelloop {

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return InvalidArgumentError(fmt::format("{} is not valid JSON: {}", what, e.what()));
  }
}

static Result<const Json*> Member(const Json& object, std::string_view key, std::string_view what) {
  if (!object.is_object()) return InvalidArgumentError(fmt::format("{} is not a JSON object", what));
  auto it = object.find(key);
  if (it == object.end()) return InvalidArgumentError(fmt::format("{} has no \"{}\"", what, key));
  return &*it;
}

Result<std::string> GetJsonString(const Json& object, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(const Json* value, Member(object, key, what));
  if (!value->is_string()) return InvalidArgumentError(fmt::format("{}: \"{}\" must be a string", what, key));
  return value->get<std::string>();
}

Result<double> GetJsonNumber(const Json& object, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(const Json* value, Member(object, key, what));
  if (!value->is_number()) return InvalidArgumentError(fmt::format("{}: \"{}\" must be a number", what, key));
  return value->get<double>();
}

Result<int64_t> GetJsonInt(const Json& object, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(const Json* value, Member(object, key, what));
  if (!value->is_number_integer()) return InvalidArgumentError(fmt::format("{}: \"{}\" must be an integer", what, key));
  return value->get<int64_t>();
}

}  // namespace labelloop
