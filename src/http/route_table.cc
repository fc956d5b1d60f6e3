#include "http/route_table.h"

#include "http/handlers.h"

namespace labelloop::http {

const std::vector<Route>& RouteTable() {
  static const std::vector<Route> routes = {
      {"GET", "/api/v1/health", kOpen, HandleHealth},
      {"GET", "/api/v1/ready", kOpen, HandleReady},
      // Session (the login itself is open; the rest needs a signed-in caller).
      {"POST", "/api/v1/session", kOpen, HandleLogin},
      {"GET", "/api/v1/session", kAnyRole, HandleGetSession},
      {"DELETE", "/api/v1/session", kAnyRole, HandleLogout},
      {"POST", "/api/v1/session/password", kAnyRole, HandleChangePassword},
      // Bucket.
      {"GET", "/api/v1/objects", kAdminOnly, HandleListObjects},
      {"POST", "/api/v1/objects", kAdminConsumer, HandleUploadObjects},
      {"PUT", "/api/v1/objects/{key+}", kAdminConsumer, HandlePutObject},
      {"GET", "/api/v1/objects/{key+}", kAdminReviewer, HandleGetObject},
      {"DELETE", "/api/v1/objects/{key+}", kAdminOnly, HandleDeleteObject},
      // Parameters.
      {"GET", "/api/v1/parameters", kAdminOnly, HandleListParameters},
      {"GET", "/api/v1/parameters/{name}", kAdminOnly, HandleGetParameter},
      {"PUT", "/api/v1/parameters/{name}", kAdminOnly, HandlePutParameter},
      {"GET", "/api/v1/parameters/{name}/history", kAdminOnly, HandleParameterHistory},
      // Model versions.
      {"GET", "/api/v1/models", kAdminConsumer, HandleListModels},
      {"GET", "/api/v1/models/{version}", kAdminConsumer, HandleGetModel},
      {"GET", "/api/v1/models/{version}/onnx", kAdminOnly, HandleGetModelOnnx},
      {"POST", "/api/v1/models/{version}/start", kAdminOnly, HandleStartModel},
      {"POST", "/api/v1/models/{version}/stop", kAdminOnly, HandleStopModel},
      // Detection and the detection log.
      {"POST", "/api/v1/detect", kAdminConsumer, HandleDetect},
      {"GET", "/api/v1/detections", kAdminOnly, HandleListDetections},
      {"GET", "/api/v1/detections/histogram", kAdminOnly, HandleDetectionHistogram},
      {"GET", "/api/v1/detections/{request_id}", kAdminConsumer, HandleGetDetection},
      // Workflow executions.
      {"GET", "/api/v1/executions", kAdminOnly, HandleListExecutions},
      {"GET", "/api/v1/executions/{id}", kAdminOnly, HandleGetExecution},
      {"GET", "/api/v1/statemachine", kAdminOnly, HandleGetStateMachine},
      // Notifications.
      {"GET", "/api/v1/notifications", kAdminOnly, HandleListNotifications},
      {"GET", "/api/v1/notifications/deliveries", kAdminOnly, HandleListDeliveries},
      {"POST", "/api/v1/notifications/{id}/read", kAdminOnly, HandleMarkNotificationRead},
      // Schedules.
      {"GET", "/api/v1/schedules", kAdminOnly, HandleListSchedules},
      {"POST", "/api/v1/schedules/{name}/trigger", kAdminOnly, HandleTriggerSchedule},
      // Review tasks (the labelling portal) and sampling agreement.
      {"GET", "/api/v1/reviews", kAdminReviewer, HandleListReviews},
      {"POST", "/api/v1/reviews/next", kAdminReviewer, HandleClaimNextReview},
      {"GET", "/api/v1/reviews/{id}", kAdminReviewer, HandleGetReview},
      {"POST", "/api/v1/reviews/{id}/claim", kAdminReviewer, HandleClaimReview},
      {"POST", "/api/v1/reviews/{id}/answer", kAdminReviewer, HandleAnswerReview},
      {"POST", "/api/v1/reviews/{id}/release", kAdminReviewer, HandleReleaseReview},
      {"GET", "/api/v1/agreement", kAdminOnly, HandleAgreement},
      {"GET", "/api/v1/dashboard", kAdminOnly, HandleDashboard},
      // Users and API tokens.
      {"GET", "/api/v1/users", kAdminOnly, HandleListUsers},
      {"POST", "/api/v1/users", kAdminOnly, HandleAddUser},
      {"DELETE", "/api/v1/users/{name}", kAdminOnly, HandleRemoveUser},
      {"PUT", "/api/v1/users/{name}/password", kAdminOnly, HandleSetPassword},
      {"GET", "/api/v1/tokens", kAdminOnly, HandleListTokens},
      {"POST", "/api/v1/tokens", kAdminOnly, HandleCreateToken},
      {"DELETE", "/api/v1/tokens/{name}", kAdminOnly, HandleRevokeToken},
      // Live events for the console.
      {"GET", "/api/v1/stream", kAdminOnly, HandleStream},
      // Web assets (public: the pages hold no data; the API calls they make are checked).
      {"GET", "/", kOpen, HandleRootPage},
      {"GET", "/console", kOpen, HandleConsolePage},
      {"GET", "/console/{path*}", kOpen, HandleConsolePage},
      {"GET", "/label", kOpen, HandlePortalPage},
      {"GET", "/label/{path*}", kOpen, HandlePortalPage},
  };
  return routes;
}

const Route* FindRoute(std::string_view method, std::string_view path, PathParams& params,
                       std::string& allowed_methods) {
  if (method == "HEAD") method = "GET";
  allowed_methods.clear();
  PathParams candidate;
  for (const Route& route : RouteTable()) {
    if (!MatchPattern(route.pattern, path, candidate)) continue;
    if (route.method == method) {
      params = std::move(candidate);
      return &route;
    }
    if (allowed_methods.find(route.method) == std::string::npos) {
      if (!allowed_methods.empty()) allowed_methods += ", ";
      allowed_methods += route.method;
    }
  }
  return nullptr;
}

}  // namespace labelloop::http
