// Small builders for the JSON Schemas (2020-12, the dialect of OpenAPI 3.1) that describe
// each JSON view, so a view and its schema are written side by side and the OpenAPI
// description (http/openapi.cc) is generated from them. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace labelloop::views {

using Json = nlohmann::json;

Json StringSchema(std::string_view description = "");
Json IntegerSchema(std::string_view description = "");
Json NumberSchema(std::string_view description = "");
Json BooleanSchema(std::string_view description = "");
// An ISO-8601 UTC time with milliseconds ("2026-11-26T00:32:25.123Z").
Json TimeSchema(std::string_view description = "");
// Any JSON value (stored JSON returned as it is).
Json AnySchema(std::string_view description = "");
Json ArraySchema(Json items, std::string_view description = "");
Json EnumSchema(std::vector<std::string> values, std::string_view description = "");
// `schema` or null.
Json Nullable(Json schema);
// The same schema marked deprecated, for a field kept as an alias of a renamed one.
Json Alias(Json schema, std::string_view of_field);
// A reference to a named schema of the OpenAPI document's components.
Json SchemaRef(std::string_view name);

struct Property {
  std::string name;
  Json schema;
  bool required = true;
};
// An object with these properties (required unless marked otherwise). Views write every
// required property, null when absent, so clients never test for a missing key.
Json ObjectSchema(std::string_view description, std::vector<Property> properties);
// The same object with more properties (e.g. a model version plus its evaluation).
Json ExtendObjectSchema(Json object, std::vector<Property> more);

}  // namespace labelloop::views

namespace labelloop::views {

// ISO-8601 UTC text of a time in ms since the epoch; null for an absent time.
Json TimeValue(int64_t ms);
Json TimeValue(const std::optional<int64_t>& ms);
// The text, or null when empty.
Json TextOrNull(const std::string& text);
Json TextOrNull(const std::optional<std::string>& text);

}  // namespace labelloop::views
