#include "views/json_schema.h"

namespace labelloop::views {
namespace {

Json Typed(std::string_view type, std::string_view description) {
  Json schema = {{"type", type}};
  if (!description.empty()) schema["description"] = description;
  return schema;
}

}  // namespace

Json StringSchema(std::string_view description) { return Typed("string", description); }
Json IntegerSchema(std::string_view description) { return Typed("integer", description); }
Json NumberSchema(std::string_view description) { return Typed("number", description); }
Json BooleanSchema(std::string_view description) { return Typed("boolean", description); }

Json TimeSchema(std::string_view description) {
  Json schema = Typed("string", description);
  schema["format"] = "date-time";
  return schema;
}

Json AnySchema(std::string_view description) {
  Json schema = Json::object();
  if (!description.empty()) schema["description"] = description;
  return schema;
}

Json ArraySchema(Json items, std::string_view description) {
  Json schema = Typed("array", description);
  schema["items"] = std::move(items);
  return schema;
}

Json EnumSchema(std::vector<std::string> values, std::string_view description) {
  Json schema = Typed("string", description);
  schema["enum"] = std::move(values);
  return schema;
}

Json Nullable(Json schema) {
  if (schema.contains("$ref")) return {{"oneOf", {std::move(schema), {{"type", "null"}}}}};
  if (schema.contains("type") && schema["type"].is_string()) {
    schema["type"] = {schema["type"], "null"};
    if (schema.contains("enum")) schema["enum"].push_back(nullptr);
  }
  return schema;
}

Json Alias(Json schema, std::string_view of_field) {
  schema["deprecated"] = true;
  schema["description"] = "alias of `" + std::string(of_field) + "`, kept for clients written before it was renamed";
  return schema;
}

Json SchemaRef(std::string_view name) { return {{"$ref", "#/components/schemas/" + std::string(name)}}; }

Json ObjectSchema(std::string_view description, std::vector<Property> properties) {
  Json schema = Typed("object", description);
  schema["properties"] = Json::object();
  schema["required"] = Json::array();
  return ExtendObjectSchema(std::move(schema), std::move(properties));
}

Json ExtendObjectSchema(Json object, std::vector<Property> more) {
  for (Property& property : more) {
    if (property.required) object["required"].push_back(property.name);
    object["properties"][property.name] = std::move(property.schema);
  }
  return object;
}

}  // namespace labelloop::views

#include "common/clock.h"

namespace labelloop::views {

Json TimeValue(int64_t ms) { return FormatIso8601Utc(ms); }
Json TimeValue(const std::optional<int64_t>& ms) { return ms ? Json(FormatIso8601Utc(*ms)) : Json(nullptr); }
Json TextOrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }
Json TextOrNull(const std::optional<std::string>& text) { return text ? Json(*text) : Json(nullptr); }

}  // namespace labelloop::views
