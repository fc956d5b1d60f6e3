#include "workflow/payload_template.h"

#include <fmt/format.h>

namespace labelloop::workflow {
namespace {

bool IsPathKey(const std::string& key) { return key.size() > 2 && key.ends_with(".$"); }

Status Check(const Json& node, const std::string& where) {
  if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) RETURN_IF_ERROR(Check(node[i], fmt::format("{}[{}]", where, i)));
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (IsPathKey(key)) {
        if (!value.is_string()) {
          return InvalidArgumentError(fmt::format("{}: \"{}\" must be a JSONPath string such as \"$.name\", got {}",
                                                  where, key, value.dump()));
        }
        Result<JsonPath> path = JsonPath::Parse(value.get<std::string>());
        if (!path.ok()) return InvalidArgumentError(fmt::format("{}: \"{}\": {}", where, key, path.status().message()));
      } else {
        RETURN_IF_ERROR(Check(value, where + "." + key));
      }
    }
  }
  return OkStatus();
}

Result<Json> Expand(const Json& node, const Json& input, const std::string& where) {
  if (node.is_array()) {
    Json out = Json::array();
    for (size_t i = 0; i < node.size(); ++i) {
      ASSIGN_OR_RETURN(Json element, Expand(node[i], input, fmt::format("{}[{}]", where, i)));
      out.push_back(std::move(element));
    }
    return out;
  }
  if (!node.is_object()) return node;
  Json out = Json::object();
  for (const auto& [key, value] : node.items()) {
    if (IsPathKey(key)) {
      Result<JsonPath> path = JsonPath::Parse(value.get<std::string>());  // checked at load
      if (!path.ok()) return path.status();
      Result<Json> resolved = path->Get(input);
      if (!resolved.ok()) return resolved.status().WithContext(fmt::format("{}: \"{}\"", where, key));
      out[key.substr(0, key.size() - 2)] = std::move(resolved).value();
    } else {
      ASSIGN_OR_RETURN(out[key], Expand(value, input, where + "." + key));
    }
  }
  return out;
}

}  // namespace

Result<PayloadTemplate> PayloadTemplate::Parse(const Json& payload, const std::string& where) {
  RETURN_IF_ERROR(Check(payload, where));
  PayloadTemplate out;
  out.payload_ = payload;
  out.where_ = where;
  return out;
}

Result<Json> PayloadTemplate::Apply(const Json& input) const { return Expand(payload_, input, where_); }

}  // namespace labelloop::workflow
