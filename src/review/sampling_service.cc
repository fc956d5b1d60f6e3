#include "review/sampling_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

namespace labelloop::review {
namespace {

constexpr int kBatch = 1000;
constexpr double kZ95 = 1.959963984540054;

}  // namespace

std::pair<double, double> WilsonInterval95(int64_t successes, int64_t trials) {
  if (trials <= 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = kZ95 * kZ95;
  const double denominator = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denominator;
  const double half = kZ95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

SamplingService::SamplingService(db::DetectionDb* detections, db::ReviewDb* reviews, const Clock* clock)
    : detections_(detections), reviews_(reviews), clock_(clock) {}

Result<std::vector<db::Detection>> SamplingService::SampleDue(int64_t interval) {
  if (interval < 1) {
    return InvalidArgumentError(fmt::format("Human-Sampling-Interval must be at least 1 (is {})", interval));
  }
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(db::SamplingCursor cursor, reviews_->ReadSamplingCursor());
  // Picks of a run that stopped before marking them (see below) come first.
  std::vector<std::string> picks = cursor.pending_request_ids;
  const size_t recovered = picks.size();
  std::vector<db::Detection> sampled;
  const int64_t start_sequence_id = cursor.after_sequence_id;
  while (true) {
    ASSIGN_OR_RETURN(const std::vector<db::Detection> batch,
                     detections_->ListUnsampledSince(cursor.after_sequence_id, kBatch));
    for (const db::Detection& d : batch) {
      cursor.after_sequence_id = d.sequence_id;
      if (++cursor.counted >= interval) {
        cursor.counted = 0;
        picks.push_back(d.request_id);
        sampled.push_back(d);
        sampled.back().sampled = true;
      }
    }
    if (static_cast<int>(batch.size()) < kBatch) break;
  }
  if (picks.empty()) {
    if (cursor.after_sequence_id != start_sequence_id) RETURN_IF_ERROR(reviews_->WriteSamplingCursor(cursor));
    return sampled;
  }
  // Three steps, each safe to repeat: remember the picks with the advanced cursor, mark
  // them, forget them. A crash in between leaves them pending for the next run.
  cursor.pending_request_ids = picks;
  RETURN_IF_ERROR(reviews_->WriteSamplingCursor(cursor));
  RETURN_IF_ERROR(detections_->MarkSampled(picks));
  std::vector<db::Detection> result;
  for (size_t i = 0; i < recovered; ++i) {
    ASSIGN_OR_RETURN(db::Detection d, detections_->Get(picks[i]));
    result.push_back(std::move(d));
  }
  for (db::Detection& d : sampled) result.push_back(std::move(d));
  cursor.pending_request_ids.clear();
  RETURN_IF_ERROR(reviews_->WriteSamplingCursor(cursor));
  if (recovered > 0) spdlog::info("sampling: {} detections picked by an interrupted run recovered", recovered);
  return result;
}

Status SamplingService::ResetCursor() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(db::SamplingCursor cursor, reviews_->ReadSamplingCursor());
  ASSIGN_OR_RETURN(cursor.after_sequence_id, detections_->LastSequenceId());
  cursor.counted = 0;
  cursor.reset_ms = clock_->NowMs();  // pending picks stay: they were due before the reset
  return reviews_->WriteSamplingCursor(cursor);
}

Result<std::vector<AgreementStats>> SamplingService::Agreement() {
  ASSIGN_OR_RETURN(const std::vector<db::SampledAgreementCount> counts, detections_->CountSampledAgreement());
  std::vector<AgreementStats> out;
  for (const db::SampledAgreementCount& c : counts) {
    AgreementStats s;
    s.model_version = c.model_version;
    s.count = c.reviewed;
    s.agreeing = c.agreeing;
    s.rate = c.reviewed > 0 ? static_cast<double>(c.agreeing) / static_cast<double>(c.reviewed) : 0.0;
    std::tie(s.ci_low, s.ci_high) = WilsonInterval95(c.agreeing, c.reviewed);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace labelloop::review
