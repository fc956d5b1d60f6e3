// SSM Parameter Store over the eleven parameters (docs/aws.md): GetParameter,
// GetParameters, PutParameter (Overwrite), GetParameterHistory, DescribeParameters. Every
// value goes through params::ParameterStore, so the validation, the history and the
// events are those of `labelloop params set` and PUT /api/v1/parameters/{name}.
// Parameters are an admin's, as on the native API.
#include <fmt/format.h>

#include <algorithm>

#include "http/aws_auth.h"
#include "http/aws_json.h"
#include "http/call_util.h"
#include "params/parameter_store.h"
#include "views/parameter_view.h"

namespace labelloop::http {
namespace {

using nlohmann::json;

Status RequireAdmin(const AwsJsonCall& c) {
  if (c.call.caller->role != auth::Role::kAdmin) {
    return AwsError(StatusCode::kPermissionDenied, "AccessDeniedException",
                    fmt::format("API token '{}' has role '{}'; parameters need role admin", c.call.caller->name,
                                auth::RoleName(c.call.caller->role)));
  }
  return RequireDep(c.call.deps.params, "the parameter store");
}

Result<std::string> StringField(const json& input, std::string_view field) {
  auto it = input.find(field);
  if (it == input.end() || !it->is_string() || it->get<std::string>().empty()) {
    return AwsError(StatusCode::kInvalidArgument, "ValidationException", fmt::format("{} must be a non-empty string", field));
  }
  return it->get<std::string>();
}

// SSM's errors for what ParameterStore refuses.
Status InSsmTerms(const Status& status, std::string_view name) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return AwsError(status.code(), "ParameterNotFound", fmt::format("parameter '{}' does not exist", name));
    case StatusCode::kInvalidArgument: return AwsError(status.code(), "ValidationException", status.message());
    case StatusCode::kPermissionDenied: return AwsError(status.code(), "AccessDeniedException", status.message());
    default: return status;
  }
}

std::string Arn(const AwsJsonCall& c, std::string_view name) {
  return fmt::format("arn:aws:ssm:{}:000000000000:parameter/{}", c.region, name);
}

double EpochSeconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

json ParameterOf(const AwsJsonCall& c, const params::ParameterValue& v) {
  return {{"Name", v.name},       {"Type", "String"},       {"Value", v.value}, {"Version", v.version},
          {"LastModifiedDate", EpochSeconds(v.last_modified_ms)}, {"ARN", Arn(c, v.name)}, {"DataType", "text"}};
}

Result<json> GetParameter(AwsJsonCall& c) {
  RETURN_IF_ERROR(RequireAdmin(c));
  ASSIGN_OR_RETURN(std::string name, StringField(c.input, "Name"));
  auto value = c.call.deps.params->Get(name);
  if (!value.ok()) return InSsmTerms(value.status(), name);
  return json{{"Parameter", ParameterOf(c, *value)}};
}

Result<json> GetParameters(AwsJsonCall& c) {
  RETURN_IF_ERROR(RequireAdmin(c));
  auto names = c.input.find("Names");
  if (names == c.input.end() || !names->is_array() || names->empty() || names->size() > 10) {
    return AwsError(StatusCode::kInvalidArgument, "ValidationException", "Names must list 1 to 10 parameter names");
  }
  json found = json::array(), invalid = json::array();
  for (const json& name : *names) {
    if (!name.is_string()) return AwsError(StatusCode::kInvalidArgument, "ValidationException", "Names must be strings");
    auto value = c.call.deps.params->Get(name.get<std::string>());
    if (value.ok()) {
      found.push_back(ParameterOf(c, *value));
    } else if (value.status().code() == StatusCode::kNotFound) {
      invalid.push_back(name);
    } else {
      return value.status();
    }
  }
  return json{{"Parameters", found}, {"InvalidParameters", invalid}};
}

Result<json> PutParameter(AwsJsonCall& c) {
  RETURN_IF_ERROR(RequireAdmin(c));
  ASSIGN_OR_RETURN(std::string name, StringField(c.input, "Name"));
  auto value = c.input.find("Value");
  if (value == c.input.end() || !value->is_string()) {
    return AwsError(StatusCode::kInvalidArgument, "ValidationException", "Value must be a string");
  }
  const std::string type = c.input.value("Type", "String");
  if (type != "String") {
    return AwsError(StatusCode::kInvalidArgument, "ValidationException",
                    fmt::format("labelloop's parameters are of Type String, not {}", type));
  }
  // Every one of the eleven exists (with its default) from the start, so a write is always
  // an overwrite and needs Overwrite, as SSM asks for an existing parameter.
  if (!c.input.value("Overwrite", false)) {
    auto existing = c.call.deps.params->Get(name);
    if (!existing.ok()) return InSsmTerms(existing.status(), name);
    return AwsError(StatusCode::kAlreadyExists, "ParameterAlreadyExists",
                    fmt::format("parameter '{}' exists: set Overwrite to change it", name));
  }
  auto written = c.call.deps.params->Set(name, value->get<std::string>(), "aws:" + c.call.caller->name);
  if (!written.ok()) return InSsmTerms(written.status(), name);
  c.call.events.Publish("parameter.changed", views::ParameterValueJson(*written));
  return json{{"Version", written->version}, {"Tier", "Standard"}};
}

Result<json> GetParameterHistory(AwsJsonCall& c) {
  RETURN_IF_ERROR(RequireAdmin(c));
  ASSIGN_OR_RETURN(std::string name, StringField(c.input, "Name"));
  auto history = c.call.deps.params->History(name);
  if (!history.ok()) return InSsmTerms(history.status(), name);
  std::sort(history->begin(), history->end(),  // SSM lists the oldest first
            [](const params::ParameterValue& a, const params::ParameterValue& b) { return a.version < b.version; });
  json list = json::array();
  for (const params::ParameterValue& v : *history) {
    json entry = ParameterOf(c, v);
    entry.erase("ARN");
    entry["LastModifiedUser"] = v.modified_by;
    list.push_back(std::move(entry));
  }
  return json{{"Parameters", list}};
}

Result<json> DescribeParameters(AwsJsonCall& c) {
  RETURN_IF_ERROR(RequireAdmin(c));
  ASSIGN_OR_RETURN(std::vector<params::ParameterValue> values, c.call.deps.params->List());
  json list = json::array();
  for (const params::ParameterValue& v : values) {
    list.push_back({{"Name", v.name}, {"Type", "String"}, {"Version", v.version},
                    {"LastModifiedDate", EpochSeconds(v.last_modified_ms)}, {"LastModifiedUser", v.modified_by},
                    {"Tier", "Standard"}, {"DataType", "text"}, {"ARN", Arn(c, v.name)}});
  }
  return json{{"Parameters", list}};
}

}  // namespace

AwsJsonOperation FindSsmOperation(std::string_view name) {
  if (name == "GetParameter") return GetParameter;
  if (name == "GetParameters") return GetParameters;
  if (name == "PutParameter") return PutParameter;
  if (name == "GetParameterHistory") return GetParameterHistory;
  if (name == "DescribeParameters") return DescribeParameters;
  return nullptr;
}

}  // namespace labelloop::http
