// ServingTarget: what serves detections, as the ServingController drives it. In `serve`
// it is the DetectionRunner (inference units in this process). A CLI command run while no
// server runs uses RecordedServing: detection then happens in `labelloop detect`, which
// loads the RUNNING version itself, so making a version RUNNING needs only the record.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"

namespace labelloop::flows {

class ServingTarget {
 public:
  virtual ~ServingTarget() = default;
  // The version served now, or nullopt.
  virtual std::optional<std::string> version() = 0;
  // Serves `version` with `units` detectors: prepares them, runs `before_switch` (its
  // failure cancels the switch), switches, and returns once the replaced version serves
  // nothing any more.
  virtual Status Deploy(const std::string& version, int units, const std::function<Status()>& before_switch) = 0;
  // Serves nothing; returns once no detection runs. No-op when nothing serves.
  virtual void Undeploy() = 0;
};

// Serving recorded only (no detectors): for a process where no server runs.
class RecordedServing final : public ServingTarget {
 public:
  explicit RecordedServing(std::optional<std::string> serving) : serving_(std::move(serving)) {}
  std::optional<std::string> version() override { return serving_; }
  Status Deploy(const std::string& version, int, const std::function<Status()>& before_switch) override {
    if (before_switch) RETURN_IF_ERROR(before_switch());
    serving_ = version;
    return OkStatus();
  }
  void Undeploy() override { serving_.reset(); }

 private:
  std::optional<std::string> serving_;
};

}  // namespace labelloop::flows
