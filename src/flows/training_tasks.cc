// The training branch: check -> create manifest -> create version (training starts in the
// background) -> status loop -> F1 gate -> start -> status loop -> deploy.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/content_hash.h"
#include "common/json_util.h"
#include "common/process.h"
#include "flows/flow_tasks.h"
#include "model/manifest.h"

namespace labelloop::flows {
namespace {

// Identifies an image set: the same keys with the same contents give the same value.
std::string Fingerprint(const std::vector<model::ManifestEntry>& entries) {
  std::string joined;
  for (const auto& e : entries) joined += e.key + ":" + e.etag + "\n";
  return Sha256Hex(joined);
}

std::string StatusMessage(const db::ModelVersion& v) {
  return fmt::format("Model version {}: {} Status: {}", v.name, v.status_message, v.status);
}

}  // namespace

Result<Json> FlowTasks::CheckTraining(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const bool enabled, deps_.params->GetBool(params::kEnableAutomaticTraining));
  ASSIGN_OR_RETURN(const int64_t minimum, deps_.params->GetInt(params::kMinimumUntrainedImages));
  ASSIGN_OR_RETURN(const double min_f1, deps_.params->GetDouble(params::kMinimumF1Score));
  ASSIGN_OR_RETURN(const Json state, system_->Read());
  ASSIGN_OR_RETURN(model::LabeledListing listing, model::ListLabeledImages(*deps_.bucket));
  const int64_t count = int64_t(listing.entries.size());
  const int64_t previous = state.value(kPreviousTrainedImages, int64_t{0});
  const int64_t untrained = count - previous;
  const std::string fingerprint = Fingerprint(listing.entries);

  std::string busy;
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> versions, deps_.metadata->ListModelVersions());
  for (const auto& v : versions) {
    const bool training = v.status == db::kTrainingInProgress && !model::ModelService::IsTrainingOrphaned(v);
    if (training || v.status == db::kStarting) busy = fmt::format("version {} is {}", v.name, v.status);
  }
  std::string reason;
  const bool manual = input.value("manual", false);
  if (!enabled && !manual) {
    reason = "automatic training is disabled";
  } else if (!busy.empty()) {
    reason = busy;
  } else if (untrained < minimum) {
    reason = fmt::format("{} untrained image(s), fewer than Minimum-Untrained-Images ({})", untrained, minimum);
  } else if (state.contains(kFailedImageSets) && state[kFailedImageSets].contains(fingerprint)) {
    reason = fmt::format("this image set failed before ({}); add or change images to train again",
                         state[kFailedImageSets][fingerprint].get<std::string>());
  }
  const bool train = reason.empty();
  if (train) reason = fmt::format("{} untrained image(s) >= {}: training a new version", untrained, minimum);
  Json result = {{"train", train},
                 {"reason", reason},
                 {"image_count", count},
                 {"previous_trained_images", previous},
                 {"untrained_images", untrained},
                 {"labels", listing.labels},
                 {"fingerprint", fingerprint}};
  Json body = result;
  body["settings"] = {{params::kEnableAutomaticTraining, enabled},
                      {params::kMinimumUntrainedImages, minimum},
                      {params::kMinimumF1Score, min_f1}};
  body["execution"] = context.execution_id;
  Notify(train ? "Training check: training starts" : "Training check: no training", body);
  return result;
}

Result<Json> FlowTasks::CreateManifest(const Json& input, const workflow::TaskContext& context) {
  // The version name is decided and recorded before anything is created, so a re-run
  // after a crash finds the version it made (or makes it under the same name).
  const std::string key = context.IdempotencyKey();
  ASSIGN_OR_RETURN(std::optional<std::string> record, deps_.events->db().FindTaskRecord(key));
  std::string name;
  if (record) {
    ASSIGN_OR_RETURN(Json recorded, ParseJson(*record, "task record " + key));
    name = recorded.value("version", "");
  }
  if (name.empty()) {
    const std::string base = "labelloop." + FormatCompactUtc(context.clock->NowMs());
    name = base;
    for (int n = 2; deps_.metadata->GetModelVersion(name).ok(); ++n) name = fmt::format("{}-{}", base, n);
    RETURN_IF_ERROR(deps_.events->db().PutTaskRecord(key, Json{{"version", name}}.dump()));
  }
  Result<db::ModelVersion> created = deps_.models->CreateVersion(name);
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists) created = deps_.metadata->GetModelVersion(name);
  if (!created.ok()) return created.status();
  ASSIGN_OR_RETURN(std::string manifest_text, deps_.bucket->Get(created->manifest_key));
  ASSIGN_OR_RETURN(std::vector<model::ManifestEntry> entries, model::ParseManifest(manifest_text));
  Json result = {{"version", created->name},
                 {"manifest_key", created->manifest_key},
                 {"image_count", int64_t(entries.size())},
                 {"labels", created->labels},
                 {"fingerprint", Fingerprint(entries)}};
  Notify("Manifest created", {{"version", created->name}, {"manifest", created->manifest_key},
                              {"images", entries.size()}, {"labels", created->labels}, {"execution", context.execution_id}});
  return result;
}

Result<Json> FlowTasks::CreateVersion(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input.value("manifest", Json::object()), "version", "create version"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(name));
  bool started = false;
  if (version.status == db::kTrainingInProgress) started = deps_.training->StartTraining(name);
  Notify("Model training started", {{"version", name}, {"status", version.status},
                                    {"message", StatusMessage(version)}, {"execution", context.execution_id}});
  return Json{{"version", name}, {"status", version.status}, {"training_started", started}};
}

Result<Json> FlowTasks::TrainingStatus(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input.value("manifest", Json::object()), "version", "training status"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(name));
  bool resumed = false;
  // A crash stopped the training: train the same version again, here.
  if (model::ModelService::IsTrainingOrphaned(version) && !deps_.training->IsTraining(name)) {
    RETURN_IF_ERROR(deps_.models->SetTrainingWorker(name, CurrentWorkerId()));
    resumed = deps_.training->StartTraining(name);
  }
  const std::string previous = input.contains("training") ? input["training"].value("status", "") : "";
  if (version.status != previous || resumed) {
    Notify(fmt::format("Model status: {}", version.status),
           {{"version", name}, {"status", version.status}, {"resumed", resumed},
            {"message", StatusMessage(version)}, {"execution", context.execution_id}});
  }
  if (version.status == db::kTrainingFailed) {
    RecordFailedImageSet(input["manifest"].value("fingerprint", ""), "training failed: " + version.status_message);
  }
  return Json{{"version", name}, {"status", version.status}, {"status_message", version.status_message},
              {"resumed", resumed}};
}

Result<Json> FlowTasks::CheckF1(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input.value("manifest", Json::object()), "version", "check F1"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(name));
  ASSIGN_OR_RETURN(const double minimum, deps_.params->GetDouble(params::kMinimumF1Score));
  const double f1 = version.f1.value_or(0.0);
  const bool passed = version.f1.has_value() && f1 >= minimum;
  if (!passed) {
    const std::string reason = fmt::format("version {}: F1 {:.3f} is below Minimum-F1-Score {}", name, f1, minimum);
    RecordFailedImageSet(input["manifest"].value("fingerprint", ""), reason);
    Notify("Model below the F1 minimum", {{"version", name}, {"f1", f1}, {"minimum_f1", minimum}, {"message", reason},
                                          {"execution", context.execution_id}});
  }
  return Json{{"version", name}, {"f1", f1}, {"minimum_f1", minimum}, {"passed", passed}};
}

Result<Json> FlowTasks::StartVersion(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input.value("manifest", Json::object()), "version", "start version"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(name));
  // Idempotent: a re-run finds it started. previous_trained_images is recorded when the
  // version serves (ServingController), not before: the training check must not see the
  // images as trained while no version trained on them serves.
  if (version.status != db::kRunning && version.status != db::kStarting) {
    const int64_t trained =
        input["manifest"].value("image_count", version.training_image_count + version.test_image_count);
    RETURN_IF_ERROR(deps_.serving->RecordDeploy(name, trained));
    ASSIGN_OR_RETURN(version, deps_.models->RequestStart(name));
  }
  // Serving now, here, rather than at the controller's next poll. A version that cannot
  // load is recorded so ("Start failed") and the status loop ends in "Start failed".
  if (Result<ServingChange> change = deps_.serving->Reconcile(); !change.ok()) {
    spdlog::warn("start version {}: {}", name, change.status().ToString());
  }
  ASSIGN_OR_RETURN(version, deps_.metadata->GetModelVersion(name));
  Notify(fmt::format("Model status: {}", version.status),
         {{"version", name}, {"status", version.status}, {"message", StatusMessage(version)},
          {"execution", context.execution_id}});
  return Json{{"version", name}, {"status", version.status}};
}

Result<Json> FlowTasks::VersionStatus(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input.value("manifest", Json::object()), "version", "version status"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(name));
  return Json{{"version", name}, {"status", version.status}, {"status_message", version.status_message}};
}

Result<Json> FlowTasks::Deploy(const Json& input, const workflow::TaskContext& context) {
  ASSIGN_OR_RETURN(const std::string name, RequireString(input.value("manifest", Json::object()), "version", "deploy"));
  ASSIGN_OR_RETURN(db::ModelVersion version, deps_.metadata->GetModelVersion(name));
  // The ServingController switched detection, stopped the previous version and recorded
  // For-System-Use-Only before it made the version RUNNING; this step reports it.
  if (version.status != db::kRunning) {
    return FailedPreconditionError(fmt::format("deploy: version {} is {}, not RUNNING", name, version.status));
  }
  if (deps_.detection->version() != name) {
    return UnavailableError(fmt::format("deploy: version {} is RUNNING but detection does not serve it yet", name));
  }
  ASSIGN_OR_RETURN(const int64_t units, deps_.params->GetInt(params::kMinimumInferenceUnits));
  ASSIGN_OR_RETURN(const Json state, system_->Read());
  const int64_t trained = state.value(kPreviousTrainedImages, int64_t{0});
  std::vector<std::string> stopped;
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> versions, deps_.metadata->ListModelVersions());
  for (const auto& v : versions) {
    if (v.status == db::kStopped && v.status_message == "Stopped: replaced by " + name) stopped.push_back(v.name);
  }
  const std::string message = fmt::format("Model version {} (F1 {:.3f}) is deployed for detection. Status: RUNNING", name,
                                          version.f1.value_or(0.0));
  Notify(fmt::format("Model version {} is running", name),
         {{"version", name}, {"f1", version.f1.value_or(0.0)}, {"previous_trained_images", trained},
          {"stopped_versions", stopped}, {"inference_units", units}, {"execution", context.execution_id},
          {"message", message}});
  return Json{{"version", name}, {"previous_trained_images", trained}, {"stopped_versions", stopped},
              {"message", message}};
}

}  // namespace labelloop::flows
