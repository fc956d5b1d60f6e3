// Parameters: list with definitions, get, set (value always a JSON string, as stored; the
// type and range are checked by params::ParameterStore), and history.
#include <fmt/format.h>

#include "http/call_util.h"
#include "http/handlers.h"
#include "params/parameter_definitions.h"
#include "params/parameter_store.h"
#include "views/parameter_view.h"

namespace labelloop::http {

Status HandleListParameters(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  ASSIGN_OR_RETURN(std::vector<params::ParameterValue> values, call.deps.params->List());
  nlohmann::json list = nlohmann::json::array();
  for (const params::ParameterValue& value : values) list.push_back(views::ParameterJson(value));
  ReplyJson(call, 200, {{"parameters", list}});
  return OkStatus();
}

Status HandleGetParameter(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  ASSIGN_OR_RETURN(params::ParameterValue value, call.deps.params->Get(PathParam(call, "name")));
  ReplyJson(call, 200, views::ParameterJson(value));
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
  call.events.Publish("parameter.changed", views::ParameterValueJson(value));
  ReplyJson(call, 200, views::ParameterJson(value));
  return OkStatus();
}

Status HandleParameterHistory(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.params, "the parameter store"));
  const std::string& name = PathParam(call, "name");
  ASSIGN_OR_RETURN(std::vector<params::ParameterValue> history, call.deps.params->History(name));
  nlohmann::json list = nlohmann::json::array();
  for (const params::ParameterValue& value : history) list.push_back(views::ParameterValueJson(value));
  ReplyJson(call, 200, {{"name", name}, {"history", list}});
  return OkStatus();
}

}  // namespace labelloop::http
