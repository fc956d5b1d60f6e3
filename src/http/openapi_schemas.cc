#include "http/openapi_schemas.h"

#include "views/json_schema.h"
#include "views/view_schemas.h"

namespace labelloop::http {
namespace {

using namespace labelloop::views;  // NOLINT: the schema builders read as a small language here

// {"<items_field>": [<item>], "next_cursor": ... | null, <alias>: the same}.
Json PageSchema(std::string_view description, std::string_view items_field, Json item,
                std::string_view cursor_alias = "", bool with_total = false) {
  std::vector<Property> properties = {
      {std::string(items_field), ArraySchema(std::move(item))},
      {"next_cursor", Nullable(StringSchema("pass it back as ?cursor= for the next page; null on the last page"))}};
  if (!cursor_alias.empty()) {
    properties.push_back({std::string(cursor_alias), Alias(Nullable(StringSchema()), "next_cursor")});
  }
  if (with_total) properties.push_back({"total", IntegerSchema("matching items in all pages")});
  return ObjectSchema(description, std::move(properties));
}

Json ListSchema(std::string_view description, std::string_view items_field, Json item) {
  return ObjectSchema(description, {{std::string(items_field), ArraySchema(std::move(item))}});
}

// Where in the image a label was seen: fractions (0-1) of the image's width and height.
Json GeometrySchema() {
  return ObjectSchema("where the label was seen, as fractions of the image's width and height",
                      {{"left", NumberSchema("0-1")},
                       {"top", NumberSchema("0-1")},
                       {"width", NumberSchema("0-1")},
                       {"height", NumberSchema("0-1")}});
}

// Labels with confidences, highest first; later versions may add fields.
Json LabelScoresSchema() {
  Json label = ObjectSchema("a label and its confidence", {{"name", StringSchema()},
                                                           {"confidence", NumberSchema("0-100")},
                                                           {"geometry", SchemaRef("Geometry"), false},
                                                           {"assumed_threshold",
                                                            NumberSchema("0-100: the label's threshold from its "
                                                                         "version's evaluation"),
                                                            false}});
  label["additionalProperties"] = true;
  return ArraySchema(std::move(label), "highest confidence first");
}

Json ErrorSchema() {
  return ObjectSchema(
      "Every error reply.",
      {{"error", ObjectSchema("", {{"code", StringSchema("invalid_argument, unauthenticated, permission_denied, "
                                                         "not_found, already_exists, failed_precondition, ...")},
                                   {"message", StringSchema("what went wrong, naming the thing and the rule")}})}});
}

Json ObjectInfoSchema(bool with_time) {
  std::vector<Property> properties = {{"key", StringSchema()},
                                      {"etag", StringSchema("SHA-256 hex of the content")},
                                      {"size", IntegerSchema("bytes")}};
  if (with_time) properties.push_back({"last_modified", Nullable(TimeSchema())});
  return ObjectSchema("A bucket object.", std::move(properties));
}

Json DetectionSchema() {
  return ObjectSchema(
      "One entry of the detection log.",
      {{"request_id", StringSchema()},
       {"status", EnumSchema({"detected"})},
       {"created", TimeSchema()},
       {"image_key", StringSchema()},
       {"image_etag", StringSchema()},
       {"version", StringSchema("the model version that classified it")},
       {"label", Nullable(StringSchema("the top label"))},
       {"confidence", NumberSchema("the top label's confidence, 0-100")},
       {"labels", LabelScoresSchema()},
       {"threshold", NumberSchema("Minimum-Label-Detection-Confidence at the time")},
       {"review_enabled", BooleanSchema()},
       {"sampled", BooleanSchema()},
       {"source", StringSchema("api, bucket, ...")},
       {"requested_by", Nullable(StringSchema("the user or token that posted it (API detections)"))},
       {"review_status", EnumSchema({"not_reviewed", "pending", "completed"})},
       {"review_task", Nullable(StringSchema())},
       {"human_label", Nullable(StringSchema())},
       {"human_copied_key", Nullable(StringSchema())},
       {"human_completed", Nullable(TimeSchema())}});
}

// An image that is not in the detection log (yet): waiting for a version to serve, or
// failed for good.
Json QueuedDetectionSchema() {
  return ObjectSchema(
      "An image waiting for detection (pending) or failed for good (failed), with the reason.",
      {{"request_id", StringSchema()},
       {"status", EnumSchema({"pending", "failed"})},
       {"created", TimeSchema("when the image arrived")},
       {"image_key", StringSchema()},
       {"source", StringSchema("api, bucket, ...")},
       {"version", {{"type", "null"}}},
       {"label", {{"type", "null"}}},
       {"labels", ArraySchema(AnySchema(), "always empty")},
       {"attempts", IntegerSchema("detections tried so far")},
       {"next_attempt", Nullable(TimeSchema("pending: when it is tried again"))},
       {"reason", StringSchema("why it waits, or why it failed")}});
}

// Any entry of GET /api/v1/detections or GET /api/v1/detections/{request_id}.
Json AnyDetectionSchema() {
  return {{"oneOf", Json::array({SchemaRef("Detection"), SchemaRef("QueuedDetection")})},
          {"description", "a logged detection (status detected) or a queued image (pending or failed)"}};
}

Json ReviewTaskSchema() {
  Json answer = ObjectSchema("", {{"reviewer", StringSchema()},
                                  {"label", Nullable(StringSchema("null: None of the Above"))},
                                  {"submitted", TimeSchema()}});
  return ObjectSchema(
      "A review task. The admin-only fields are absent for reviewers.",
      {{"name", StringSchema()},
       {"status", EnumSchema({"InProgress", "Completed", "Stopped", "Expired"})},
       {"source", EnumSchema({"low-confidence", "sampling"})},
       {"image_key", StringSchema()},
       {"image_url", StringSchema("GET it for the image")},
       {"detection_request_id", StringSchema()},
       {"model_label", StringSchema()},
       {"model_confidence", NumberSchema()},
       {"model_geometry", Nullable(SchemaRef("Geometry"))},
       {"candidate_labels", ArraySchema(StringSchema())},
       {"reviews_required", IntegerSchema()},
       {"answer_count", IntegerSchema()},
       {"created", TimeSchema()},
       {"expires", Nullable(TimeSchema())},
       {"claimed_by", Nullable(StringSchema())},
       {"claim_expires", Nullable(TimeSchema())},
       {"completed", Nullable(TimeSchema())},
       {"priority", NumberSchema("0-1: the queue hands out higher priority first, then the oldest")},
       {"selection", EnumSchema({"uncertainty", "random", "sampled", "unranked"},
                                "why it has its priority: how much an answer would teach the model; a random "
                                "pick; a quality-control sample (random); created before the queue was ranked (0)")},
       {"answers", ArraySchema(std::move(answer), "admins only"), false},
       {"final_label", Nullable(StringSchema("admins only")), false},
       {"agreement", Nullable(NumberSchema("admins only")), false},
       {"output_key", Nullable(StringSchema("admins only")), false}});
}

Json NotificationSchema() {
  return ObjectSchema("A notification in the inbox.", {{"id", IntegerSchema()},
                                                       {"created", TimeSchema()},
                                                       {"subject", StringSchema()},
                                                       {"body", AnySchema("the notification's JSON")},
                                                       {"read", BooleanSchema()}});
}

Json DeliverySchema() {
  return ObjectSchema("One notification's delivery to one sink.",
                      {{"id", IntegerSchema()},
                       {"notification_id", IntegerSchema()},
                       {"sink", StringSchema()},
                       {"status", EnumSchema({"pending", "delivered", "failed"})},
                       {"attempts", IntegerSchema()},
                       {"next_attempt", Nullable(TimeSchema())},
                       {"last_error", StringSchema()},
                       {"created", TimeSchema()},
                       {"updated", TimeSchema()},
                       {"delivered", Nullable(TimeSchema())}});
}

Json RequestSchemas() {
  return {
      {"LoginRequest", ObjectSchema("", {{"user", StringSchema()}, {"password", StringSchema()}})},
      {"ParameterWrite", ObjectSchema("", {{"value", StringSchema("always a string: \"true\", \"10\", \"0.9\"")}})},
      {"ReviewAnswer", ObjectSchema("", {{"label", Nullable(StringSchema("a label; null for None of the Above"))}})},
      {"NewUser", ObjectSchema("", {{"name", StringSchema()}, {"password", StringSchema()}, {"role", SchemaRef("Role")}})},
      {"PasswordChange", ObjectSchema("", {{"password", StringSchema()}})},
      {"PasswordChangeOwn",
       ObjectSchema("", {{"current_password", StringSchema()}, {"new_password", StringSchema()}})},
      {"NewToken", ObjectSchema("", {{"name", StringSchema()}, {"role", SchemaRef("Role")}})},
  };
}

Json ReplySchemas() {
  Json histogram_bin = ObjectSchema("", {{"from", IntegerSchema()}, {"to", IntegerSchema()}, {"count", IntegerSchema()}});
  Json agreement = ObjectSchema("", {{"version", StringSchema()},
                                     {"reviewed", IntegerSchema()},
                                     {"agreeing", IntegerSchema()},
                                     {"rate", NumberSchema()},
                                     {"ci_low", NumberSchema("Wilson 95% interval")},
                                     {"ci_high", NumberSchema()}});
  return {
      {"Error", ErrorSchema()},
      {"Geometry", GeometrySchema()},
      {"Health", ObjectSchema("", {{"status", EnumSchema({"ok"})}, {"version", StringSchema()}})},
      {"Readiness",
       ObjectSchema("Whether the server can do its job now (200: ready; 503: not_ready).",
                    {{"status", EnumSchema({"ready", "not_ready"})},
                     {"components", ObjectSchema("one status word per component",
                                                 {{"database", EnumSchema({"ok", "unavailable"})},
                                                  {"bucket", EnumSchema({"ok", "unavailable"})},
                                                  {"backbone", EnumSchema({"ok", "unavailable"})},
                                                  {"engine", EnumSchema({"ok", "stopped"})},
                                                  {"model", EnumSchema({"ok", "none", "starting", "unknown"})}})}})},
      {"OpenApi", {{"type", "object"}, {"description", "an OpenAPI 3.1 document"}}},
      {"Session", ObjectSchema("The signed-in caller.",
                               {{"user", StringSchema()},
                                {"role", SchemaRef("Role")},
                                {"via_token", BooleanSchema(), false},
                                {"must_change_password",
                                 BooleanSchema("signed in with a one-time password: only the session routes answer "
                                               "until POST /api/v1/session/password")},
                                {"csrf_token", Nullable(StringSchema("send it as X-CSRF-Token; null for tokens"))}})},
      {"Object", ObjectInfoSchema(false)},
      {"ObjectWithTime", ObjectInfoSchema(true)},
      {"ObjectList", PageSchema("A page of bucket objects.", "objects", SchemaRef("ObjectWithTime"), "continuation")},
      {"ObjectUpload", ListSchema("The stored objects.", "objects", SchemaRef("Object"))},
      {"ParameterList", ListSchema("", "parameters", SchemaRef("Parameter"))},
      {"ParameterHistory", ObjectSchema("", {{"name", StringSchema()},
                                             {"history", ArraySchema(SchemaRef("ParameterValue"), "newest first")}})},
      {"ModelList", ListSchema("Model versions, newest first.", "models", SchemaRef("ModelVersion"))},
      {"DetectResult",
       ObjectSchema("What the model saw in one image (200), or that the image waits for a version to serve (202).",
                    {{"status", EnumSchema({"detected", "pending"})},
                     {"labels", LabelScoresSchema()},
                     {"version", Nullable(StringSchema("null while pending"))},
                     {"request_id", StringSchema("GET /api/v1/detections/{request_id} follows it")},
                     {"image", StringSchema("the image's key in the bucket")},
                     {"review_task", Nullable(StringSchema("the review task it created"))},
                     {"reason", StringSchema("pending: why it waits"), false}})},
      {"Detection", DetectionSchema()},
      {"QueuedDetection", QueuedDetectionSchema()},
      {"AnyDetection", AnyDetectionSchema()},
      {"DetectionList", PageSchema("A page of the detection log (status=detected, the default) or of the queue "
                                   "(status=pending or failed).",
                                   "detections", SchemaRef("AnyDetection"), "", true)},
      {"Histogram", ObjectSchema("", {{"version", StringSchema()}, {"bins", ArraySchema(std::move(histogram_bin))}})},
      {"ExecutionList", PageSchema("A page of executions.", "executions", SchemaRef("Execution"), "next_before")},
      {"StateMachine", {{"type", "object"}, {"description", "a States Language definition"}}},
      {"Notification", NotificationSchema()},
      {"NotificationList", PageSchema("A page of the inbox.", "notifications", SchemaRef("Notification"), "next_before")},
      {"NotificationRead", ObjectSchema("", {{"id", IntegerSchema()}, {"read", BooleanSchema()}})},
      {"Delivery", DeliverySchema()},
      {"DeliveryList", ListSchema("", "deliveries", SchemaRef("Delivery"))},
      {"ScheduleList", ListSchema("", "schedules", SchemaRef("Schedule"))},
      {"TriggerReply", ObjectSchema("", {{"name", StringSchema()}, {"trigger_requested", BooleanSchema()}})},
      {"ReviewTask", ReviewTaskSchema()},
      {"ReviewList", PageSchema("A page of review tasks.", "reviews", SchemaRef("ReviewTask"), "", true)},
      {"AgreementList", ListSchema("", "versions", std::move(agreement))},
      {"Dashboard", {{"type", "object"}, {"description", "the console's summary (counts, running version, queues)"}}},
      {"UserList", ListSchema("", "users", SchemaRef("User"))},
      {"UserCreated", ObjectSchema("", {{"name", StringSchema()}, {"role", SchemaRef("Role")}})},
      {"TokenList", ListSchema("", "tokens", SchemaRef("Token"))},
      {"TokenCreated", ObjectSchema("The new token; its secret is shown only here.",
                                    {{"name", StringSchema()}, {"token", StringSchema("llt_...")},
                                     {"role", SchemaRef("Role")}})},
  };
}

}  // namespace

nlohmann::json ApiSchemas() {
  Json schemas = ViewSchemas();
  schemas.update(RequestSchemas());
  schemas.update(ReplySchemas());
  return schemas;
}

}  // namespace labelloop::http
