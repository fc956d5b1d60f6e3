// The JSON Schemas of every request and response body of the API, by the names the route
// table's RouteDoc uses: the shared entity views (views/view_schemas.h) plus the bodies
// only the HTTP routes write (lists, detections, review tasks, replies). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

namespace labelloop::http {

// {"Error": {...}, "ObjectList": {...}, "ModelVersion": {...}, ...}
nlohmann::json ApiSchemas();

}  // namespace labelloop::http
