// The generated OpenAPI description covers the route table exactly: every route with its
// roles, path and query parameters, bodies and errors, and every schema reference resolves.
// (tests/api/openapi.test.mjs validates the served document with an npm validator.)
#include <gtest/gtest.h>

#include <set>

#include "http/openapi.h"
#include "http/openapi_schemas.h"
#include "http/route_table.h"

namespace labelloop::http {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(OpenApiTest, EveryRouteIsDescribedWithItsRolesAndParameters) {
  Json doc = BuildOpenApi(RouteTable(), "1.2.3");
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["info"]["version"], "1.2.3");
  size_t operations = 0;
  for (const auto& [path, item] : doc["paths"].items()) operations += item.size();
  EXPECT_EQ(operations, RouteTable().size());
  for (const Route& route : RouteTable()) {
    std::string where = std::string(route.method) + " " + std::string(route.pattern);
    const Json& op = doc["paths"][OpenApiPath(route.pattern)][Lower(route.method)];
    ASSERT_TRUE(op.is_object()) << where << " is not in the description";
    EXPECT_FALSE(route.doc.summary.empty()) << where << " has no summary";
    EXPECT_EQ(op["description"], "Roles: " + route.access.Describe() + ".") << where;
    EXPECT_EQ(op["security"].empty(), route.access.open) << where;
    std::set<std::string> path_params, query_params;
    for (const Json& p : op["parameters"]) (p["in"] == "path" ? path_params : query_params).insert(p["name"]);
    std::vector<std::string> names = PathParamNames(route.pattern);
    EXPECT_EQ(path_params, std::set<std::string>(names.begin(), names.end())) << where;
    EXPECT_EQ(query_params.size(), route.doc.query.size()) << where;
    const Json& responses = op["responses"];
    EXPECT_TRUE(responses.contains(std::to_string(route.doc.success_status))) << where;
    if (!route.access.open) {
      EXPECT_TRUE(responses.contains("401") && responses.contains("403")) << where;
    }
    if (!names.empty()) {
      EXPECT_TRUE(responses.contains("404")) << where;
    }
    for (int status : route.doc.extra_statuses) EXPECT_TRUE(responses.contains(std::to_string(status))) << where;
    EXPECT_EQ(op.contains("requestBody"), !route.doc.request.empty()) << where;
  }
}

TEST(OpenApiTest, OperationIdsAreUniqueAndEveryReferenceResolves) {
  Json doc = BuildOpenApi(RouteTable(), "1");
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second) << op["operationId"];
    }
  }
  const Json& schemas = doc["components"]["schemas"];
  std::set<std::string> referenced;
  std::function<void(const Json&)> walk = [&](const Json& node) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        std::string ref = node["$ref"];
        ASSERT_TRUE(ref.starts_with("#/components/schemas/")) << ref;
        std::string name = ref.substr(ref.rfind('/') + 1);
        EXPECT_TRUE(schemas.contains(name)) << "unresolved " << ref;
        referenced.insert(name);
      }
      for (const auto& [key, child] : node.items()) walk(child);
    } else if (node.is_array()) {
      for (const Json& child : node) walk(child);
    }
  };
  walk(doc);
  for (const auto& [name, schema] : schemas.items()) {
    EXPECT_TRUE(referenced.contains(name)) << "schema " << name << " is never used";
  }
}

TEST(OpenApiTest, PathsAndParameterNames) {
  EXPECT_EQ(OpenApiPath("/api/v1/objects/{key+}"), "/api/v1/objects/{key}");
  EXPECT_EQ(OpenApiPath("/console/{path*}"), "/console/{path}");
  EXPECT_EQ(PathParamNames("/api/v1/reviews/{id}/answer"), std::vector<std::string>{"id"});
  EXPECT_EQ(PathParamNames("/api/v1/objects/{key+}"), std::vector<std::string>{"key"});
  EXPECT_TRUE(PathParamNames("/api/v1/health").empty());
}

}  // namespace
}  // namespace labelloop::http
