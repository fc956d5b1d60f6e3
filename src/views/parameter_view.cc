#include "views/parameter_view.h"

#include "params/parameter_definitions.h"

namespace labelloop::views {
namespace {

Json OptionalNumber(const std::optional<double>& number) { return number ? Json(*number) : Json(nullptr); }

}  // namespace

Json ParameterValueJson(const params::ParameterValue& v) {
  return {{"name", v.name},
          {"value", v.value},
          {"version", v.version},
          {"last_modified", v.version == 0 ? Json(nullptr) : TimeValue(v.last_modified_ms)},
          {"modified_by", v.modified_by}};
}

Json ParameterJson(const params::ParameterValue& v) {
  Json json = ParameterValueJson(v);
  const params::ParameterDefinition* d = params::FindParameterDefinition(v.name);
  json["description"] = d ? Json(d->description) : Json("");
  json["type"] = d ? Json(params::ParameterTypeName(d->type)) : Json("json");
  json["default"] = d ? Json(d->default_value) : Json(nullptr);
  json["min"] = d ? OptionalNumber(d->min) : Json(nullptr);
  json["max"] = d ? OptionalNumber(d->max) : Json(nullptr);
  json["unit"] = d ? Json(d->unit) : Json("");
  json["system_only"] = d ? d->system_only : false;
  return json;
}

Json ParameterValueSchema() {
  return ObjectSchema("One stored value of a parameter (values are always strings, as stored).",
                      {{"name", StringSchema()},
                       {"value", StringSchema("canonical text: \"true\", \"720\", \"0.8\"")},
                       {"version", IntegerSchema("1, 2, ...; 0 while only the default exists")},
                       {"last_modified", Nullable(TimeSchema())},
                       {"modified_by", StringSchema("system, or the user or token that wrote it")}});
}

Json ParameterSchema() {
  return ExtendObjectSchema(ParameterValueSchema(),
                            {{"description", StringSchema()},
                             {"type", EnumSchema({"bool", "int", "float", "json"})},
                             {"default", Nullable(StringSchema())},
                             {"min", Nullable(NumberSchema())},
                             {"max", Nullable(NumberSchema())},
                             {"unit", StringSchema()},
                             {"system_only", BooleanSchema("written by labelloop only")}});
}

}  // namespace labelloop::views
