// The OpenAPI 3.1 description of the API, generated from the route table (method, pattern,
// roles, RouteDoc) and the body schemas (openapi_schemas.h), so a route is described the
// moment it is added. Served at GET /api/v1/openapi.json. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/route.h"

namespace labelloop::http {

nlohmann::json BuildOpenApi(const std::vector<Route>& routes, std::string_view server_version);

// "/api/v1/objects/{key+}" -> "/api/v1/objects/{key}" (OpenAPI has no multi-segment marker).
std::string OpenApiPath(std::string_view pattern);

// The names of the path parameters of a pattern, in order ("key" for "{key+}").
std::vector<std::string> PathParamNames(std::string_view pattern);

}  // namespace labelloop::http
