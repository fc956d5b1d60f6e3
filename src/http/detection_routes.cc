// Detection (POST an image; the flows' detect hook runs the model and logs the result) and
// the detection log: filtered, cursor-paginated list, one entry, confidence histogram.
#include <fmt/format.h>

#include "common/json_util.h"
#include "db/detection_db.h"
#include "db/detection_queue_db.h"
#include "http/call_util.h"
#include "http/handlers.h"

namespace labelloop::http {
namespace {

std::string_view ReviewStatusName(const db::Detection& detection) {
  if (detection.human_completed_ms) return "completed";
  if (detection.review_task) return "pending";
  return "not_reviewed";
}

Result<db::DetectionReviewState> ParseReviewState(std::string_view text) {
  if (text.empty() || text == "any") return db::DetectionReviewState::kAny;
  if (text == "not_reviewed") return db::DetectionReviewState::kNotReviewed;
  if (text == "pending") return db::DetectionReviewState::kPending;
  if (text == "completed") return db::DetectionReviewState::kCompleted;
  return InvalidArgumentError(fmt::format(
      "query parameter 'review_status' must be any, not_reviewed, pending or completed, got '{}'", text));
}

nlohmann::json DetectionJson(const db::Detection& d) {
  auto labels = ParseJson(d.labels_json, "labels");
  auto optional = [](const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); };
  return {{"request_id", d.request_id},
          {"status", "detected"},
          {"created", IsoTime(d.created_ms)},
          {"image_key", d.image_key},
          {"image_etag", d.image_etag},
          {"version", d.model_version},
          {"label", d.top_label.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.top_label)},
          {"confidence", d.confidence_pct},
          {"labels", labels.ok() ? *labels : nlohmann::json::array()},
          {"threshold", d.threshold_pct},
          {"review_enabled", d.review_enabled},
          {"sampled", d.sampled},
          {"source", d.source},
          {"requested_by", d.requested_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.requested_by)},
          {"review_status", ReviewStatusName(d)},
          {"review_task", optional(d.review_task)},
          {"human_label", optional(d.human_label)},
          {"human_copied_key", optional(d.human_copied_key)},
          {"human_completed", IsoTime(d.human_completed_ms)}};
}

// An image not in the detection log: waiting (pending) or failed for good, with the reason.
nlohmann::json QueuedJson(const db::QueuedImage& q) {
  const bool pending = q.status == db::kQueuedPending;
  return {{"request_id", q.request_id},
          {"status", q.status},
          {"created", IsoTime(q.arrived_ms)},
          {"image_key", q.image_key},
          {"source", q.source},
          {"version", nullptr},
          {"label", nullptr},
          {"labels", nlohmann::json::array()},
          {"attempts", q.attempts},
          {"next_attempt", pending ? nlohmann::json(IsoTime(q.next_attempt_ms)) : nlohmann::json(nullptr)},
          {"reason", q.last_error}};
}

// GET /api/v1/detections?status=pending|failed: the queue, newest first; the cursor is
// the last sequence id of the previous page.
Status ListQueued(Call& call, std::string_view status) {
  RETURN_IF_ERROR(RequireDep(call.deps.detection_queue, "the detection queue"));
  ASSIGN_OR_RETURN(const int limit, PageLimit(call));
  std::optional<int64_t> before;
  if (const std::string cursor = QueryString(call, "cursor"); !cursor.empty()) {
    char* end = nullptr;
    const long long value = std::strtoll(cursor.c_str(), &end, 10);
    if (*end != '\0' || value <= 0) return InvalidArgumentError(fmt::format("malformed cursor '{}'", cursor));
    before = value;
  }
  ASSIGN_OR_RETURN(std::vector<db::QueuedImage> rows, call.deps.detection_queue->List(status, limit + 1, before));
  ASSIGN_OR_RETURN(const int64_t total, call.deps.detection_queue->Count(status));
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < rows.size() && int(i) < limit; ++i) list.push_back(QueuedJson(rows[i]));
  const bool more = int(rows.size()) > limit;
  ReplyJson(call, 200,
            {{"detections", list},
             {"next_cursor", more ? nlohmann::json(std::to_string(rows[limit - 1].sequence_id)) : nlohmann::json(nullptr)},
             {"total", total}});
  return OkStatus();
}

}  // namespace

Status HandleDetect(Call& call) {
  if (!call.deps.hooks.detect) return UnavailableError("the detect hook is not configured on this server");
  if (call.request.body.empty()) {
    return InvalidArgumentError("request body is empty; POST the image bytes (JPEG, PNG, ...) as the body");
  }
  ASSIGN_OR_RETURN(int64_t max_results, QueryInt(call, "max_results", 0, 0, 1000));
  ASSIGN_OR_RETURN(double min_confidence, QueryDouble(call, "min_confidence", 0.0, 0.0, 100.0));
  std::string filename = QueryString(call, "filename", "upload");
  ASSIGN_OR_RETURN(nlohmann::json result,
                   call.deps.hooks.detect(call.request.body, filename, static_cast<int>(max_results), min_confidence,
                                          ActorName(call)));
  call.events.Publish("detection", result);
  // 202: the image is kept and detected as soon as a version serves (GET
  // /api/v1/detections/{request_id} shows it pending until then).
  ReplyJson(call, result.value("status", "") == "pending" ? 202 : 200, result);
  return OkStatus();
}

Status HandleListDetections(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.detections, "the detection log"));
  const std::string status = QueryString(call, "status", "detected");
  if (status == db::kQueuedPending || status == db::kQueuedFailed) return ListQueued(call, status);
  if (status != "detected") {
    return InvalidArgumentError(
        fmt::format("query parameter 'status' must be detected, pending or failed, got '{}'", status));
  }
  db::DetectionFilter filter;
  filter.model_version = QueryString(call, "version");
  filter.top_label = QueryString(call, "label");
  filter.key_contains = QueryString(call, "q");
  ASSIGN_OR_RETURN(filter.review_state, ParseReviewState(QueryString(call, "review_status")));
  ASSIGN_OR_RETURN(filter.sampled, FindQueryBool(call, "sampled"));
  filter.page_cursor = QueryString(call, "cursor");
  ASSIGN_OR_RETURN(filter.limit, PageLimit(call));
  ASSIGN_OR_RETURN(db::DetectionPage page, call.deps.detections->List(filter));
  ASSIGN_OR_RETURN(int64_t total, call.deps.detections->Count(filter));
  nlohmann::json list = nlohmann::json::array();
  for (const db::Detection& detection : page.detections) list.push_back(DetectionJson(detection));
  ReplyJson(call, 200,
            {{"detections", list},
             {"next_cursor", page.next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(page.next_cursor)},
             {"total", total}});
  return OkStatus();
}

Status HandleGetDetection(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.detections, "the detection log"));
  const std::string& request_id = PathParam(call, "request_id");
  Result<db::Detection> detection = call.deps.detections->Get(request_id);
  // A consumer reads only the detections it asked for; others look absent, so request ids
  // cannot be probed.
  const bool consumer = call.caller->role == auth::Role::kConsumer;
  const auto not_found = [&] {
    return NotFoundError(fmt::format("detection '{}' not found among this caller's detections", request_id));
  };
  if (detection.status().code() == StatusCode::kNotFound && call.deps.detection_queue != nullptr) {
    ASSIGN_OR_RETURN(std::optional<db::QueuedImage> queued, call.deps.detection_queue->Find(request_id));
    if (queued) {
      if (consumer && queued->requested_by != ActorName(call)) return not_found();
      ReplyJson(call, 200, QueuedJson(*queued));
      return OkStatus();
    }
  }
  if (!detection.ok()) return detection.status();
  if (consumer && detection->requested_by != ActorName(call)) return not_found();
  ReplyJson(call, 200, DetectionJson(*detection));
  return OkStatus();
}

Status HandleDetectionHistogram(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.detections, "the detection log"));
  std::string version = QueryString(call, "version");
  if (version.empty()) return InvalidArgumentError("query parameter 'version' (a model version) is required");
  ASSIGN_OR_RETURN(db::ConfidenceHistogram histogram, call.deps.detections->ComputeConfidenceHistogram(version));
  nlohmann::json bins = nlohmann::json::array();
  for (int i = 0; i < db::kConfidenceHistogramBins; ++i) {
    bins.push_back({{"from", 10 * i}, {"to", 10 * (i + 1)}, {"count", histogram.counts[i]}});
  }
  ReplyJson(call, 200, {{"version", histogram.model_version}, {"bins", bins}});
  return OkStatus();
}

}  // namespace labelloop::http
