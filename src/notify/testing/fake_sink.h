// FakeSink: a Sink for tests that records what it is given and answers as scripted (OK by
// default, a queue of results, or a standing failure such as a dead endpoint), and can be
// held blocked inside Deliver to prove nothing waits for it. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "notify/sink.h"

namespace labelloop::notify::testing {

class FakeSink final : public Sink {
 public:
  explicit FakeSink(std::string name) : name_(std::move(name)) {}

  std::string name() const override { return name_; }
  // Waits while blocked; then returns the next queued result, else the standing one.
  Status Deliver(const Notification& n) override;

  // Results for the next calls, in order.
  void QueueResults(std::vector<Status> results);
  // The result once the queue is empty (OK unless set).
  void SetStandingResult(Status result);
  // While blocked, Deliver waits (after counting the call) until Unblock.
  void Block();
  void Unblock();

  int calls() const;
  // The notifications of the calls that returned OK, in order.
  std::vector<Notification> delivered() const;
  // Waits (real time) until Deliver has been entered `count` times; false on timeout.
  bool WaitForCalls(int count, int timeout_ms) const;

 private:
  const std::string name_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::deque<Status> queued_;         // GUARDED_BY(mu_)
  Status standing_;                   // GUARDED_BY(mu_)
  bool blocked_ = false;              // GUARDED_BY(mu_)
  int calls_ = 0;                     // GUARDED_BY(mu_)
  std::vector<Notification> delivered_;  // GUARDED_BY(mu_)
};

}  // namespace labelloop::notify::testing
