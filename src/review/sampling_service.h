// SamplingService: human sampling for quality control. Every interval-th detection since
// sampling was enabled (or since the last sample) is marked sampled; the cursor lives in
// ReviewDb so a restart continues the count and a crash mid-run loses no sample. Reports
// how often humans agree with the model per version. Thread-safe (one mutex per call).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/detection_db.h"
#include "db/review_db.h"

namespace labelloop::review {

struct AgreementStats {
  std::string model_version;
  int64_t count = 0;     // sampled detections with a human answer
  int64_t agreeing = 0;  // human label == model top label ("None of the Above" = no label)
  double rate = 0;       // agreeing / count; 0 when count is 0
  double ci_low = 0;     // Wilson score interval, 95%, as fractions 0..1
  double ci_high = 1;
};

// Wilson score interval (95%, z = 1.96) of `successes` out of `trials`; (0, 1) for 0 trials.
// REQUIRES: 0 <= successes <= trials.
std::pair<double, double> WilsonInterval95(int64_t successes, int64_t trials);

class SamplingService {
 public:
  // The pointers must outlive the service.
  SamplingService(db::DetectionDb* detections, db::ReviewDb* reviews, const Clock* clock);

  // Every `interval`-th detection since sampling was enabled (or since the last sample) is
  // marked sampled; returns the newly sampled detections (the caller creates `sampling`
  // review tasks; CreateTask is idempotent, so a detection returned twice after a crash is
  // harmless). InvalidArgument when interval < 1.
  Result<std::vector<db::Detection>> SampleDue(int64_t interval);
  // Called when Enable-Automatic-Human-Sampling turns on: counting restarts now (detections
  // logged before are never sampled).
  Status ResetCursor();
  // Agreement between model and human on sampled detections, per model version (by name):
  // count, agreeing, rate, Wilson 95% CI.
  Result<std::vector<AgreementStats>> Agreement();

 private:
  db::DetectionDb* const detections_;
  db::ReviewDb* const reviews_;
  const Clock* const clock_;
  std::mutex mu_;  // one sampling run at a time in this process
};

}  // namespace labelloop::review
