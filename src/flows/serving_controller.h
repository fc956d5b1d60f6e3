// ServingController: the one place where a model version starts or stops serving. Start
// and stop requests are recorded in the database (ModelService::RequestStart/RequestStop,
// from the API, the console, the training flow, or the CLI in another process); Reconcile
// makes detection (the ServingTarget) follow them and only then records the outcome:
// For-System-Use-Only (running_version, previous_version, and previous_trained_images
// for a deploy of the training flow) first, then RUNNING for the version that serves and
// STOPPED for those that no longer do. So RUNNING always means "detection uses it", and
// STOPPED "it serves nothing"; during a switch the old version serves until the new one
// is loaded. In `serve`, a background thread reconciles on Wake() and every poll, which
// is how a `models start` in another shell takes effect. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/metadata_db.h"
#include "flows/serving_plan.h"
#include "flows/serving_target.h"
#include "flows/system_state.h"
#include "model/model_service.h"
#include "params/parameter_store.h"

namespace labelloop::flows {

// What a Reconcile did.
struct ServingChange {
  std::optional<std::string> serving;  // the version detection serves after it
  bool switched = false;               // detection switched (to `serving`, or to none)
  std::vector<std::string> stopped;    // versions recorded STOPPED
};

class ServingController {
 public:
  // REQUIRES: every pointer outlives the controller.
  ServingController(model::ModelService* models, db::MetadataDb* metadata, params::ParameterStore* params,
                    SystemState* system, ServingTarget* target);
  ~ServingController();  // StopPolling()

  // Requests `version` to serve and reconciles; returns the version as recorded after
  // (RUNNING when it serves). Errors of the request or of loading it.
  Result<db::ModelVersion> StartVersion(const std::string& version);
  // Requests `version` to stop and reconciles; returns it as recorded after (STOPPED).
  Result<db::ModelVersion> StopVersion(const std::string& version);
  // Remembers that the training flow deploys `version`, trained on `trained_images`
  // images: previous_trained_images takes that value when the version starts serving.
  Status RecordDeploy(const std::string& version, int64_t trained_images);

  // Makes detection follow the requests in the database, then records the outcome (see
  // the header comment). Writes nothing when nothing changed. A version that cannot be
  // loaded goes back to TRAINING_COMPLETED with "Start failed: ..." and the error is
  // returned.
  Result<ServingChange> Reconcile();

  // Called (from the reconciling thread, no lock held) after detection switched.
  void SetSwitchListener(std::function<void(const ServingChange&)> listener);
  // Reconciles on a background thread every `poll_ms` and at each Wake().
  void StartPolling(int64_t poll_ms);
  void Wake();
  void StopPolling();  // idempotent

 private:
  // Detection serves `plan.target` (or nothing); `serving` is what it served before.
  Status Switch(const ServingPlan& plan, const std::optional<std::string>& serving);
  // For-System-Use-Only after a switch.
  Status RecordSystemState(const std::optional<std::string>& target);
  void PollLoop(int64_t poll_ms);

  model::ModelService* models_;
  db::MetadataDb* metadata_;
  params::ParameterStore* params_;
  SystemState* system_;
  ServingTarget* target_;

  std::mutex reconcile_mu_;  // one Reconcile at a time
  std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;     // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::function<void(const ServingChange&)> listener_;  // set before StartPolling
  std::thread poller_;
};

}  // namespace labelloop::flows
