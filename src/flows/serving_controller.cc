#include "flows/serving_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace labelloop::flows {

ServingController::ServingController(model::ModelService* models, db::MetadataDb* metadata,
                                     params::ParameterStore* params, SystemState* system, ServingTarget* target)
    : models_(models), metadata_(metadata), params_(params), system_(system), target_(target) {}

ServingController::~ServingController() { StopPolling(); }

Result<db::ModelVersion> ServingController::StartVersion(const std::string& version) {
  RETURN_IF_ERROR(models_->RequestStart(version).status());
  RETURN_IF_ERROR(Reconcile().status());
  return metadata_->GetModelVersion(version);
}

Result<db::ModelVersion> ServingController::StopVersion(const std::string& version) {
  RETURN_IF_ERROR(models_->RequestStop(version).status());
  RETURN_IF_ERROR(Reconcile().status());
  return metadata_->GetModelVersion(version);
}

Status ServingController::RecordDeploy(const std::string& version, int64_t trained_images) {
  return system_->Update(
      [&](nlohmann::json& s) { s[kDeploying] = {{"version", version}, {"trained_images", trained_images}}; });
}

Result<ServingChange> ServingController::Reconcile() {
  std::lock_guard lock(reconcile_mu_);
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> versions, metadata_->ListModelVersions());
  const std::optional<std::string> serving = target_->version();
  const ServingPlan plan = PlanServing(versions, serving);
  ServingChange change;
  change.serving = serving;
  if (!plan.NeedsSwitch(serving) && !plan.NeedsRecord()) return change;
  if (plan.NeedsSwitch(serving)) {
    RETURN_IF_ERROR(Switch(plan, serving));
    change.serving = plan.target;
    change.switched = true;
  }
  RETURN_IF_ERROR(RecordSystemState(plan.target));
  for (const std::string& name : plan.to_stop) {
    const std::string message = plan.target ? "Stopped: replaced by " + *plan.target : "Stopped";
    ASSIGN_OR_RETURN(const bool stopped,
                     models_->TransitionVersion(name, {db::kRunning, db::kStopping}, db::kStopped, message));
    if (stopped) change.stopped.push_back(name);
  }
  // A stop request that came in meanwhile wins: the next Reconcile undeploys it.
  if (plan.target_starting) {
    RETURN_IF_ERROR(
        models_->TransitionVersion(*plan.target, {db::kStarting}, db::kRunning, "The model is running").status());
  }
  if (change.switched && listener_) listener_(change);
  return change;
}

Status ServingController::Switch(const ServingPlan& plan, const std::optional<std::string>& serving) {
  if (!plan.target) {
    target_->Undeploy();
    return OkStatus();
  }
  ASSIGN_OR_RETURN(const int64_t units, params_->GetInt(params::kMinimumInferenceUnits));
  // The version being replaced still serves until the switch, but is no longer shown
  // RUNNING from the moment it may stop serving.
  auto mark_replaced = [&]() -> Status {
    if (!serving) return OkStatus();
    return models_->TransitionVersion(*serving, {db::kRunning}, db::kStopping, "Stopping: replaced by " + *plan.target)
        .status();
  };
  Status deployed = target_->Deploy(*plan.target, int(units), mark_replaced);
  if (deployed.ok()) return OkStatus();
  spdlog::error("version {} cannot serve: {}", *plan.target, deployed.ToString());
  if (plan.target_starting) {
    RETURN_IF_ERROR(models_->TransitionVersion(*plan.target, {db::kStarting}, db::kTrainingCompleted,
                                               "Start failed: " + deployed.message())
                        .status());
  }
  return deployed.WithContext("serving " + *plan.target);
}

Status ServingController::RecordSystemState(const std::optional<std::string>& target) {
  ASSIGN_OR_RETURN(const nlohmann::json now, system_->Read());
  const std::string running = now.value(kRunningVersion, "");
  const bool deploying = target && now.contains(kDeploying) && now[kDeploying].value("version", "") == *target;
  if (running == target.value_or("") && !deploying) return OkStatus();
  return system_->Update([&](nlohmann::json& s) {
    const std::string was = s.value(kRunningVersion, "");
    if (target) {
      s[kRunningVersion] = *target;
    } else {
      s.erase(kRunningVersion);
    }
    if (!was.empty() && was != target.value_or("")) s[kPreviousVersion] = was;
    if (target && s.contains(kDeploying) && s[kDeploying].value("version", "") == *target) {
      s[kPreviousTrainedImages] = s[kDeploying].value("trained_images", int64_t{0});
      s.erase(kDeploying);
    }
  });
}

void ServingController::SetSwitchListener(std::function<void(const ServingChange&)> listener) {
  listener_ = std::move(listener);
}

void ServingController::StartPolling(int64_t poll_ms) {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  poller_ = std::thread([this, poll_ms] { PollLoop(poll_ms); });
}

void ServingController::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void ServingController::StopPolling() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void ServingController::PollLoop(int64_t poll_ms) {
  std::string last_error;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(poll_ms), [&] { return stopping_ || woken_; });
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    Result<ServingChange> change = Reconcile();
    // A version that cannot load is reported once, not at every poll.
    const std::string error = change.ok() ? "" : change.status().ToString();
    if (!error.empty() && error != last_error) spdlog::error("serving: {}", error);
    last_error = error;
    lock.lock();
  }
}

}  // namespace labelloop::flows
