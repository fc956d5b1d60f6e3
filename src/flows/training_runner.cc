#include "flows/training_runner.h"

#include <spdlog/spdlog.h>

namespace labelloop::flows {

TrainingRunner::~TrainingRunner() {
  std::map<std::string, std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& [name, thread] : threads) {
    if (thread.joinable()) thread.join();
  }
}

bool TrainingRunner::StartTraining(const std::string& version) {
  std::lock_guard lock(mu_);
  if (running_[version]) return false;
  running_[version] = true;
  if (auto old = threads_.find(version); old != threads_.end() && old->second.joinable()) old->second.join();
  threads_[version] = std::thread([this, version] {
    spdlog::info("training {} started", version);
    Status trained = models_->TrainVersion(version);
    if (trained.ok()) {
      spdlog::info("training {} completed", version);
    } else {
      spdlog::warn("training {} failed: {}", version, trained.ToString());
    }
    std::lock_guard lock(mu_);
    running_[version] = false;
  });
  return true;
}

bool TrainingRunner::IsTraining(const std::string& version) {
  std::lock_guard lock(mu_);
  auto it = running_.find(version);
  return it != running_.end() && it->second;
}

}  // namespace labelloop::flows
