// Unit tests of the routing pieces: pattern matching, the route table's consistency, the
// Status -> HTTP mapping and role rules.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "http/http_error.h"
#include "http/route.h"
#include "http/route_examples_test_util.h"
#include "http/route_table.h"
#include "http/static_assets.h"

namespace labelloop::http {
namespace {

TEST(MatchPatternTest, LiteralsSegmentsAndRest) {
  PathParams params;
  EXPECT_TRUE(MatchPattern("/api/v1/health", "/api/v1/health", params));
  EXPECT_FALSE(MatchPattern("/api/v1/health", "/api/v1/health/", params));
  EXPECT_FALSE(MatchPattern("/api/v1/health", "/api/v1/healthz", params));
  ASSERT_TRUE(MatchPattern("/api/v1/reviews/{id}/claim", "/api/v1/reviews/r-1/claim", params));
  EXPECT_EQ(params["id"], "r-1");
  EXPECT_FALSE(MatchPattern("/api/v1/reviews/{id}/claim", "/api/v1/reviews//claim", params));
  EXPECT_FALSE(MatchPattern("/api/v1/reviews/{id}", "/api/v1/reviews/a/b", params));
  ASSERT_TRUE(MatchPattern("/api/v1/objects/{key+}", "/api/v1/objects/a/b/c.jpg", params));
  EXPECT_EQ(params["key"], "a/b/c.jpg");
  ASSERT_TRUE(MatchPattern("/api/v1/objects/{key+}", "/api/v1/objects//etc/passwd", params));
  EXPECT_EQ(params["key"], "/etc/passwd");  // kept as sent: the key check refuses it
  EXPECT_FALSE(MatchPattern("/api/v1/objects/{key+}", "/api/v1/objects/", params));
  ASSERT_TRUE(MatchPattern("/console/{path*}", "/console/", params));
  EXPECT_EQ(params["path"], "");
  EXPECT_FALSE(MatchPattern("/console/{path*}", "/console", params));
}

TEST(RouteTableTest, EveryRouteIsUniqueAndReachable) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const Route& route : RouteTable()) {
    EXPECT_TRUE(seen.insert({route.method, route.pattern}).second) << route.method << " " << route.pattern;
    EXPECT_NE(route.handler, nullptr) << route.pattern;
    PathParams params;
    std::string allowed;
    const Route* found = FindRoute(route.method, ExamplePath(route.pattern), params, allowed);
    EXPECT_EQ(found, &route) << "shadowed: " << route.method << " " << route.pattern;
  }
}

TEST(RouteTableTest, WrongMethodListsAllowedOnes) {
  PathParams params;
  std::string allowed;
  EXPECT_EQ(FindRoute("PATCH", "/api/v1/objects/a.jpg", params, allowed), nullptr);
  EXPECT_EQ(allowed, "PUT, GET, DELETE");
  EXPECT_EQ(FindRoute("GET", "/api/v1/nothing-here", params, allowed), nullptr);
  EXPECT_EQ(allowed, "");
  EXPECT_NE(FindRoute("HEAD", "/api/v1/health", params, allowed), nullptr);
}

TEST(RouteTableTest, OnlyHealthReadinessDescriptionLoginAndPagesAreOpen) {
  std::set<std::string_view> open;
  for (const Route& route : RouteTable()) {
    if (route.access.open) open.insert(route.pattern);
  }
  EXPECT_EQ(open, (std::set<std::string_view>{"/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json", "/api/v1/session", "/", "/console",
                                               "/console/{path*}", "/label", "/label/{path*}"}));
}

// The roles of every route, as the API contract states them (docs/api.md). The matrix test
// in server_test.cc checks the server obeys the table; this pins the table to the
// contract, and fails for a new route until it is classified here.
TEST(RouteTableTest, RolesMatchTheContract) {
  const std::string kAwsSigned = "admin, reviewer, consumer (AWS SigV4: access key id = token name, secret = token)";
  const std::map<std::string, std::string> expected = {
      {"GET /api/v1/health", "open"},
      {"GET /api/v1/ready", "open"},
      {"GET /api/v1/openapi.json", "open"},
      {"POST /api/v1/session", "open"},
      {"GET /api/v1/session", "admin, reviewer, consumer"},
      {"DELETE /api/v1/session", "admin, reviewer, consumer"},
      {"POST /api/v1/session/password", "admin, reviewer, consumer"},
      {"GET /api/v1/objects", "admin"},
      {"POST /api/v1/objects", "admin, consumer"},
      {"PUT /api/v1/objects/{key+}", "admin, consumer"},
      {"GET /api/v1/objects/{key+}", "admin, reviewer"},
      {"DELETE /api/v1/objects/{key+}", "admin"},
      {"GET /api/v1/parameters", "admin"},
      {"GET /api/v1/parameters/{name}", "admin"},
      {"PUT /api/v1/parameters/{name}", "admin"},
      {"GET /api/v1/parameters/{name}/history", "admin"},
      {"GET /api/v1/models", "admin, consumer"},
      {"GET /api/v1/models/{version}", "admin, consumer"},
      {"GET /api/v1/models/{version}/onnx", "admin"},
      {"POST /api/v1/models/{version}/start", "admin"},
      {"POST /api/v1/models/{version}/stop", "admin"},
      {"POST /api/v1/detect", "admin, consumer"},
      {"GET /api/v1/detections", "admin"},
      {"GET /api/v1/detections/histogram", "admin"},
      {"GET /api/v1/detections/{request_id}", "admin, consumer"},
      {"GET /api/v1/executions", "admin"},
      {"GET /api/v1/executions/{id}", "admin"},
      {"GET /api/v1/statemachine", "admin"},
      {"GET /api/v1/notifications", "admin"},
      {"GET /api/v1/notifications/deliveries", "admin"},
      {"POST /api/v1/notifications/{id}/read", "admin"},
      {"GET /api/v1/schedules", "admin"},
      {"POST /api/v1/schedules/{name}/trigger", "admin"},
      {"GET /api/v1/reviews", "admin, reviewer"},
      {"POST /api/v1/reviews/next", "admin, reviewer"},
      {"GET /api/v1/reviews/{id}", "admin, reviewer"},
      {"POST /api/v1/reviews/{id}/claim", "admin, reviewer"},
      {"POST /api/v1/reviews/{id}/answer", "admin, reviewer"},
      {"POST /api/v1/reviews/{id}/release", "admin, reviewer"},
      {"GET /api/v1/agreement", "admin"},
      {"GET /api/v1/dashboard", "admin"},
      {"GET /api/v1/users", "admin"},
      {"POST /api/v1/users", "admin"},
      {"DELETE /api/v1/users/{name}", "admin"},
      {"PUT /api/v1/users/{name}/password", "admin"},
      {"GET /api/v1/tokens", "admin"},
      {"POST /api/v1/tokens", "admin"},
      {"DELETE /api/v1/tokens/{name}", "admin"},
      {"GET /api/v1/stream", "admin"},
      {"GET /metrics", "admin, reviewer, consumer"},
      {"GET /", "open"},
      {"GET /console", "open"},
      {"GET /console/{path*}", "open"},
      {"GET /label", "open"},
      {"GET /label/{path*}", "open"},
      // AWS's clients (docs/aws.md): signed with SigV4; the object routes apply the prefix rules.
      {"GET /s3", kAwsSigned},
      {"GET /s3/{bucket}", kAwsSigned},
      {"PUT /s3/{bucket}/{key+}", kAwsSigned},
      {"GET /s3/{bucket}/{key+}", kAwsSigned},
      {"DELETE /s3/{bucket}/{key+}", kAwsSigned},
      {"POST /aws", kAwsSigned},
  };
  EXPECT_EQ(RouteTable().size(), expected.size());
  for (const Route& route : RouteTable()) {
    std::string name = std::string(route.method) + " " + std::string(route.pattern);
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "route not classified in this test: " << name;
    EXPECT_EQ(route.access.Describe(), it->second) << name;
  }
}

TEST(AccessTest, AdminAlwaysOthersByFlag) {
  EXPECT_TRUE(kAdminOnly.Allows(auth::Role::kAdmin));
  EXPECT_FALSE(kAdminOnly.Allows(auth::Role::kReviewer));
  EXPECT_FALSE(kAdminOnly.Allows(auth::Role::kConsumer));
  EXPECT_TRUE(kAdminReviewer.Allows(auth::Role::kReviewer));
  EXPECT_FALSE(kAdminReviewer.Allows(auth::Role::kConsumer));
  EXPECT_TRUE(kAdminConsumer.Allows(auth::Role::kConsumer));
  EXPECT_EQ(kAdminReviewer.Describe(), "admin, reviewer");
  EXPECT_EQ(kOpen.Describe(), "open");
}

TEST(HttpErrorTest, OneMappingForEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInsufficientStorage), 507);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  nlohmann::json body = ErrorBody("not_found", "object 'a' does not exist");
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(body["error"]["message"], "object 'a' does not exist");
}

TEST(StaticAssetsTest, PagesAreEmbeddedWithTypesAndEtags) {
  const StaticAsset* console = FindStaticAsset("console/index.html");
  ASSERT_NE(console, nullptr);
  EXPECT_EQ(console->content_type, "text/html; charset=utf-8");
  EXPECT_NE(console->bytes.find("<html"), std::string_view::npos);
  EXPECT_EQ(console->etag.size(), 66u);  // quoted SHA-256 hex
  ASSERT_NE(FindStaticAsset("portal/index.html"), nullptr);
  EXPECT_EQ(StaticAssetCount(), kEmbeddedAssetCount);
  EXPECT_EQ(FindStaticAsset("console/missing.js"), nullptr);
  EXPECT_EQ(WebContentType("a/b.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(WebContentType("a/b.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("a/b"), "application/octet-stream");
}

}  // namespace
}  // namespace labelloop::http
