// DetectionRunner: the deployed model's inference units. Holds Minimum-Inference-Units
// detectors of the serving version (each single-threaded, lent to one caller at a time)
// and switches to a new version atomically: detections already running finish on the
// old detectors, new ones use the new version (blue/green). Deploy and Undeploy return
// only once the detections in flight on the old version have finished, so a caller that
// then records the old version STOPPED tells the truth. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "flows/serving_target.h"
#include "model/model_service.h"

namespace labelloop::flows {

// The message of Detect's FailedPrecondition when no version serves; an image that meets
// it waits as pending (IsNoVersionServing tells it from other failures).
inline constexpr std::string_view kNoVersionServing =
    "no model version is serving: the image waits until one is started";
bool IsNoVersionServing(const Status& status);

class DetectionRunner final : public ServingTarget {
 public:
  // Opens one detector of a version (tests pass fakes).
  using DetectorFactory = std::function<Result<std::unique_ptr<model::Detector>>(const std::string& version)>;

  // Detectors from models->OpenDetector (the version need not be RUNNING yet).
  explicit DetectionRunner(model::ModelService* models);
  explicit DetectionRunner(DetectorFactory open) : open_(std::move(open)) {}

  // Loads `units` detectors of `version` (outside the lock, so detections continue on the
  // current version meanwhile), then runs `before_switch` (when given; its failure cancels
  // the switch and is returned), makes the new detectors current and waits for the old
  // version's detections in flight. The version need not be RUNNING yet: the
  // ServingController records RUNNING only after this returns.
  Status Deploy(const std::string& version, int units, const std::function<Status()>& before_switch) override;
  Status Deploy(const std::string& version, int units) { return Deploy(version, units, {}); }
  // Serves nothing any more; waits for the detections in flight. No-op when nothing serves.
  void Undeploy() override;
  // Re-deploys the current version with `units` detectors (no-op when unchanged or none).
  Status SetUnits(int units);
  // Detects on a free unit of the current version, waiting for one when all are busy.
  // FailedPrecondition (kNoVersionServing) when nothing is deployed.
  Result<model::Detection> Detect(const std::string& bytes, const std::string& name, int max_results,
                                  double min_confidence_pct);
  std::optional<std::string> version() override;
  int units();

 private:
  // One deployed version: its idle detectors.
  struct Deployment {
    std::string version;
    int units = 0;
    std::vector<std::unique_ptr<model::Detector>> idle;  // GUARDED_BY(DetectionRunner::mu_)
  };

  // Makes `next` (may be null) current and waits until the replaced deployment's
  // detectors are all back (no detection of it still runs).
  void SwitchTo(std::shared_ptr<Deployment> next);

  DetectorFactory open_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::shared_ptr<Deployment> current_;  // GUARDED_BY(mu_)
};

}  // namespace labelloop::flows
