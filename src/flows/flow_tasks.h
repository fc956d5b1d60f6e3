// FlowTasks: the task handlers of the four flows (training, detection, review, sampling)
// and the parameter branch, registered under the resource names that
// statemachines/default.json uses ("labelloop:check-training", ...). Handlers run at
// least once: every side effect is keyed on the task's idempotency key or is naturally
// idempotent (a copy to a fixed key, a status read), so a step re-run after a crash does
// not train a version twice or copy an image twice. Each step notifies (subject + JSON
// body) like the seed's e-mail topic. Thread-safe.
#pragma once

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
  FlowTasks(FlowDeps deps, FlowOptions options)
      : deps_(deps), options_(options), system_(deps.params), notices_(options.per_detection_notifications_per_minute) {}

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
  // {"labels", "version", "request_id"}.
  Result<Json> DetectUpload(const std::string& bytes, std::string_view filename, int max_results,
                            double min_confidence_pct, std::string_view actor);

  SystemState& system() { return system_; }

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
  // A low-confidence review task for a detection step's output, when review is enabled.
  Result<Json> ReviewIfUncertain(const Json& detection);
  // After a sampled answer: the drift signal for `version` (notified when agreement
  // crosses below the configured level; again only after it recovered).
  void CheckAgreement(const std::string& version);
  // Records that training on the image set `fingerprint` failed, so polls skip it.
  void RecordFailedImageSet(const std::string& fingerprint, const std::string& reason);

  FlowDeps deps_;
  FlowOptions options_;
  SystemState system_;
  notify::NoticeLimiter notices_;
};

// The value at `key` of a JSON object as a string: InvalidArgument naming the step when
// it is missing or not a string.
Result<std::string> RequireString(const Json& input, const char* key, std::string_view step);

}  // namespace labelloop::flows
