#include "http/route_table.h"

#include "http/handlers.h"

namespace labelloop::http {

namespace {

RouteDoc Doc(std::string_view summary) { return RouteDoc(summary); }

// Query parameters several routes share.
const QueryParam kLimit{"limit", "integer", "page size, 1-1000 (default 50)"};
const QueryParam kCursor{"cursor", "string", "the next_cursor of the previous page; absent for the first page"};
QueryParam CursorAlias(std::string_view name) {
  return QueryParam(name, "string", "older name of cursor, still accepted", false, true);
}

}  // namespace

const std::vector<Route>& RouteTable() {
  static const std::vector<Route> routes = {
      {"GET", "/api/v1/health", kOpen, HandleHealth, Doc("Liveness: the process answers HTTP").Returns("Health")},
      {"GET", "/api/v1/ready", kOpen, HandleReady,
       Doc("Readiness: one status word per component (503, same shape, while any is not ok)")
           .Returns("Readiness")
           .AlsoWithBody({503})},
      {"GET", "/api/v1/openapi.json", kOpen, HandleOpenApi,
       Doc("This API's OpenAPI 3.1 description, generated from the route table").Returns("OpenApi")},
      // Session (the login itself is open; the rest needs a signed-in caller).
      {"POST", "/api/v1/session", kOpen, HandleLogin,
       Doc("Sign in: sets the session cookie").Accepts("LoginRequest").Returns("Session").Also({429})},
      {"GET", "/api/v1/session", kAnyRole, HandleGetSession, Doc("Who is calling").Returns("Session")},
      {"DELETE", "/api/v1/session", kAnyRole, HandleLogout, Doc("Sign out: ends the session").Returns("", 204)},
      {"POST", "/api/v1/session/password", kAnyRole, HandleChangePassword,
       Doc("Change the caller's own password (session callers); every other session ends, a new one is set")
           .Accepts("PasswordChangeOwn")
           .Returns("Session")
           .Also({429})},
      // Bucket.
      {"GET", "/api/v1/objects", kAdminOnly, HandleListObjects,
       Doc("List bucket objects by prefix")
           .Query({{"prefix", "string", "only keys starting with it"},
                   {"limit", "integer", "page size, 1-1000 (default 1000)"},
                   kCursor,
                   CursorAlias("continuation")})
           .Returns("ObjectList")},
      {"POST", "/api/v1/objects", kAdminConsumer, HandleUploadObjects,
       Doc("Upload many files (multipart; each filename may carry a relative path)")
           .Accepts("multipart/form-data")
           .Returns("ObjectUpload", 201)},
      {"PUT", "/api/v1/objects/{key+}", kAdminConsumer, HandlePutObject,
       Doc("Store one object (the raw bytes)").Accepts("application/octet-stream").Returns("Object")},
      {"GET", "/api/v1/objects/{key+}", kAdminReviewer, HandleGetObject,
       Doc("An object's bytes (ETag; 304 on If-None-Match; one Range: 206)")
           .Returns("application/octet-stream")
           .AlsoWithBody({206})
           .Also({304, 416})},
      {"DELETE", "/api/v1/objects/{key+}", kAdminOnly, HandleDeleteObject,
       Doc("Delete an object (also when it did not exist)").Returns("", 204)},
      // The bucket as S3, path style (--endpoint-url http://HOST:PORT/s3), signed with SigV4.
      {"GET", "/s3", kAwsSignedAnyRole, HandleS3ListBuckets,
       Doc("S3 ListBuckets: the one bucket (XML)").Returns("application/xml")},
      {"GET", "/s3/{bucket}", kAwsSignedAnyRole, HandleS3Bucket,
       Doc("S3 ListObjectsV2 (list-type=2: prefix, delimiter, continuation-token, start-after, max-keys), "
           "GetBucketLocation (?location), HeadBucket (XML)")
           .Returns("application/xml")},
      {"PUT", "/s3/{bucket}/{key+}", kAwsSignedAnyRole, HandleS3PutObject,
       Doc("S3 PutObject, or CopyObject with x-amz-copy-source; the same event as the native upload")
           .Accepts("application/octet-stream")
           .Returns("")},
      {"GET", "/s3/{bucket}/{key+}", kAwsSignedAnyRole, HandleS3GetObject,
       Doc("S3 GetObject (one Range: 206) and HeadObject")
           .Returns("application/octet-stream")
           .AlsoWithBody({206})
           .Also({416})},
      {"DELETE", "/s3/{bucket}/{key+}", kAwsSignedAnyRole, HandleS3DeleteObject,
       Doc("S3 DeleteObject (also when it did not exist)").Returns("", 204)},
      {"POST", "/aws", kAwsSignedJsonAnyRole, HandleAwsJson,
       Doc("AWS JSON-protocol services by X-Amz-Target (--endpoint-url http://HOST:PORT/aws): SSM Parameter Store "
           "(docs/aws.md)")
           .Accepts("application/x-amz-json-1.1")
           .Returns("application/x-amz-json-1.1")},
      // Parameters.
      {"GET", "/api/v1/parameters", kAdminOnly, HandleListParameters,
       Doc("Every parameter with its definition").Returns("ParameterList")},
      {"GET", "/api/v1/parameters/{name}", kAdminOnly, HandleGetParameter, Doc("One parameter").Returns("Parameter")},
      {"PUT", "/api/v1/parameters/{name}", kAdminOnly, HandlePutParameter,
       Doc("Write a new value (checked by type and range)").Accepts("ParameterWrite").Returns("Parameter")},
      {"GET", "/api/v1/parameters/{name}/history", kAdminOnly, HandleParameterHistory,
       Doc("Every value a parameter had, newest first").Returns("ParameterHistory")},
      // Model versions.
      {"GET", "/api/v1/models", kAdminConsumer, HandleListModels,
       Doc("Model versions, newest first").Returns("ModelList")},
      {"GET", "/api/v1/models/{version}", kAdminConsumer, HandleGetModel,
       Doc("One model version with its evaluation").Returns("ModelVersionDetail")},
      {"GET", "/api/v1/models/{version}/onnx", kAdminOnly, HandleGetModelOnnx,
       Doc("The version as one self-contained ONNX file (docs/export.md)").Returns("application/octet-stream")},
      {"POST", "/api/v1/models/{version}/start", kAdminOnly, HandleStartModel,
       Doc("Start a version and switch detection to it").Returns("ModelVersion").Also({409})},
      {"POST", "/api/v1/models/{version}/stop", kAdminOnly, HandleStopModel,
       Doc("Stop a version").Returns("ModelVersion").Also({409})},
      // Detection and the detection log.
      {"POST", "/api/v1/detect", kAdminConsumer, HandleDetect,
       Doc("Classify one image (the raw bytes) with the running version; 202 while no version serves (the "
           "image waits as pending)")
           .Query({{"max_results", "integer", "0-1000 labels at most (0: all)"},
                   {"min_confidence", "number",
                    "0-100: leave out labels below it (default: each label's assumed threshold)"},
                   {"filename", "string", "names the image in the log and in errors"}})
           .Accepts("application/octet-stream")
           .Returns("DetectResult")
           .AlsoWithBody({202})
           .Also({409})},
      {"GET", "/api/v1/detections", kAdminOnly, HandleListDetections,
       Doc("The detection log, newest first; or the images waiting for detection or failed for good")
           .Query({{"status", "string", "detected (default: the log), pending or failed (the queue; only cursor and "
                                        "limit apply)"},
                   {"version", "string", "only this model version"},
                   {"label", "string", "only this top label"},
                   {"q", "string", "part of the image key"},
                   {"review_status", "string", "any, not_reviewed, pending or completed"},
                   {"sampled", "boolean", "only sampled (true) or not sampled (false) detections"},
                   kCursor,
                   kLimit})
           .Returns("DetectionList")},
      {"GET", "/api/v1/detections/histogram", kAdminOnly, HandleDetectionHistogram,
       Doc("Top-confidence histogram of a version's detections (10 bins)")
           .Query({{"version", "string", "the model version", true}})
           .Returns("Histogram")},
      {"GET", "/api/v1/detections/{request_id}", kAdminConsumer, HandleGetDetection,
       Doc("One detection, or the queued image while it waits or after it failed (consumers: their own only)")
           .Returns("AnyDetection")},
      // Workflow executions.
      {"GET", "/api/v1/executions", kAdminOnly, HandleListExecutions,
       Doc("Workflow executions, newest first")
           .Query({{"status", "string", "RUNNING, SUCCEEDED or FAILED"},
                   {"branch", "string", "detection, review-output, training-poll, ..."},
                   {"offset", "integer", "skip this many (0-1000000)"},
                   kCursor,
                   CursorAlias("before"),
                   kLimit})
           .Returns("ExecutionList")},
      {"GET", "/api/v1/executions/{id}", kAdminOnly, HandleGetExecution,
       Doc("One execution with its history").Returns("ExecutionDetail")},
      {"GET", "/api/v1/statemachine", kAdminOnly, HandleGetStateMachine,
       Doc("The state-machine definition the engine runs (States Language)").Returns("StateMachine")},
      // Notifications.
      {"GET", "/api/v1/notifications", kAdminOnly, HandleListNotifications,
       Doc("The notification inbox, newest first")
           .Query({kCursor, CursorAlias("before"), kLimit})
           .Returns("NotificationList")},
      {"GET", "/api/v1/notifications/deliveries", kAdminOnly, HandleListDeliveries,
       Doc("Deliveries to the sinks (e-mail, webhooks)")
           .Query({{"status", "string", "pending, delivered or failed"}, kLimit})
           .Returns("DeliveryList")},
      {"POST", "/api/v1/notifications/{id}/read", kAdminOnly, HandleMarkNotificationRead,
       Doc("Mark a notification read").Returns("NotificationRead")},
      // Schedules.
      {"GET", "/api/v1/schedules", kAdminOnly, HandleListSchedules, Doc("The schedules").Returns("ScheduleList")},
      {"POST", "/api/v1/schedules/{name}/trigger", kAdminOnly, HandleTriggerSchedule,
       Doc("Ask the server's schedule loop to run one now").Returns("TriggerReply", 202)},
      // Review tasks (the labelling portal) and sampling agreement.
      {"GET", "/api/v1/reviews", kAdminReviewer, HandleListReviews,
       Doc("Review tasks")
           .Query({{"status", "string", "InProgress, Completed, Stopped or Expired"},
                   {"source", "string", "low-confidence or sampling"},
                   {"order", "string",
                    "newest (default: newest first) or queue (the order reviewers are handed tasks: highest "
                    "priority first, then oldest)"},
                   kCursor,
                   kLimit})
           .Returns("ReviewList")},
      {"POST", "/api/v1/reviews/next", kAdminReviewer, HandleClaimNextReview,
       Doc("Claim the next available task in queue order (204 when there is none)").Returns("ReviewTask").Also({204})},
      {"GET", "/api/v1/reviews/{id}", kAdminReviewer, HandleGetReview, Doc("One review task").Returns("ReviewTask")},
      {"POST", "/api/v1/reviews/{id}/claim", kAdminReviewer, HandleClaimReview,
       Doc("Hold a task for the caller").Returns("ReviewTask").Also({409})},
      {"POST", "/api/v1/reviews/{id}/answer", kAdminReviewer, HandleAnswerReview,
       Doc("Answer a task (label null: None of the Above)").Accepts("ReviewAnswer").Returns("ReviewTask").Also({409})},
      {"POST", "/api/v1/reviews/{id}/release", kAdminReviewer, HandleReleaseReview,
       Doc("Give a held task back to the queue").Returns("", 204).Also({409})},
      {"GET", "/api/v1/agreement", kAdminOnly, HandleAgreement,
       Doc("Model/human agreement on sampled detections, per version").Returns("AgreementList")},
      {"GET", "/api/v1/dashboard", kAdminOnly, HandleDashboard, Doc("The console's summary").Returns("Dashboard")},
      // Users and API tokens.
      {"GET", "/api/v1/users", kAdminOnly, HandleListUsers, Doc("Users").Returns("UserList")},
      {"POST", "/api/v1/users", kAdminOnly, HandleAddUser,
       Doc("Add a user").Accepts("NewUser").Returns("UserCreated", 201).Also({409})},
      {"DELETE", "/api/v1/users/{name}", kAdminOnly, HandleRemoveUser,
       Doc("Remove a user and end their sessions").Returns("", 204).Also({409})},
      {"PUT", "/api/v1/users/{name}/password", kAdminOnly, HandleSetPassword,
       Doc("Set a user's password and end their sessions").Accepts("PasswordChange").Returns("", 204)},
      {"GET", "/api/v1/tokens", kAdminOnly, HandleListTokens,
       Doc("API tokens (never their secrets)").Returns("TokenList")},
      {"POST", "/api/v1/tokens", kAdminOnly, HandleCreateToken,
       Doc("Create an API token (its secret is in this reply only)")
           .Accepts("NewToken")
           .Returns("TokenCreated", 201)
           .Also({409})},
      {"DELETE", "/api/v1/tokens/{name}", kAdminOnly, HandleRevokeToken, Doc("Revoke an API token").Returns("", 204)},
      // Prometheus metrics: any API token, or open when configured (docs/configuration.md).
      {"GET", "/metrics", kAnyRoleUnlessMetricsOpen, HandleMetrics,
       Doc("Prometheus metrics (text format); needs any API token unless configured open")
           .Returns("text/plain")},
      // Live events for the console.
      {"GET", "/api/v1/stream", kAdminOnly, HandleStream,
       Doc("Server-sent events for the console").Returns("text/event-stream")},
      // Web assets (public: the pages hold no data; the API calls they make are checked).
      {"GET", "/", kOpen, HandleRootPage, Doc("The console").Returns("text/html")},
      {"GET", "/console", kOpen, HandleConsolePage, Doc("The console").Returns("text/html")},
      {"GET", "/console/{path*}", kOpen, HandleConsolePage,
       Doc("The console's files (client-side routes get index.html)").Returns("text/html")},
      {"GET", "/label", kOpen, HandlePortalPage, Doc("The labelling portal").Returns("text/html")},
      {"GET", "/label/{path*}", kOpen, HandlePortalPage, Doc("The labelling portal's files").Returns("text/html")},
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
