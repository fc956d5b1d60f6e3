// Images wait for a model: the detection queue side of the detection branch. An image
// that arrives while no version serves, or while older images still wait, is queued as
// pending and detected later by DrainPending, oldest first, exactly once (it is logged
// under the request id it was queued with, and a logged request id is never detected
// again). Transient failures are retried with back-off (detection_retry.h); permanent
// ones stay in the queue as failed, with the reason.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "flows/detection_retry.h"
#include "flows/flow_tasks.h"

namespace labelloop::flows {
namespace {

Json PendingJson(const db::QueuedImage& image) {
  // below_threshold/review_enabled false: a state machine written before the queue
  // existed goes on to its "logged" state instead of failing on a missing field.
  return Json{{"request_id", image.request_id}, {"key", image.image_key}, {"pending", true},
              {"status", image.status}, {"reason", image.last_error}, {"attempts", image.attempts},
              {"below_threshold", false}, {"review_enabled", false}};
}

db::QueuedImage NewQueuedImage(const std::string& key, const std::string& request_id, std::string_view source,
                               std::string_view requested_by, int64_t now_ms, std::string_view status) {
  db::QueuedImage image;
  image.request_id = request_id;
  image.image_key = key;
  image.source = std::string(source);
  image.requested_by = std::string(requested_by);
  image.arrived_ms = now_ms;
  image.status = std::string(status);
  return image;
}

}  // namespace

Result<bool> FlowTasks::MustWait(bool behind_older) {
  if (!deps_.detection->version()) return true;
  if (!behind_older) return false;
  ASSIGN_OR_RETURN(std::vector<db::QueuedImage> due, deps_.detection_queue->ListDue(deps_.clock->NowMs(), 1));
  return !due.empty();
}

Result<Json> FlowTasks::Queue(const std::string& key, const std::string& request_id, std::string_view source,
                              std::string_view requested_by, const std::string& reason, int64_t attempts,
                              int64_t delay_ms) {
  db::QueuedImage image =
      NewQueuedImage(key, request_id, source, requested_by, deps_.clock->NowMs(), db::kQueuedPending);
  image.attempts = attempts;
  image.next_attempt_ms = image.arrived_ms + delay_ms;
  image.last_error = reason;
  ASSIGN_OR_RETURN(db::QueuedImage stored, deps_.detection_queue->Add(image));
  if (queued_listener_) queued_listener_();
  return PendingJson(stored);
}

Status FlowTasks::RecordFailure(const std::string& key, const std::string& request_id, std::string_view source,
                                std::string_view requested_by, const Status& error) {
  db::QueuedImage image =
      NewQueuedImage(key, request_id, source, requested_by, deps_.clock->NowMs(), db::kQueuedFailed);
  image.attempts = 1;
  image.last_error = error.ToString();
  if (Result<db::QueuedImage> added = deps_.detection_queue->Add(image); !added.ok()) {
    spdlog::error("failed detection of {} not recorded: {}", key, added.status().ToString());
  }
  return error;
}

Result<Json> FlowTasks::DetectOrQueue(const std::string& key, const std::string& request_id, std::string_view source,
                                      const std::string* bytes, std::string_view requested_by) {
  ASSIGN_OR_RETURN(std::optional<Json> logged, FindLogged(request_id));
  if (logged) return *logged;
  ASSIGN_OR_RETURN(std::optional<db::QueuedImage> queued, deps_.detection_queue->Find(request_id));
  if (queued && queued->status == db::kQueuedFailed) {
    return FailedPreconditionError(fmt::format("detection of {} failed: {}", key, queued->last_error));
  }
  if (queued) return PendingJson(*queued);
  // A synchronous API call is answered at once while a version serves; images from the
  // bucket keep their order behind older pending ones.
  ASSIGN_OR_RETURN(const bool wait, MustWait(source != db::kDetectionSourceApi));
  if (wait) return Queue(key, request_id, source, requested_by, std::string(kNoVersionServing), 0, 0);
  Result<std::string> read = bytes ? Result<std::string>(*bytes) : deps_.bucket->Get(key);
  Result<Json> detected = read.ok() ? DetectAndLog(key, *read, request_id, source, requested_by) : Result<Json>(read.status());
  if (detected.ok()) return detected;
  const Status& error = detected.status();
  if (IsNoVersionServing(error)) return Queue(key, request_id, source, requested_by, error.message(), 0, 0);
  if (IsTransientDetectionError(error)) return Queue(key, request_id, source, requested_by, error.ToString(), 1, RetryDelayMs(1));
  return RecordFailure(key, request_id, source, requested_by, error);
}

Status FlowTasks::DetectQueued(const db::QueuedImage& image) {
  Result<std::string> bytes = deps_.bucket->Get(image.image_key);
  Result<Json> detected =
      bytes.ok() ? DetectAndLog(image.image_key, *bytes, image.request_id, image.source, image.requested_by) : Result<Json>(bytes.status());
  Status outcome = detected.status();
  if (detected.ok()) outcome = ReviewIfUncertain(*detected).status();
  if (outcome.ok()) return deps_.detection_queue->Remove(image.request_id);
  if (IsNoVersionServing(outcome)) return outcome;
  const int64_t attempts = image.attempts + 1;
  if (IsTransientDetectionError(outcome)) {
    spdlog::warn("detection of {} failed (attempt {}), retried later: {}", image.image_key, attempts, outcome.ToString());
    return deps_.detection_queue->Reschedule(image.request_id, attempts, deps_.clock->NowMs() + RetryDelayMs(attempts),
                                             outcome.ToString());
  }
  spdlog::error("detection of {} failed: {}", image.image_key, outcome.ToString());
  return deps_.detection_queue->MarkFailed(image.request_id, attempts, outcome.ToString());
}

Result<int> FlowTasks::DrainPending(int limit) {
  if (!deps_.detection->version()) return 0;
  ASSIGN_OR_RETURN(std::vector<db::QueuedImage> due, deps_.detection_queue->ListDue(deps_.clock->NowMs(), limit));
  int done = 0;
  for (const db::QueuedImage& image : due) {
    Status status = DetectQueued(image);
    if (IsNoVersionServing(status)) break;  // stopped meanwhile: the rest waits for the next version
    RETURN_IF_ERROR(status);
    ++done;
  }
  return done;
}

}  // namespace labelloop::flows
