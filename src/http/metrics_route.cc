// GET /metrics: the Prometheus text format. The process's counters and histograms
// (common/metrics.h: HTTP requests, detection latency) plus figures read from the
// database at scrape time: detections by version and label, queue depths (events,
// executions, deliveries, review tasks by status), trainings by outcome and their
// durations, model versions by status, images waiting for detection or failed for good,
// and model/human agreement per version. The detect queue's figures (running, waiting,
// refused) are kept by the DetectGate.
// Any API token or session may read it; no credentials are needed when
// ServerOptions::metrics_open is set (the route's Access says so, authenticator.cc obeys).
#include <fmt/format.h>

#include "common/metrics.h"
#include "db/detection_queue_db.h"
#include "db/metadata_db.h"
#include "db/stats_db.h"
#include "http/call_util.h"
#include "http/detect_gate.h"
#include "http/handlers.h"
#include "http/request_observer.h"
#include "review/sampling_service.h"

namespace labelloop::http {
namespace {

void WriteByStatus(PrometheusText& out, std::string_view name, std::string_view help,
                   const std::map<std::string, int64_t>& counts) {
  out.Family(name, "gauge", help);
  for (const auto& [status, count] : counts) out.Sample(name, {{"status", status}}, double(count));
}

Status WriteStoreCounts(PrometheusText& out, db::StatsDb& stats) {
  ASSIGN_OR_RETURN(db::StoreCounts counts, stats.ReadCounts());
  out.Family("labelloop_detections_total", "counter", "Detections logged, by model version and top label.");
  for (const auto& [key, count] : counts.detections) {
    out.Sample("labelloop_detections_total", {{"version", key.first}, {"label", key.second}}, double(count));
  }
  WriteByStatus(out, "labelloop_events", "Queued events by status (pending: not yet an execution).",
                counts.events_by_status);
  WriteByStatus(out, "labelloop_executions", "Workflow executions by status.", counts.executions_by_status);
  WriteByStatus(out, "labelloop_deliveries", "Notification deliveries by status.", counts.deliveries_by_status);
  WriteByStatus(out, "labelloop_review_tasks", "Review tasks by status.", counts.review_tasks_by_status);
  return OkStatus();
}

// Trainings and their durations, from the model versions (a histogram over every training
// that ended, so it survives restarts).
Status WriteTrainings(PrometheusText& out, db::MetadataDb& metadata) {
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> versions, metadata.ListModelVersions());
  std::map<std::string, int64_t> by_status;
  std::map<std::string, int64_t> outcomes = {{"completed", 0}, {"failed", 0}};
  static const std::vector<double> kBounds = {10, 30, 60, 120, 300, 600, 1800, 3600};
  std::vector<int64_t> buckets(kBounds.size(), 0);
  int64_t finished = 0;
  double sum_seconds = 0;
  for (const db::ModelVersion& v : versions) {
    ++by_status[v.status];
    if (!v.finished_ms) continue;
    ++outcomes[v.status == db::kTrainingFailed ? "failed" : "completed"];
    const double seconds = double(*v.finished_ms - v.created_ms) / 1000.0;
    for (size_t i = 0; i < kBounds.size(); ++i) {
      if (seconds <= kBounds[i]) ++buckets[i];
    }
    ++finished;
    sum_seconds += seconds;
  }
  out.Family("labelloop_trainings_total", "counter", "Trainings that ended, by outcome.");
  for (const auto& [outcome, count] : outcomes) out.Sample("labelloop_trainings_total", {{"outcome", outcome}}, double(count));
  out.Family("labelloop_training_duration_seconds", "histogram", "Time from a version's creation to its training's end.");
  for (size_t i = 0; i < kBounds.size(); ++i) {
    out.Sample("labelloop_training_duration_seconds_bucket", {{"le", fmt::format("{}", kBounds[i])}}, double(buckets[i]));
  }
  out.Sample("labelloop_training_duration_seconds_bucket", {{"le", "+Inf"}}, double(finished));
  out.Sample("labelloop_training_duration_seconds_sum", {}, sum_seconds);
  out.Sample("labelloop_training_duration_seconds_count", {}, double(finished));
  WriteByStatus(out, "labelloop_model_versions", "Model versions by status.", by_status);
  return OkStatus();
}

// Images not in the detection log: waiting for a version to serve, or failed for good.
Status WriteDetectionQueue(PrometheusText& out, db::DetectionQueueDb& queue) {
  std::map<std::string, int64_t> counts;
  for (std::string_view status : {db::kQueuedPending, db::kQueuedFailed}) {
    ASSIGN_OR_RETURN(counts[std::string(status)], queue.Count(status));
  }
  WriteByStatus(out, "labelloop_detection_queue",
                "Images waiting for detection (pending: no version served or it failed for now) or failed for good.",
                counts);
  return OkStatus();
}

Status WriteAgreement(PrometheusText& out, review::SamplingService& sampling) {
  ASSIGN_OR_RETURN(auto stats, sampling.Agreement());
  out.Family("labelloop_agreement_rate", "gauge", "Share of sampled detections where the reviewer agreed with the model.");
  for (const auto& s : stats) out.Sample("labelloop_agreement_rate", {{"version", s.model_version}}, s.rate);
  out.Family("labelloop_agreement_reviewed", "gauge", "Sampled detections reviewed, per model version.");
  for (const auto& s : stats) out.Sample("labelloop_agreement_reviewed", {{"version", s.model_version}}, double(s.count));
  return OkStatus();
}

}  // namespace

Status HandleMetrics(Call& call) {
  DeclareHttpMetrics();
  DeclareDetectGateMetrics();
  PrometheusText out;
  Metrics::Global().Render(out);
  if (call.deps.stats != nullptr) RETURN_IF_ERROR(WriteStoreCounts(out, *call.deps.stats));
  if (call.deps.detection_queue != nullptr) RETURN_IF_ERROR(WriteDetectionQueue(out, *call.deps.detection_queue));
  if (call.deps.metadata != nullptr) RETURN_IF_ERROR(WriteTrainings(out, *call.deps.metadata));
  if (call.deps.sampling != nullptr) RETURN_IF_ERROR(WriteAgreement(out, *call.deps.sampling));
  call.response.status = 200;
  call.response.set_content(out.text(), "text/plain; version=0.0.4; charset=utf-8");
  return OkStatus();
}

}  // namespace labelloop::http
