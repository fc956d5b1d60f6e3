// The detection branch: detect -> log -> (low confidence and review enabled) -> review task.
#include <fmt/format.h>

#include <random>

#include "common/content_hash.h"
#include "events/event_queue.h"
#include "review/review_priority.h"
#include "flows/flow_tasks.h"
#include "store/object_keys.h"

namespace labelloop::flows {
namespace {

// A request id that a re-run of the same step (or event) reproduces.
std::string RequestIdFor(const std::string& idempotency_key) { return "det-" + Sha256Hex(idempotency_key).substr(0, 24); }

// A file name safe as one key segment: unsafe bytes become '_', length capped.
std::string SafeFileName(std::string_view name) {
  std::string base(store::BaseName(name));
  std::string out;
  for (char c : base) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  if (out.size() > 100) out = out.substr(out.size() - 100);
  return out.empty() ? "image" : out;
}

Json LabelsJson(const model::Detection& detection) {
  Json labels = Json::array();
  for (const auto& l : detection.labels) labels.push_back(model::DetectedLabelJson(l));
  return labels;
}

}  // namespace

Result<std::optional<Json>> FlowTasks::FindLogged(const std::string& request_id) {
  Result<db::Detection> logged = deps_.detections->Get(request_id);
  if (!logged.ok()) {
    if (logged.status().code() == StatusCode::kNotFound) return std::optional<Json>();
    return logged.status();
  }
  ASSIGN_OR_RETURN(Json labels, ParseJson(logged->labels_json, "logged labels"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(logged->model_version));
  return std::optional<Json>(Json{{"request_id", request_id}, {"key", logged->image_key},
                                  {"version", logged->model_version}, {"label", logged->top_label},
                                  {"confidence", logged->confidence_pct}, {"labels", labels},
                                  {"threshold", logged->threshold_pct}, {"review_enabled", logged->review_enabled},
                                  {"below_threshold", logged->confidence_pct < logged->threshold_pct},
                                  {"candidate_labels", version.labels}, {"pending", false}});
}

// Minimum-Label-Detection-Confidence when someone set it; otherwise the top label's own
// assumed threshold from its version's evaluation (the parameter's default without one).
Result<double> FlowTasks::ReviewThreshold(const model::Detection& detection) {
  ASSIGN_OR_RETURN(params::ParameterValue minimum, deps_.params->Get(params::kMinimumLabelDetectionConfidence));
  ASSIGN_OR_RETURN(const double global, deps_.params->GetDouble(params::kMinimumLabelDetectionConfidence));
  const std::optional<double> top = detection.labels.empty() ? std::nullopt : detection.labels.front().assumed_threshold;
  return review::ReviewThresholdPct(top, global, minimum.modified_by != params::kSystemActor);
}

Result<Json> FlowTasks::DetectAndLog(const std::string& key, const std::string& bytes, const std::string& request_id,
                                     std::string_view source, std::string_view requested_by) {
  ASSIGN_OR_RETURN(std::optional<Json> logged, FindLogged(request_id));
  if (logged) return *logged;
  ASSIGN_OR_RETURN(const bool review_enabled, deps_.params->GetBool(params::kEnableA2IWorkflow));
  ASSIGN_OR_RETURN(model::Detection detection, deps_.detection->Detect(bytes, key, 0, 0));
  ASSIGN_OR_RETURN(const double threshold, ReviewThreshold(detection));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(detection.version));
  db::Detection row;
  row.request_id = request_id;
  row.created_ms = deps_.clock->NowMs();
  row.image_key = key;
  row.image_etag = Sha256Hex(bytes);
  row.model_version = detection.version;
  if (!detection.labels.empty()) {
    row.top_label = detection.labels.front().name;
    row.confidence_pct = detection.labels.front().confidence;
  }
  const Json labels = LabelsJson(detection);
  row.labels_json = labels.dump();
  row.threshold_pct = threshold;
  row.review_enabled = review_enabled;
  row.source = std::string(source);
  row.requested_by = std::string(requested_by);
  if (Status inserted = deps_.detections->Insert(row); !inserted.ok() && inserted.code() != StatusCode::kAlreadyExists) {
    return inserted;
  }
  const bool below = row.confidence_pct < threshold;
  Json result = {{"request_id", request_id}, {"key", key}, {"version", detection.version},
                 {"label", row.top_label}, {"confidence", row.confidence_pct}, {"labels", labels},
                 {"threshold", threshold}, {"review_enabled", review_enabled}, {"below_threshold", below},
                 {"candidate_labels", version.labels}, {"pending", false}};
  NotifyPerDetection("detection",
                     fmt::format("Detection result: {} {:.1f}", row.top_label.empty() ? "(no label)" : row.top_label,
                                 row.confidence_pct),
                     result);
  return result;
}

Result<Json> FlowTasks::Detect(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string key, RequireString(input, "key", "detect"));
  // Keyed on the event when there is one: even a second execution of the same event (a
  // crash between starting it and marking the event dispatched) logs one detection.
  const std::string identity =
      input.contains("event_id") ? fmt::format("event:{}", input["event_id"].dump()) : context.IdempotencyKey();
  return DetectOrQueue(key, RequestIdFor(identity), db::kDetectionSourceEvent, nullptr);
}

Result<Json> FlowTasks::ReviewIfUncertain(const Json& detection) {
  if (!detection.value("below_threshold", false) || !detection.value("review_enabled", false)) {
    return Json{{"review_task", nullptr}};
  }
  review::ReviewInput in;
  in.image_key = detection.value("key", "");
  in.detection_request_id = detection.value("request_id", "");
  in.source = std::string(review::kSourceLowConfidence);
  in.model_label = detection.value("label", "");
  in.model_confidence_pct = detection.value("confidence", 0.0);
  in.candidate_labels = detection.value("candidate_labels", std::vector<std::string>{});
  ASSIGN_OR_RETURN(db::ReviewTask task, deps_.reviews->CreateTask(in));
  NotifyPerDetection("review-task", "Review task created", {{"task", task.name}, {"image", in.image_key}, {"source", in.source},
                                 {"detection_request_id", in.detection_request_id}, {"model_label", in.model_label},
                                 {"model_confidence", in.model_confidence_pct}});
  return Json{{"review_task", task.name}};
}

Result<Json> FlowTasks::CreateReviewTask(const Json& input, const workflow::TaskContext& context) {
  if (!input.contains("detection")) return InvalidArgumentError("create review task: input has no \"detection\"");
  return ReviewIfUncertain(input["detection"]);
}

Result<Json> FlowTasks::DetectUpload(const std::string& bytes, std::string_view filename, int max_results,
                                     double min_confidence_pct, std::string_view actor) {
  // Unique per call (the same image may be posted twice): time, content and randomness.
  std::random_device random;
  const std::string request_id =
      "api-" + Sha256Hex(fmt::format("{}/{}/{}/{}", deps_.clock->NowMs(), Sha256Hex(bytes), random(), random()))
                   .substr(0, 24);
  const std::string key = fmt::format("{}api/{}-{}", store::kDetectionPrefix, request_id, SafeFileName(filename));
  // Handled here: the watcher must not start a second detection of this object.
  RETURN_IF_ERROR(deps_.events->MarkObjectHandled(key, Sha256Hex(bytes), fmt::format("api:{}", actor)));
  RETURN_IF_ERROR(deps_.bucket->Put(key, bytes).status());
  ASSIGN_OR_RETURN(Json detection, DetectOrQueue(key, request_id, db::kDetectionSourceApi, &bytes, actor));
  if (detection.value("pending", false)) {
    return Json{{"status", "pending"}, {"labels", Json::array()}, {"version", nullptr}, {"request_id", request_id},
                {"image", key}, {"review_task", nullptr}, {"reason", detection.value("reason", "")}};
  }
  ASSIGN_OR_RETURN(Json review, ReviewIfUncertain(detection));
  Json labels = Json::array();
  for (const Json& l : detection["labels"]) {
    const model::DetectedLabel label{l.value("name", ""), l.value("confidence", 0.0), std::nullopt,
                                     l.contains("assumed_threshold") ? std::optional<double>(l["assumed_threshold"].get<double>())
                                                                     : std::nullopt};
    if (!model::MeetsMinConfidence(label, min_confidence_pct)) continue;
    if (max_results > 0 && int(labels.size()) >= max_results) break;
    labels.push_back(l);
  }
  return Json{{"status", "detected"}, {"labels", labels}, {"version", detection["version"]}, {"request_id", request_id},
              {"image", key}, {"review_task", review["review_task"]}};
}

}  // namespace labelloop::flows
