#include "http/detect_gate.h"

namespace labelloop::http {

bool DetectGate::HasRoom() {
  std::lock_guard lock(mu_);
  return running_ < max_running_ || waiting_ < max_waiting_;
}

bool DetectGate::Enter(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (running_ < max_running_ && waiting_ == 0) {
    ++running_;
    return true;
  }
  if (waiting_ >= max_waiting_) return false;
  ++waiting_;
  const bool turn = turn_.wait_for(lock, wait, [this] { return running_ < max_running_; });
  --waiting_;
  if (!turn) return false;
  ++running_;
  return true;
}

void DetectGate::Leave() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  turn_.notify_one();
}

}  // namespace labelloop::http
