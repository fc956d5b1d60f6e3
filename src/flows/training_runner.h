// TrainingRunner: trains model versions on background threads, so a workflow step that
// starts a training returns at once and a Wait/status loop follows it (as the seed's
// custom-labels training does). A version trains at most once at a time in this process.
// A training left unfinished by a crash is found orphaned by ModelService and started
// again here (same version, same manifest). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "model/model_service.h"

namespace labelloop::flows {

class TrainingRunner {
 public:
  explicit TrainingRunner(model::ModelService* models) : models_(models) {}
  // Waits for running trainings (the server's shutdown stops the engine first).
  ~TrainingRunner();

  // Starts TrainVersion(version) on a new thread unless it is already training here.
  // Returns true when this call started it.
  bool StartTraining(const std::string& version);
  bool IsTraining(const std::string& version);

 private:
  model::ModelService* models_;
  std::mutex mu_;
  std::map<std::string, std::thread> threads_;  // GUARDED_BY(mu_); joined in the destructor
  std::map<std::string, bool> running_;         // GUARDED_BY(mu_)
};

}  // namespace labelloop::flows
