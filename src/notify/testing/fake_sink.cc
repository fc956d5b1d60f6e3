#include "notify/testing/fake_sink.h"

#include <chrono>

namespace labelloop::notify::testing {

Status FakeSink::Deliver(const Notification& n) {
  std::unique_lock lock(mu_);
  ++calls_;
  changed_.notify_all();
  changed_.wait(lock, [&] { return !blocked_; });
  Status result = standing_;
  if (!queued_.empty()) {
    result = queued_.front();
    queued_.pop_front();
  }
  if (result.ok()) delivered_.push_back(n);
  return result;
}

void FakeSink::QueueResults(std::vector<Status> results) {
  std::lock_guard lock(mu_);
  queued_.insert(queued_.end(), results.begin(), results.end());
}

void FakeSink::SetStandingResult(Status result) {
  std::lock_guard lock(mu_);
  standing_ = std::move(result);
}

void FakeSink::Block() {
  std::lock_guard lock(mu_);
  blocked_ = true;
}

void FakeSink::Unblock() {
  {
    std::lock_guard lock(mu_);
    blocked_ = false;
  }
  changed_.notify_all();
}

int FakeSink::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::vector<Notification> FakeSink::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

bool FakeSink::WaitForCalls(int count, int timeout_ms) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return calls_ >= count; });
}

}  // namespace labelloop::notify::testing
