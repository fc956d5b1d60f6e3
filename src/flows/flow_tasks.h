// FlowTasks: the task handlers of the four flows (training, detection, review, sampling)
// and the parameter branch, registered under the resource names that
// statemachines/default.json uses ("labelloop:check-training", ...). Handlers run at
// least once: every side effect is keyed on the task's idempotency key or is naturally
// idempotent (a copy to a fixed key, a status read), so a step re-run after a crash does
// not train a version twice or copy an image twice. Each step notifies (subject + JSON
// body) like the seed's e-mail topic. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "flows/flow_deps.h"
#include "flows/system_state.h"
#include "notify/notice_limiter.h"
#include "review/review_output.h"
#include "workflow/task_context.h"
#include "workflow/task_registry.h"

namespace labelloop::flows {

using Json = nlohmann::json;

class FlowTasks {
 public:
  // deps.system null: a SystemState of its own over deps.params.
  FlowTasks(FlowDeps deps, FlowOptions options)
      : deps_(deps),
        options_(options),
        own_system_(deps.system ? nullptr : std::make_unique<SystemState>(deps.params)),
        system_(deps.system ? deps.system : own_system_.get()),
        notices_(options.per_detection_notifications_per_minute) {}

  // Registers every handler. AlreadyExists when one is registered twice.
  Status Register(workflow::TaskRegistry& registry);

  // Parameter branch.
  Result<Json> ApplyParameter(const Json& input, const workflow::TaskContext& context);
  // Training branch.
  Result<Json> CheckTraining(const Json& input, const workflow::TaskContext& context);
  Result<Json> CreateManifest(const Json& input, const workflow::TaskContext& context);
  Result<Json> CreateVersion(const Json& input, const workflow::TaskContext& context);
  Result<Json> TrainingStatus(const Json& input, const workflow::TaskContext& context);
  Result<Json> CheckF1(const Json& input, const workflow::TaskContext& context);
  Result<Json> StartVersion(const Json& input, const workflow::TaskContext& context);
  Result<Json> VersionStatus(const Json& input, const workflow::TaskContext& context);
  Result<Json> Deploy(const Json& input, const workflow::TaskContext& context);
  // Detection branch.
  Result<Json> Detect(const Json& input, const workflow::TaskContext& context);
  Result<Json> CreateReviewTask(const Json& input, const workflow::TaskContext& context);
  // Review-output branch.
  Result<Json> AddTrainingImage(const Json& input, const workflow::TaskContext& context);
  // Sampling branch.
  Result<Json> SampleDetections(const Json& input, const workflow::TaskContext& context);

  // The API's synchronous detection: stores the image under images_for_detection/api/
  // (marked handled, so the bucket watcher does not detect it again), detects, logs, and
  // creates a review task when the confidence is low; returns the API's JSON answer
  // {"status": "detected", "labels", "version", "request_id", ...}. While no version
  // serves (or older images wait), the image is queued instead and the answer is
  // {"status": "pending", "request_id", "image", "reason"}: it is detected later.
  Result<Json> DetectUpload(const std::string& bytes, std::string_view filename, int max_results,
                            double min_confidence_pct, std::string_view actor);

  // Detects the pending images that are due, oldest first, one at a time, while a
  // version serves (at most `limit`); each is logged under its request id, reviewed when
  // uncertain, and leaves the queue. Transient failures wait with back-off; permanent ones
  // fail with their reason. Returns how many left the queue.
  Result<int> DrainPending(int limit);
  // Called after an image is queued (the PendingDrainer's Wake).
  void SetQueuedListener(std::function<void()> listener) { queued_listener_ = std::move(listener); }

  SystemState& system() { return *system_; }

 private:
  // std::nullopt when the output.json at `key` is the one the server wrote
  // (review::VerifyReviewOutput), else why it is refused; an error only when the database fails.
  Result<std::optional<std::string>> TrustReviewOutput(const std::string& key,
                                                       const Result<review::ReviewOutput>& parsed);
  // The step's result for an untrusted output (copies nothing), notifying once per content.
  Result<Json> RefuseReviewOutput(const std::string& key, const std::string& text, const std::string& why,
                                  const workflow::TaskContext& context);
  // Publishes a notification; a failure to record it is logged, never fails the step.
  void Notify(const std::string& subject, Json body);
  // Notify for a notification made once per detection (`kind` "detection" or "review-task"),
  // within the per-minute budget (notify/notice_limiter.h); held-back ones are summed up in
  // one "... not notified one by one" notification before the next one sent.
  void NotifyPerDetection(std::string_view kind, const std::string& subject, Json body);
  // Detects the object `key` (its bytes given), logs the detection under `request_id`
  // (a re-run finds it logged) and returns the detection step's output.
  Result<Json> DetectAndLog(const std::string& key, const std::string& bytes, const std::string& request_id,
                            std::string_view source, std::string_view requested_by = "");
  // The detection step's output for `request_id` when it is logged already.
  Result<std::optional<Json>> FindLogged(const std::string& request_id);
  // Detects `key` under `request_id` unless it must wait: logged already (the logged
  // output), queued already (pending output, or its permanent error), no version serving
  // or, for images from the bucket, older images waiting (queued: pending output). A transient failure queues it for a
  // retry; a permanent one records it failed and is returned. `bytes` null: read from the
  // bucket. Outputs carry "pending" (true/false).
  Result<Json> DetectOrQueue(const std::string& key, const std::string& request_id, std::string_view source,
                             const std::string* bytes, std::string_view requested_by = "");
  // True while an image must queue: no version serves, or (`behind_older`) queued images
  // are due.
  Result<bool> MustWait(bool behind_older);
  // Queues `key` as pending (attempts failed so far, next attempt after `delay_ms`).
  Result<Json> Queue(const std::string& key, const std::string& request_id, std::string_view source,
                     std::string_view requested_by, const std::string& reason, int64_t attempts, int64_t delay_ms);
  // Records a permanent failure (queued as failed) and returns `error`.
  Status RecordFailure(const std::string& key, const std::string& request_id, std::string_view source,
                       std::string_view requested_by, const Status& error);
  // Detects one due queued image; OK when it left the queue or was rescheduled or failed;
  // FailedPrecondition (kNoVersionServing) when no version serves any more.
  Status DetectQueued(const db::QueuedImage& image);
  // A low-confidence review task for a detection step's output, when review is enabled.
  Result<Json> ReviewIfUncertain(const Json& detection);
  // After a sampled answer: the drift signal for `version` (notified when agreement
  // crosses below the configured level; again only after it recovered).
  void CheckAgreement(const std::string& version);
  // Records that training on the image set `fingerprint` failed, so polls skip it.
  void RecordFailedImageSet(const std::string& fingerprint, const std::string& reason);

  FlowDeps deps_;
  FlowOptions options_;
  std::unique_ptr<SystemState> own_system_;
  SystemState* system_;  // one per process: its mutex serialises For-System-Use-Only updates
  std::function<void()> queued_listener_;
  notify::NoticeLimiter notices_;
};

// The value at `key` of a JSON object as a string: InvalidArgument naming the step when
// it is missing or not a string.
Result<std::string> RequireString(const Json& input, const char* key, std::string_view step);

}  // namespace labelloop::flows
