#include "flows/detection_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace labelloop::flows {

bool IsNoVersionServing(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition && status.message().find(kNoVersionServing) != std::string::npos;
}

DetectionRunner::DetectionRunner(model::ModelService* models)
    : open_([models](const std::string& version) { return models->OpenDetector(version, true); }) {}

Status DetectionRunner::Deploy(const std::string& version, int units, const std::function<Status()>& before_switch) {
  if (units < 1) return InvalidArgumentError(fmt::format("inference units must be at least 1; got {}", units));
  auto next = std::make_shared<Deployment>();
  next->version = version;
  next->units = units;
  for (int i = 0; i < units; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<model::Detector> detector, open_(version));
    next->idle.push_back(std::move(detector));
  }
  if (before_switch) RETURN_IF_ERROR(before_switch());
  // OpenCV's thread count is process-wide and not safe to change while trainings and
  // detections run, so the server leaves it at its default (every core): several units
  // then overlap decoding and pooling while their backbone passes share OpenCV's pool.
  SwitchTo(std::move(next));
  spdlog::info("detection switched to {} ({} inference unit{})", version, units, units == 1 ? "" : "s");
  return OkStatus();
}

void DetectionRunner::Undeploy() {
  std::optional<std::string> was = version();
  if (!was) return;
  SwitchTo(nullptr);
  spdlog::info("detection stopped: {} no longer serves", *was);
}

void DetectionRunner::SwitchTo(std::shared_ptr<Deployment> next) {
  std::unique_lock lock(mu_);
  std::shared_ptr<Deployment> old = std::move(current_);
  current_ = std::move(next);
  freed_.notify_all();  // callers waiting for a unit take one of the new deployment (or see none)
  if (old) freed_.wait(lock, [&] { return old->idle.size() == size_t(old->units); });
}

Status DetectionRunner::SetUnits(int units) {
  std::string version;
  {
    std::lock_guard lock(mu_);
    if (!current_ || current_->units == units) return OkStatus();
    version = current_->version;
  }
  return Deploy(version, units);
}

Result<model::Detection> DetectionRunner::Detect(const std::string& bytes, const std::string& name, int max_results,
                                                 double min_confidence_pct) {
  std::shared_ptr<Deployment> deployment;
  std::unique_ptr<model::Detector> detector;
  {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return !current_ || !current_->idle.empty(); });
    if (!current_) return FailedPreconditionError(std::string(kNoVersionServing));
    deployment = current_;
    detector = std::move(deployment->idle.back());
    deployment->idle.pop_back();
  }
  Result<model::Detection> result = detector->Detect(bytes, name, max_results, min_confidence_pct);
  {
    std::lock_guard lock(mu_);
    deployment->idle.push_back(std::move(detector));  // an old deployment's detectors die with it
  }
  freed_.notify_all();  // a unit for a waiting caller, or the last one a switch waits for
  return result;
}

std::optional<std::string> DetectionRunner::version() {
  std::lock_guard lock(mu_);
  if (!current_) return std::nullopt;
  return current_->version;
}

int DetectionRunner::units() {
  std::lock_guard lock(mu_);
  return current_ ? current_->units : 0;
}

}  // namespace labelloop::flows
