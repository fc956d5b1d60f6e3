// The review-output and sampling branches: a finished review's answer flows back into the
// training folders; every n-th detection goes to people for quality control.
#include <fmt/format.h>

#include <spdlog/spdlog.h>

#include "common/content_hash.h"
#include "flows/flow_tasks.h"
#include "model/manifest.h"
#include "review/review_output.h"
#include "store/object_keys.h"

namespace labelloop::flows {

Result<std::optional<std::string>> FlowTasks::TrustReviewOutput(const std::string& key,
                                                                const Result<review::ReviewOutput>& parsed) {
  using Refusal = std::optional<std::string>;
  if (!parsed.ok()) {
    return Refusal(fmt::format("{} is not a review output: {}", store::QuoteKey(key), parsed.status().message()));
  }
  Result<db::ReviewTask> task = deps_.reviews->GetTask(parsed->task_name);
  if (task.status().code() == StatusCode::kNotFound) {
    return Refusal(fmt::format("{} names review task '{}', which does not exist", store::QuoteKey(key),
                               parsed->task_name));
  }
  if (!task.ok()) return task.status();  // the database, not the file: retried
  if (Status verdict = review::VerifyReviewOutput(*parsed, *task, key); !verdict.ok()) return Refusal(verdict.message());
  return Refusal();
}

Result<Json> FlowTasks::RefuseReviewOutput(const std::string& key, const std::string& text, const std::string& why,
                                           const workflow::TaskContext& context) {
  spdlog::warn("review output refused: {}", why);
  // Once per file content: a re-run of this step, or the same bytes seen again, stays quiet.
  const std::string once_key = fmt::format("refused-review-output:{}:{}", key, Sha256Hex(text));
  ASSIGN_OR_RETURN(std::optional<std::string> notified, deps_.events->db().FindTaskRecord(once_key));
  Json result = {{"refused", true}, {"key", key}, {"reason", why},
                 {"copied_key", nullptr}, {"action", "refused: not written by the server; nothing copied"}};
  if (!notified) {
    Json body = result;
    body["execution"] = context.execution_id;
    Notify(fmt::format("Review output refused: {}", store::QuoteKey(key)), body);
    RETURN_IF_ERROR(deps_.events->db().PutTaskRecord(once_key, Json{{"notified", true}}.dump()));
  }
  return result;
}

Result<Json> FlowTasks::AddTrainingImage(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string key, RequireString(input, "key", "add training image"));
  ASSIGN_OR_RETURN(const std::string text, deps_.bucket->Get(key));
  const Result<review::ReviewOutput> parsed = review::ParseReviewOutput(text);
  // Only an output the server wrote for a Completed task may train: anything written through
  // the API, dropped into the folder or edited afterwards copies nothing.
  ASSIGN_OR_RETURN(const std::optional<std::string> refusal, TrustReviewOutput(key, parsed));
  if (refusal) return RefuseReviewOutput(key, text, *refusal, context);
  const review::ReviewOutput& out = *parsed;
  std::optional<std::string> copied_key;
  std::string action;
  // A "None of the Above" answer is kept as a background example only when configured.
  const std::optional<std::string> training_folder =
      out.final_label ? out.final_label
                      : (options_.keep_none_of_the_above ? std::optional<std::string>(model::kNoneOfTheAboveLabel)
                                                         : std::nullopt);
  if (out.source != review::kSourceLowConfidence) {
    action = "sampled answer recorded for quality control; not used for training";
  } else if (!training_folder) {
    action = "None of the Above: nothing added to training";
  } else {
    RETURN_IF_ERROR(store::ValidateLabelName(*training_folder));
    // humanLoopName-<task>-<file>, as the seed names them; a fixed key makes a re-run harmless.
    const std::string destination = fmt::format("{}humanLoopName-{}-{}", store::LabeledImagesPrefix(*training_folder),
                                                out.task_name, store::BaseName(out.image_key));
    if (!deps_.bucket->Head(destination).ok()) RETURN_IF_ERROR(deps_.bucket->Copy(out.image_key, destination).status());
    copied_key = destination;
    action = fmt::format("copied to {}", destination);
  }
  if (!out.detection_request_id.empty()) {
    Status updated =
        deps_.detections->UpdateHumanAnswer(out.detection_request_id, out.final_label, copied_key, out.completed_ms);
    if (!updated.ok() && updated.code() != StatusCode::kNotFound) return updated;
  }
  if (out.source == review::kSourceSampling && !out.detection_request_id.empty()) {
    if (Result<db::Detection> d = deps_.detections->Get(out.detection_request_id); d.ok()) CheckAgreement(d->model_version);
  }
  Json result = {{"task", out.task_name}, {"source", out.source}, {"image", out.image_key},
                 {"label", out.final_label ? Json(*out.final_label) : Json(nullptr)},
                 {"copied_key", copied_key ? Json(*copied_key) : Json(nullptr)}, {"action", action}};
  Json body = result;
  body["model_label"] = out.model_label;
  body["model_confidence"] = out.model_confidence_pct;
  body["agreement"] = out.agreement;
  body["execution"] = context.execution_id;
  Notify(fmt::format("Review processed: {}", out.task_name), body);
  return result;
}

void FlowTasks::CheckAgreement(const std::string& version) {
  Result<std::vector<review::AgreementStats>> stats = deps_.sampling->Agreement();
  if (!stats.ok()) {
    spdlog::warn("agreement of {}: {}", version, stats.status().ToString());
    return;
  }
  for (const review::AgreementStats& a : *stats) {
    if (a.model_version != version || a.count < options_.agreement_min_samples) continue;
    const bool below = a.rate < options_.agreement_alert_below;
    Result<Json> state = system_->Read();
    const bool alerted = state.ok() && state->value(kDriftAlerts, Json::object()).value(version, false);
    if (below == alerted) return;  // notify on crossing only
    Status recorded = system_->Update([&](Json& s) {
      if (below) {
        s[kDriftAlerts][version] = true;
      } else if (s.contains(kDriftAlerts)) {
        s[kDriftAlerts].erase(version);
      }
    });
    if (!recorded.ok()) spdlog::error("drift state of {}: {}", version, recorded.ToString());
    Notify(below ? fmt::format("Drift: model/human agreement on {} fell to {:.0f}%", version, 100 * a.rate)
                 : fmt::format("Agreement on {} recovered to {:.0f}%", version, 100 * a.rate),
           {{"version", version}, {"reviewed_samples", a.count}, {"agreeing", a.agreeing}, {"agreement", a.rate},
            {"ci95", {a.ci_low, a.ci_high}}, {"alert_below", options_.agreement_alert_below}});
    return;
  }
}

Result<Json> FlowTasks::SampleDetections(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const bool enabled, deps_.params->GetBool(params::kEnableAutomaticHumanSampling));
  if (!enabled && !input.value("manual", false)) return Json{{"sampled", 0}, {"more", false}, {"reason", "sampling is disabled"}};
  ASSIGN_OR_RETURN(const int64_t interval, deps_.params->GetInt(params::kHumanSamplingInterval));
  ASSIGN_OR_RETURN(std::vector<db::Detection> due, deps_.sampling->SampleDue(interval));
  Json tasks = Json::array();
  for (const db::Detection& d : due) {
    ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(d.model_version));
    review::ReviewInput in;
    in.image_key = d.image_key;
    in.detection_request_id = d.request_id;
    in.source = std::string(review::kSourceSampling);
    in.model_label = d.top_label;
    in.model_confidence_pct = d.confidence_pct;
    in.candidate_labels = version.labels;
    ASSIGN_OR_RETURN(db::ReviewTask task, deps_.reviews->CreateTask(in));
    tasks.push_back(task.name);
  }
  Notify(fmt::format("Sampling: {} detection(s) sent for review", tasks.size()),
         {{"interval", interval}, {"tasks", tasks}, {"execution", context.execution_id}});
  return Json{{"sampled", tasks.size()}, {"tasks", tasks}, {"more", false}};
}

}  // namespace labelloop::flows
