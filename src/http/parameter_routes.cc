// Parameters: list with definitions, get, set (value always a JSON string, as stored; the
// type and range are checked by params::ParameterStore), and history.
#include <fmt/format.h>

#include "http/call_util.h"
#include "http/handlers.h"
#include "params/parameter_definitions.h"
#include "params/parameter_store.h"

namespace labelloop::http {
namespace {

nlohmann::json ValueJson(const params::ParameterValue& value) {
  return {{"name", value.name},
          {"value", value.value},
          {"version", value.version},
          {"last_modified", IsoTime(value.last_modified_ms)},
          {"modified_by", value.modified_by}};
}

nlohmann::json OptionalNumber(const std::optional<double>& number) {
  return number ? nlohmann::json(*number) : nlohmann::json(nullptr);
}

}  // namespace

Status HandleListParameters(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  ASSIGN_OR_RETURN(std::vector<params::ParameterValue> values, call.deps.params->List());
  nlohmann::json list = nlohmann::json::array();
  for (const params::ParameterValue& value : values) {
    nlohmann::json item = ValueJson(value);
    if (const params::ParameterDefinition* definition = params::FindParameterDefinition(value.name)) {
      item["description"] = definition->description;
      item["type"] = params::ParameterTypeName(definition->type);
      item["default"] = definition->default_value;
      item["min"] = OptionalNumber(definition->min);
      item["max"] = OptionalNumber(definition->max);
      item["unit"] = definition->unit;
      item["system_only"] = definition->system_only;
    }
    list.push_back(std::move(item));
  }
  ReplyJson(call, 200, {{"parameters", list}});
  return OkStatus();
}

Status HandleGetParameter(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  ASSIGN_OR_RETURN(params::ParameterValue value, call.deps.params->Get(PathParam(call, "name")));
  ReplyJson(call, 200, ValueJson(value));
  return OkStatus();
}

Status HandlePutParameter(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  const std::string& name = PathParam(call, "name");
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  auto it = body.find("value");
  if (it == body.end()) {
    return InvalidArgumentError(fmt::format("request body must have \"value\" (a string) for parameter '{}'", name));
  }
  if (!it->is_string()) {
    return InvalidArgumentError(fmt::format(
        "\"value\" of parameter '{}' must be a JSON string (values are stored as text, e.g. \"true\", \"10\"), "
        "got {} {}",
        name, it->type_name(), it->dump()));
  }
  ASSIGN_OR_RETURN(params::ParameterValue value,
                   call.deps.params->Set(name, it->get<std::string>(), ActorName(call)));
  call.events.Publish("parameter.changed", ValueJson(value));
  ReplyJson(call, 200, ValueJson(value));
  return OkStatus();
}

Status HandleParameterHistory(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  const std::string& name = PathParam(call, "name");
  ASSIGN_OR_RETURN(std::vector<params::ParameterValue> history, call.deps.params->History(name));
  nlohmann::json list = nlohmann::json::array();
  for (const params::ParameterValue& value : history) list.push_back(ValueJson(value));
  ReplyJson(call, 200, {{"name", name}, {"history", list}});
  return OkStatus();
}

}  // namespace labelloop::http
