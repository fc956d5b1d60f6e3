// ModelService's serving lifecycle: requests to start and stop, the compare-and-set that
// whoever serves detection completes them with, and the direct forms for processes where
// no server serves detection. The transitions are drawn in model_service.h.
#include <fmt/format.h>

#include <algorithm>

#include "model/model_artifact.h"
#include "model/model_service.h"

namespace labelloop::model {
namespace {

bool IsOneOf(std::string_view status, const std::vector<std::string_view>& set) {
  return std::find(set.begin(), set.end(), status) != set.end();
}

}  // namespace

Result<db::ModelVersion> ModelService::RequestStart(const std::string& name) {
  std::lock_guard lock(lifecycle_mu_);
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  if (version.status == db::kRunning || version.status == db::kStarting) return version;
  if (!IsOneOf(version.status, {db::kTrainingCompleted, db::kStopped, db::kStopping})) {
    return FailedPreconditionError(fmt::format("version {} is {}; only a trained or stopped version can start", name,
                                               version.status));
  }
  // Parsing proves the artefact is intact before anyone waits for it to serve.
  Result<std::string> bytes = store_->Get(version.artifact_key);
  Status loaded = bytes.ok() ? ParseModelArtifact(*bytes, version.artifact_key).status() : bytes.status();
  if (!loaded.ok()) {
    version.status_message = "Start failed: " + loaded.message();
    RETURN_IF_ERROR(db_->UpdateModelVersion(version));
    return loaded.WithContext("starting " + name);
  }
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> all, db_->ListModelVersions());
  // A version still STARTING may be serving already (a switch under way elsewhere):
  // STOPPING, and the ServingController records STOPPED once it serves nothing.
  for (auto& other : all) {
    if (other.name == name || other.status != db::kStarting) continue;
    other.status = db::kStopping;
    other.status_message = "Start superseded by " + name;
    RETURN_IF_ERROR(db_->UpdateModelVersion(other));
  }
  version.status = db::kStarting;
  version.status_message = "Starting: waiting for detection to serve it";
  RETURN_IF_ERROR(db_->UpdateModelVersion(version));
  return version;
}

Result<db::ModelVersion> ModelService::RequestStop(const std::string& name) {
  std::lock_guard lock(lifecycle_mu_);
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  if (version.status == db::kStopped || version.status == db::kStopping) return version;
  if (version.status != db::kRunning && version.status != db::kStarting) {
    return FailedPreconditionError(fmt::format("version {} is {}; only a running version can stop", name, version.status));
  }
  version.status = db::kStopping;
  version.status_message = "Stopping: waiting for detection to stop serving it";
  RETURN_IF_ERROR(db_->UpdateModelVersion(version));
  return version;
}

Result<bool> ModelService::TransitionVersion(const std::string& name, const std::vector<std::string_view>& from,
                                             std::string_view to, const std::string& message) {
  std::lock_guard lock(lifecycle_mu_);
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  if (!IsOneOf(version.status, from)) return false;
  version.status = std::string(to);
  version.status_message = message;
  RETURN_IF_ERROR(db_->UpdateModelVersion(version));
  return true;
}

Result<db::ModelVersion> ModelService::StartVersion(const std::string& name) {
  RETURN_IF_ERROR(CheckBackbone().WithContext("starting " + name));
  ASSIGN_OR_RETURN(db::ModelVersion version, RequestStart(name));
  if (version.status == db::kRunning) return version;
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> all, db_->ListModelVersions());
  for (const auto& other : all) {
    if (other.name == name) continue;
    RETURN_IF_ERROR(TransitionVersion(other.name, {db::kRunning, db::kStarting, db::kStopping}, db::kStopped,
                                      "Stopped: replaced by " + name)
                        .status());
  }
  RETURN_IF_ERROR(TransitionVersion(name, {db::kStarting}, db::kRunning, "The model is running").status());
  return db_->GetModelVersion(name);
}

Result<db::ModelVersion> ModelService::StopVersion(const std::string& name) {
  ASSIGN_OR_RETURN(db::ModelVersion version, RequestStop(name));
  RETURN_IF_ERROR(TransitionVersion(name, {db::kStopping}, db::kStopped, "Stopped").status());
  return db_->GetModelVersion(name);
}

Result<std::optional<db::ModelVersion>> ModelService::FindRunningVersion() {
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> all, db_->ListModelVersions());
  for (auto& v : all) {
    if (v.status == db::kRunning) return std::optional<db::ModelVersion>(std::move(v));
  }
  return std::optional<db::ModelVersion>();
}

Status ModelService::CheckBackbone() {
  if (backbone_loaded_) return OkStatus();
  // A training holds mu_ for its whole run (and loads the backbone first): no waiting
  // for it, the answer is "not yet".
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return backbone_loaded_ ? OkStatus() : UnavailableError("the backbone is being loaded by a training");
  }
  return SharedBackbone().status();
}

}  // namespace labelloop::model
