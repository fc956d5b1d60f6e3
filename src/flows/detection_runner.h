// DetectionRunner: the deployed model's inference units. Holds Minimum-Inference-Units
// detectors of the RUNNING version (each single-threaded, lent to one caller at a time)
// and switches to a new version atomically: detections already running finish on the
// old detectors, new ones use the new version (blue/green). Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_service.h"

namespace labelloop::flows {

class DetectionRunner {
 public:
  explicit DetectionRunner(model::ModelService* models) : models_(models) {}

  // Loads `units` detectors of `version` (which must be RUNNING) and makes them current.
  // Loading happens outside the lock, so detections continue meanwhile.
  Status Deploy(const std::string& version, int units);
  // Re-deploys the current version with `units` detectors (no-op when unchanged or none).
  Status SetUnits(int units);
  // Detects on a free unit of the current version, waiting for one when all are busy.
  // FailedPrecondition when nothing is deployed.
  Result<model::Detection> Detect(const std::string& bytes, const std::string& name, int max_results,
                                  double min_confidence_pct);
  std::optional<std::string> version();
  int units();

 private:
  // One deployed version: its idle detectors.
  struct Deployment {
    std::string version;
    int units = 0;
    std::vector<std::unique_ptr<model::Detector>> idle;  // GUARDED_BY(DetectionRunner::mu_)
  };

  model::ModelService* models_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::shared_ptr<Deployment> current_;  // GUARDED_BY(mu_)
};

}  // namespace labelloop::flows
