// SystemState: the For-System-Use-Only parameter, the system's own memory kept where the
// seed keeps it: previous_trained_images, the running and previous model versions, and
// the image sets whose training failed (so a poll does not retrain the same images
// forever). Read-modify-write under one mutex; written only through the system path.
#pragma once

#include <functional>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "params/parameter_store.h"

namespace labelloop::flows {

// Keys of For-System-Use-Only.
inline constexpr const char* kPreviousTrainedImages = "previous_trained_images";
inline constexpr const char* kRunningVersion = "running_version";
inline constexpr const char* kPreviousVersion = "previous_version";
// {"version", "trained_images"}: the training flow deploys this version; once it serves,
// previous_trained_images takes trained_images (ServingController).
inline constexpr const char* kDeploying = "deploying";
inline constexpr const char* kFailedImageSets = "failed_image_sets";  // {fingerprint: reason}
inline constexpr const char* kDriftAlerts = "drift_alerts";            // {version: true while below}

class SystemState {
 public:
  explicit SystemState(params::ParameterStore* params) : params_(params) {}

  Result<nlohmann::json> Read();
  // Applies `change` to the current value and writes it back (one new parameter version).
  Status Update(const std::function<void(nlohmann::json&)>& change);

 private:
  params::ParameterStore* params_;
  std::mutex mu_;
};

}  // namespace labelloop::flows
