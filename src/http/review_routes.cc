// Review tasks for the labelling portal: list (status/source filters, newest first or in
// queue order, cursor paging), one task, claim, answer ({"label": "..."} or {"label": null}
// for "None of the Above"), release, and "claim the next task for me" (the first in queue
// order; 204 when the queue is empty); plus the model/human agreement of sampled
// detections. The reviewer is always the caller.
// Reviewers do not see other reviewers' answers (independent votes); admins do.
#include <fmt/format.h>

#include "common/json_util.h"
#include "db/review_db.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/page_cursor.h"
#include "review/review_service.h"
#include "review/sampling_service.h"

namespace labelloop::http {
namespace {

std::string ObjectUrl(std::string_view key) {
  std::string url = "/api/v1/objects/";
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      url += static_cast<char>(c);
    } else {
      url += fmt::format("%{:02X}", c);
    }
  }
  return url;
}

nlohmann::json OptionalString(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

// Where the model saw its label (`geometry` of the task's model label in the detection
// log), so the portal can draw and zoom to it; null when the log has none (an older
// detection, or one removed from the log).
Result<nlohmann::json> ModelGeometry(const Call& call, const db::ReviewTask& t) {
  if (call.deps.detections == nullptr || t.detection_request_id.empty()) return nlohmann::json(nullptr);
  Result<db::Detection> detection = call.deps.detections->Get(t.detection_request_id);
  if (!detection.ok()) {
    if (detection.status().code() == StatusCode::kNotFound) return nlohmann::json(nullptr);
    return detection.status();
  }
  ASSIGN_OR_RETURN(nlohmann::json labels, ParseJson(detection->labels_json, "logged labels"));
  for (const nlohmann::json& label : labels) {
    if (label.value("name", "") == t.model_label && label.contains("geometry")) return label["geometry"];
  }
  return nlohmann::json(nullptr);
}

nlohmann::json TaskJson(const db::ReviewTask& t, bool with_answers, nlohmann::json model_geometry) {
  nlohmann::json json = {{"name", t.name},
                         {"status", t.status},
                         {"source", t.source},
                         {"image_key", t.image_key},
                         {"image_url", ObjectUrl(t.image_key)},
                         {"detection_request_id", t.detection_request_id},
                         {"model_label", t.model_label},
                         {"model_confidence", t.model_confidence_pct},
                         {"model_geometry", std::move(model_geometry)},
                         {"candidate_labels", t.candidate_labels},
                         {"reviews_required", t.reviews_required},
                         {"answer_count", t.answers.size()},
                         {"created", IsoTime(t.created_ms)},
                         {"expires", IsoTime(t.expires_ms)},
                         {"claimed_by", OptionalString(t.claimed_by)},
                         {"claim_expires", IsoTime(t.claim_expires_ms)},
                         {"completed", IsoTime(t.completed_ms)},
                         {"priority", t.priority},
                         {"selection", t.selection}};
  if (with_answers) {
    nlohmann::json answers = nlohmann::json::array();
    for (const db::ReviewAnswer& a : t.answers) {
      answers.push_back({{"reviewer", a.reviewer}, {"label", OptionalString(a.label)}, {"submitted", IsoTime(a.submitted_ms)}});
    }
    json["answers"] = std::move(answers);
    json["final_label"] = OptionalString(t.final_label);
    json["agreement"] = t.agreement ? nlohmann::json(*t.agreement) : nlohmann::json(nullptr);
    json["output_key"] = t.output_key.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.output_key);
  }
  return json;
}

// `order`: newest (the default) or queue (the order reviewers are handed tasks).
Result<db::ReviewOrder> ReviewOrderOf(const Call& call) {
  const std::string order = QueryString(call, "order", "newest");
  if (order == "newest") return db::ReviewOrder::kNewestFirst;
  if (order == "queue") return db::ReviewOrder::kQueue;
  return InvalidArgumentError(fmt::format("order '{}' is neither 'newest' nor 'queue'", order.substr(0, 64)));
}

bool IsAdmin(const Call& call) { return call.caller && call.caller->role == auth::Role::kAdmin; }

Result<nlohmann::json> TaskView(const Call& call, const db::ReviewTask& task) {
  ASSIGN_OR_RETURN(nlohmann::json geometry, ModelGeometry(call, task));
  return TaskJson(task, IsAdmin(call), std::move(geometry));
}

Status ReplyTask(Call& call, const db::ReviewTask& task) {
  ASSIGN_OR_RETURN(nlohmann::json view, TaskView(call, task));
  ReplyJson(call, 200, view);
  return OkStatus();
}

}  // namespace

Status HandleListReviews(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
  db::ReviewFilter filter;
  filter.status = QueryString(call, "status");
  filter.source = QueryString(call, "source");
  filter.page_cursor = PageCursor(call);
  ASSIGN_OR_RETURN(filter.limit, PageLimit(call));
  ASSIGN_OR_RETURN(filter.order, ReviewOrderOf(call));
  ASSIGN_OR_RETURN(db::ReviewTaskPage page, call.deps.reviews->ListTasks(filter));
  nlohmann::json list = nlohmann::json::array();
  for (const db::ReviewTask& task : page.tasks) {
    ASSIGN_OR_RETURN(nlohmann::json view, TaskView(call, task));
    list.push_back(std::move(view));
  }
  ReplyJson(call, 200,
            {{"reviews", list},
             {"next_cursor", page.next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(page.next_cursor)},
             {"total", page.total_count}});
  return OkStatus();
}

Status HandleGetReview(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
  ASSIGN_OR_RETURN(db::ReviewTask task, call.deps.reviews->GetTask(PathParam(call, "id")));
  return ReplyTask(call, task);
}

Status HandleClaimReview(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
  ASSIGN_OR_RETURN(db::ReviewTask task, call.deps.reviews->Claim(PathParam(call, "id"), ActorName(call)));
  return ReplyTask(call, task);
}

Status HandleClaimNextReview(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
  ASSIGN_OR_RETURN(std::optional<db::ReviewTask> task, call.deps.reviews->ClaimNext(ActorName(call)));
  if (!task) {
    ReplyNoContent(call);
    return OkStatus();
  }
  return ReplyTask(call, *task);
}

Status HandleAnswerReview(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  auto it = body.find("label");
  if (it == body.end()) {
    return InvalidArgumentError(
        "request body must have \"label\": a label name, or null for \"None of the Above\"");
  }
  std::optional<std::string> label;
  if (it->is_string()) {
    label = it->get<std::string>();
  } else if (!it->is_null()) {
    return InvalidArgumentError(fmt::format("\"label\" must be a string or null, got {} {}", it->type_name(), it->dump()));
  }
  ASSIGN_OR_RETURN(db::ReviewTask task, call.deps.reviews->Answer(PathParam(call, "id"), ActorName(call), label));
  call.events.Publish("review.answered", {{"name", task.name}, {"status", task.status}});
  return ReplyTask(call, task);
}

Status HandleReleaseReview(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.reviews, "the review service"));
  RETURN_IF_ERROR(call.deps.reviews->Release(PathParam(call, "id"), ActorName(call)));
  ReplyNoContent(call);
  return OkStatus();
}

Status HandleAgreement(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.sampling, "the sampling service"));
  ASSIGN_OR_RETURN(auto stats, call.deps.sampling->Agreement());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : stats) {
    list.push_back({{"version", s.model_version},
                    {"reviewed", s.count},
                    {"agreeing", s.agreeing},
                    {"rate", s.rate},
                    {"ci_low", s.ci_low},
                    {"ci_high", s.ci_high}});
  }
  ReplyJson(call, 200, {{"versions", list}});
  return OkStatus();
}

}  // namespace labelloop::http
