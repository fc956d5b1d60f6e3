#include "flows/pending_drainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

namespace labelloop::flows {
namespace {

constexpr int kBatch = 8;  // images per pass, so Stop waits for a few detections at most

}  // namespace

PendingDrainer::~PendingDrainer() { Stop(); }

void PendingDrainer::Start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    woken_ = true;  // a first pass at once: images queued before a restart
  }
  thread_ = std::thread([this] { Loop(); });
}

void PendingDrainer::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void PendingDrainer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t PendingDrainer::SleepMs() {
  Result<std::optional<int64_t>> next = queue_->NextAttemptMs();
  if (!next.ok() || !*next) return max_sleep_ms_;
  return std::clamp(**next - clock_->NowMs(), int64_t{50}, max_sleep_ms_);
}

void PendingDrainer::Loop() {
  std::string last_error;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!woken_) {
      lock.unlock();
      const int64_t sleep_ms = SleepMs();
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [&] { return stopping_ || woken_; });
    }
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    Result<int> done = tasks_->DrainPending(kBatch);
    const std::string error = done.ok() ? "" : done.status().ToString();
    if (!error.empty() && error != last_error) spdlog::error("pending detections: {}", error);
    last_error = error;
    lock.lock();
    if (done.ok() && *done == kBatch) woken_ = true;  // more may be due: no sleep
  }
}

}  // namespace labelloop::flows
