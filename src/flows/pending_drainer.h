// PendingDrainer: the background thread that detects queued images (FlowTasks::
// DrainPending) as soon as a version serves: woken when detection switches and when an
// image is queued, and every few seconds (and at the next retry time) besides. One
// thread, so pending images are detected one at a time, oldest first. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "db/detection_queue_db.h"
#include "flows/flow_tasks.h"

namespace labelloop::flows {

class PendingDrainer {
 public:
  // REQUIRES: tasks, queue and clock outlive the drainer.
  PendingDrainer(FlowTasks* tasks, db::DetectionQueueDb* queue, const Clock* clock, int64_t max_sleep_ms = 5'000)
      : tasks_(tasks), queue_(queue), clock_(clock), max_sleep_ms_(max_sleep_ms) {}
  ~PendingDrainer();  // Stop()

  void Start();
  void Wake();
  void Stop();  // lets the image being detected finish; idempotent

 private:
  void Loop();
  // How long to sleep when nothing is due: until the next retry, at most max_sleep_ms_.
  int64_t SleepMs();

  FlowTasks* tasks_;
  db::DetectionQueueDb* queue_;
  const Clock* clock_;
  const int64_t max_sleep_ms_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;     // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace labelloop::flows
