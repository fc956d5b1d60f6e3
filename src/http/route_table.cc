#include "http/route_table.h"

#include "http/handlers.h"

namespace labelloop::http {

namespace {

// Query parameters several routes share.
const QueryParam kLimit{"limit", "integer", "page size, 1-1000 (default 50)"};
const QueryParam kCursor{"cursor", "string", "the next_cursor of the previous page; absent for the first page"};
QueryParam CursorAlias(std::string_view name) {
  return {name, "string", "older name of cursor, still accepted", false, true};
}

}  // namespace

const std::vector<Route>& RouteTable() {
  static const std::vector<Route> routes = {
      {"GET", "/api/v1/health", kOpen, HandleHealth, {.summary = "Is the server up", .response = "Health"}},
      {"GET", "/api/v1/openapi.json", kOpen, HandleOpenApi,
       {.summary = "This API's OpenAPI 3.1 description, generated from the route table", .response = "OpenApi"}},
      // Session (the login itself is open; the rest needs a signed-in caller).
      {"POST", "/api/v1/session", kOpen, HandleLogin,
       {.summary = "Sign in: sets the session cookie", .request = "LoginRequest", .response = "Session",
        .extra_statuses = {429}}},
      {"GET", "/api/v1/session", kAnyRole, HandleGetSession, {.summary = "Who is calling", .response = "Session"}},
      {"DELETE", "/api/v1/session", kAnyRole, HandleLogout,
       {.summary = "Sign out: ends the session", .response = "", .success_status = 204}},
      // Bucket.
      {"GET", "/api/v1/objects", kAdminOnly, HandleListObjects,
       {.summary = "List bucket objects by prefix",
        .query = {{"prefix", "string", "only keys starting with it"},
                  {"limit", "integer", "page size, 1-1000 (default 1000)"}, kCursor, CursorAlias("continuation")},
        .response = "ObjectList"}},
      {"POST", "/api/v1/objects", kAdminConsumer, HandleUploadObjects,
       {.summary = "Upload many files (multipart; each filename may carry a relative path)",
        .request = "multipart/form-data", .response = "ObjectUpload", .success_status = 201}},
      {"PUT", "/api/v1/objects/{key+}", kAdminConsumer, HandlePutObject,
       {.summary = "Store one object (the raw bytes)", .request = "application/octet-stream", .response = "Object"}},
      {"GET", "/api/v1/objects/{key+}", kAdminReviewer, HandleGetObject,
       {.summary = "An object's bytes (ETag; 304 on If-None-Match)", .response = "application/octet-stream",
        .extra_statuses = {304}}},
      {"DELETE", "/api/v1/objects/{key+}", kAdminOnly, HandleDeleteObject,
       {.summary = "Delete an object (also when it did not exist)", .response = "", .success_status = 204}},
      // Parameters.
      {"GET", "/api/v1/parameters", kAdminOnly, HandleListParameters,
       {.summary = "Every parameter with its definition", .response = "ParameterList"}},
      {"GET", "/api/v1/parameters/{name}", kAdminOnly, HandleGetParameter,
       {.summary = "One parameter", .response = "Parameter"}},
      {"PUT", "/api/v1/parameters/{name}", kAdminOnly, HandlePutParameter,
       {.summary = "Write a new value (checked by type and range)", .request = "ParameterWrite",
        .response = "Parameter"}},
      {"GET", "/api/v1/parameters/{name}/history", kAdminOnly, HandleParameterHistory,
       {.summary = "Every value a parameter had, newest first", .response = "ParameterHistory"}},
      // Model versions.
      {"GET", "/api/v1/models", kAdminConsumer, HandleListModels,
       {.summary = "Model versions, newest first", .response = "ModelList"}},
      {"GET", "/api/v1/models/{version}", kAdminConsumer, HandleGetModel,
       {.summary = "One model version with its evaluation", .response = "ModelVersionDetail"}},
      {"POST", "/api/v1/models/{version}/start", kAdminOnly, HandleStartModel,
       {.summary = "Start a version and switch detection to it", .response = "ModelVersion",
        .extra_statuses = {409}}},
      {"POST", "/api/v1/models/{version}/stop", kAdminOnly, HandleStopModel,
       {.summary = "Stop a version", .response = "ModelVersion", .extra_statuses = {409}}},
      // Detection and the detection log.
      {"POST", "/api/v1/detect", kAdminConsumer, HandleDetect,
       {.summary = "Classify one image (the raw bytes) with the running version",
        .query = {{"max_results", "integer", "0-1000 labels at most (0: all)"},
                  {"min_confidence", "number", "0-100: leave out labels below it"},
                  {"filename", "string", "names the image in the log and in errors"}},
        .request = "application/octet-stream", .response = "DetectResult", .extra_statuses = {409}}},
      {"GET", "/api/v1/detections", kAdminOnly, HandleListDetections,
       {.summary = "The detection log, newest first",
        .query = {{"version", "string", "only this model version"},
                  {"label", "string", "only this top label"},
                  {"q", "string", "part of the image key"},
                  {"review_status", "string", "any, not_reviewed, pending or completed"},
                  {"sampled", "boolean", "only sampled (true) or not sampled (false) detections"},
                  kCursor, kLimit},
        .response = "DetectionList"}},
      {"GET", "/api/v1/detections/histogram", kAdminOnly, HandleDetectionHistogram,
       {.summary = "Top-confidence histogram of a version's detections (10 bins)",
        .query = {{"version", "string", "the model version", true}}, .response = "Histogram"}},
      {"GET", "/api/v1/detections/{request_id}", kAdminConsumer, HandleGetDetection,
       {.summary = "One detection", .response = "Detection"}},
      // Workflow executions.
      {"GET", "/api/v1/executions", kAdminOnly, HandleListExecutions,
       {.summary = "Workflow executions, newest first",
        .query = {{"status", "string", "RUNNING, SUCCEEDED or FAILED"},
                  {"branch", "string", "detection, review-output, training-poll, ..."},
                  {"offset", "integer", "skip this many (0-1000000)"}, kCursor, CursorAlias("before"), kLimit},
        .response = "ExecutionList"}},
      {"GET", "/api/v1/executions/{id}", kAdminOnly, HandleGetExecution,
       {.summary = "One execution with its history", .response = "ExecutionDetail"}},
      {"GET", "/api/v1/statemachine", kAdminOnly, HandleGetStateMachine,
       {.summary = "The state-machine definition the engine runs (States Language)", .response = "StateMachine"}},
      // Notifications.
      {"GET", "/api/v1/notifications", kAdminOnly, HandleListNotifications,
       {.summary = "The notification inbox, newest first", .query = {kCursor, CursorAlias("before"), kLimit},
        .response = "NotificationList"}},
      {"GET", "/api/v1/notifications/deliveries", kAdminOnly, HandleListDeliveries,
       {.summary = "Deliveries to the sinks (e-mail, webhooks)",
        .query = {{"status", "string", "pending, delivered or failed"}, kLimit}, .response = "DeliveryList"}},
      {"POST", "/api/v1/notifications/{id}/read", kAdminOnly, HandleMarkNotificationRead,
       {.summary = "Mark a notification read", .response = "NotificationRead"}},
      // Schedules.
      {"GET", "/api/v1/schedules", kAdminOnly, HandleListSchedules,
       {.summary = "The schedules", .response = "ScheduleList"}},
      {"POST", "/api/v1/schedules/{name}/trigger", kAdminOnly, HandleTriggerSchedule,
       {.summary = "Ask the server's schedule loop to run one now", .response = "TriggerReply",
        .success_status = 202}},
      // Review tasks (the labelling portal) and sampling agreement.
      {"GET", "/api/v1/reviews", kAdminReviewer, HandleListReviews,
       {.summary = "Review tasks",
        .query = {{"status", "string", "InProgress, Completed, Stopped or Expired"},
                  {"source", "string", "low-confidence or sampling"}, kCursor, kLimit},
        .response = "ReviewList"}},
      {"POST", "/api/v1/reviews/next", kAdminReviewer, HandleClaimNextReview,
       {.summary = "Claim the oldest available task (204 when there is none)", .response = "ReviewTask",
        .extra_statuses = {204}}},
      {"GET", "/api/v1/reviews/{id}", kAdminReviewer, HandleGetReview,
       {.summary = "One review task", .response = "ReviewTask"}},
      {"POST", "/api/v1/reviews/{id}/claim", kAdminReviewer, HandleClaimReview,
       {.summary = "Hold a task for the caller", .response = "ReviewTask", .extra_statuses = {409}}},
      {"POST", "/api/v1/reviews/{id}/answer", kAdminReviewer, HandleAnswerReview,
       {.summary = "Answer a task (label null: None of the Above)", .request = "ReviewAnswer",
        .response = "ReviewTask", .extra_statuses = {409}}},
      {"POST", "/api/v1/reviews/{id}/release", kAdminReviewer, HandleReleaseReview,
       {.summary = "Give a held task back to the queue", .response = "", .success_status = 204,
        .extra_statuses = {409}}},
      {"GET", "/api/v1/agreement", kAdminOnly, HandleAgreement,
       {.summary = "Model/human agreement on sampled detections, per version", .response = "AgreementList"}},
      {"GET", "/api/v1/dashboard", kAdminOnly, HandleDashboard,
       {.summary = "The console's summary", .response = "Dashboard"}},
      // Users and API tokens.
      {"GET", "/api/v1/users", kAdminOnly, HandleListUsers, {.summary = "Users", .response = "UserList"}},
      {"POST", "/api/v1/users", kAdminOnly, HandleAddUser,
       {.summary = "Add a user", .request = "NewUser", .response = "UserCreated", .success_status = 201,
        .extra_statuses = {409}}},
      {"DELETE", "/api/v1/users/{name}", kAdminOnly, HandleRemoveUser,
       {.summary = "Remove a user and end their sessions", .response = "", .success_status = 204,
        .extra_statuses = {409}}},
      {"PUT", "/api/v1/users/{name}/password", kAdminOnly, HandleSetPassword,
       {.summary = "Set a user's password and end their sessions", .request = "PasswordChange", .response = "",
        .success_status = 204}},
      {"GET", "/api/v1/tokens", kAdminOnly, HandleListTokens,
       {.summary = "API tokens (never their secrets)", .response = "TokenList"}},
      {"POST", "/api/v1/tokens", kAdminOnly, HandleCreateToken,
       {.summary = "Create an API token (its secret is in this reply only)", .request = "NewToken",
        .response = "TokenCreated", .success_status = 201, .extra_statuses = {409}}},
      {"DELETE", "/api/v1/tokens/{name}", kAdminOnly, HandleRevokeToken,
       {.summary = "Revoke an API token", .response = "", .success_status = 204}},
      // Live events for the console.
      {"GET", "/api/v1/stream", kAdminOnly, HandleStream,
       {.summary = "Server-sent events for the console", .response = "text/event-stream"}},
      // Web assets (public: the pages hold no data; the API calls they make are checked).
      {"GET", "/", kOpen, HandleRootPage, {.summary = "The console", .response = "text/html"}},
      {"GET", "/console", kOpen, HandleConsolePage, {.summary = "The console", .response = "text/html"}},
      {"GET", "/console/{path*}", kOpen, HandleConsolePage,
       {.summary = "The console's files (client-side routes get index.html)", .response = "text/html"}},
      {"GET", "/label", kOpen, HandlePortalPage, {.summary = "The labelling portal", .response = "text/html"}},
      {"GET", "/label/{path*}", kOpen, HandlePortalPage,
       {.summary = "The labelling portal's files", .response = "text/html"}},
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
