#include "http/detect_gate.h"

#include "common/metrics.h"

namespace labelloop::http {
namespace {

constexpr std::string_view kRunning = "labelloop_detect_running";
constexpr std::string_view kWaiting = "labelloop_detect_waiting";
constexpr std::string_view kRefused = "labelloop_detect_refused_total";

void Count(std::string_view gauge, int delta) { Metrics::Global().AddToGauge(gauge, {}, delta); }

void CountRefused(std::string_view reason) {
  Metrics::Global().Increment(kRefused, {{"reason", std::string(reason)}});
}

}  // namespace

void DeclareDetectGateMetrics() {
  static const bool declared = [] {
    Metrics& metrics = Metrics::Global();
    metrics.DeclareGauge(kRunning, "Detections running now (POST /api/v1/detect).");
    metrics.DeclareGauge(kWaiting, "Detect requests waiting for a turn.");
    metrics.DeclareCounter(kRefused, "Detect requests answered 503: the queue was full (queue_full) or the wait "
                                     "for a turn ran out (wait_expired).");
    // Zero samples, so a scrape shows every series before the first detection.
    metrics.AddToGauge(kRunning, {}, 0);
    metrics.AddToGauge(kWaiting, {}, 0);
    for (const char* reason : {"queue_full", "wait_expired"}) metrics.Increment(kRefused, {{"reason", reason}}, 0);
    return true;
  }();
  (void)declared;
}

bool DetectGate::HasRoom() {
  DeclareDetectGateMetrics();
  std::lock_guard lock(mu_);
  const bool room = running_ < max_running_ || waiting_ < max_waiting_;
  if (!room) CountRefused("queue_full");
  return room;
}

bool DetectGate::Enter(std::chrono::milliseconds wait) {
  DeclareDetectGateMetrics();
  std::unique_lock lock(mu_);
  if (running_ < max_running_ && waiting_ == 0) {
    ++running_;
    Count(kRunning, 1);
    return true;
  }
  if (waiting_ >= max_waiting_) {
    CountRefused("queue_full");
    return false;
  }
  ++waiting_;
  Count(kWaiting, 1);
  const bool turn = turn_.wait_for(lock, wait, [this] { return running_ < max_running_; });
  --waiting_;
  Count(kWaiting, -1);
  if (!turn) {
    CountRefused("wait_expired");
    return false;
  }
  ++running_;
  Count(kRunning, 1);
  return true;
}

void DetectGate::Leave() {
  {
    std::lock_guard lock(mu_);
    --running_;
    Count(kRunning, -1);
  }
  turn_.notify_one();
}

}  // namespace labelloop::http
