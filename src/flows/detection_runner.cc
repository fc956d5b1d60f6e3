#include "flows/detection_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/metrics.h"


namespace labelloop::flows {
namespace {

// labelloop_detection_duration_seconds: decode, backbone and head of one image.
void RecordDetectionSeconds(const std::string& version, double seconds) {
  static const bool declared = [] {
    Metrics::Global().DeclareHistogram("labelloop_detection_duration_seconds",
                                       "Time to classify one image (decode, backbone, head), by model version.",
                                       {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    return true;
  }();
  (void)declared;
  Metrics::Global().Observe("labelloop_detection_duration_seconds", {{"version", version}}, seconds);
}

}  // namespace

Status DetectionRunner::Deploy(const std::string& version, int units) {
  if (units < 1) return InvalidArgumentError(fmt::format("inference units must be at least 1; got {}", units));
  auto next = std::make_shared<Deployment>();
  next->version = version;
  next->units = units;
  for (int i = 0; i < units; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<model::Detector> detector, models_->OpenDetector(version));
    next->idle.push_back(std::move(detector));
  }
  {
    std::lock_guard lock(mu_);
    // OpenCV's thread count is process-wide and not safe to change while trainings and
    // detections run, so the server leaves it at its default (every core): several units
    // then overlap decoding and pooling while their backbone passes share OpenCV's pool.
    current_ = std::move(next);
  }
  freed_.notify_all();
  spdlog::info("detection switched to {} ({} inference unit{})", version, units, units == 1 ? "" : "s");
  return OkStatus();
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
    if (!current_) return FailedPreconditionError("no model version is running: train one and start it first");
    freed_.wait(lock, [&] { return !current_->idle.empty(); });
    deployment = current_;
    detector = std::move(deployment->idle.back());
    deployment->idle.pop_back();
  }
  const int64_t started_ns = SteadyNowNs();
  Result<model::Detection> result = detector->Detect(bytes, name, max_results, min_confidence_pct);
  RecordDetectionSeconds(deployment->version, SecondsSince(started_ns));
  {
    std::lock_guard lock(mu_);
    deployment->idle.push_back(std::move(detector));  // an old deployment's detectors die with it
  }
  freed_.notify_one();
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
