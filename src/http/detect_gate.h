// DetectGate: how many detections run at once, and how many may wait for a turn. A
// detection holds an image and a detector's working memory, so running them all at once
// would let a few clients exhaust memory; waiting is bounded too, in number and in time,
// and the caller answers 503 with Retry-After when the gate says no. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace labelloop::http {

class DetectGate {
 public:
  // REQUIRES: running >= 1, waiting >= 0.
  DetectGate(int running, int waiting) : max_running_(running), max_waiting_(waiting) {}

  // True when a new request could queue now (checked from the headers, before a body
  // is read, so a full queue costs the client no upload).
  bool HasRoom();

  // Waits up to `wait` for a turn. true: the caller runs and must call Leave() after.
  // false: the queue was full or the wait ran out.
  bool Enter(std::chrono::milliseconds wait);
  void Leave();

 private:
  const int max_running_;
  const int max_waiting_;
  std::mutex mu_;
  std::condition_variable turn_;
  int running_ = 0;  // GUARDED_BY(mu_)
  int waiting_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace labelloop::http
