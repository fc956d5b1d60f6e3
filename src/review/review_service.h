// ReviewService: review tasks for people (low-confidence detections and samples): create,
// claim with a time-limited hold, answer (majority of N reviewers), stop, expire, and write
// each completed task's output.json exactly once under a deterministic key. Thread-safe:
// state lives in ReviewDb, updated by compare-and-set, so several services may share it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/detection_db.h"
#include "db/review_db.h"
#include "store/object_store.h"

namespace labelloop::review {

inline constexpr std::string_view kSourceLowConfidence = "low-confidence", kSourceSampling = "sampling";
inline constexpr size_t kMaxReviewerBytes = 128;

struct ReviewInput {
  std::string image_key;
  std::string detection_request_id;
  std::string source;  // kSourceLowConfidence or kSourceSampling
  std::string model_label;
  double model_confidence_pct = 0;
  std::vector<std::string> candidate_labels;  // the current training labels
};

struct ReviewOptions {
  int reviews_per_task = 1;                      // >= 1
  int64_t claim_hold_ms = 5 * 60 * 1000;         // an opened task is held this long
  int64_t lifetime_ms = 7 * 24 * 3600 * 1000LL;  // then an unfinished task expires
  std::string flow_name = "labelloop-review";    // the <flow> folder of output.json
  // The share (0-1) of low-confidence tasks queued at a random place rather than by
  // informativeness, so their answers measure quality without the ranking's bias
  // (review_priority.h).
  double random_share = 0.2;
};

class ReviewService {
 public:
  // None of the pointers may be null; all must outlive the service.
  ReviewService(db::ReviewDb* reviews, db::DetectionDb* detections, store::ObjectStore* bucket, const Clock* clock,
                ReviewOptions options = {});

  // A new InProgress task named "review-<yyyymmddThhmmss>-<8 hex>", recorded on the
  // detection, placed in the queue by its detection's labels (PlaceInQueue). Idempotent per (detection_request_id, source): returns the existing task.
  // InvalidArgument for a bad input (unknown source, bad key or label, confidence outside
  // 0-100); NotFound when the detection is not in the detection log.
  Result<db::ReviewTask> CreateTask(const ReviewInput& input);
  // Status, source, page cursor/limit; the page carries the total count.
  Result<db::ReviewTaskPage> ListTasks(const db::ReviewFilter& filter);
  // NotFound when absent.
  Result<db::ReviewTask> GetTask(std::string_view task_name);
  // Holds the task for `reviewer` for claim_hold_ms (again if they hold it already).
  // FailedPrecondition when another reviewer holds it, it is not InProgress, it expired, or
  // the reviewer answered it already.
  Result<db::ReviewTask> Claim(std::string_view task_name, std::string_view reviewer);
  // Claims the first task in queue order (highest priority, then oldest) that `reviewer`
  // may take (one they hold comes first); nullopt when none.
  Result<std::optional<db::ReviewTask>> ClaimNext(std::string_view reviewer);
  // Records the reviewer's answer (`label` empty = "None of the Above") and releases the
  // hold. With reviews_per_task answers the majority completes the task (a tie asks for one
  // more reviewer); on completion writes output.json (deterministic key, idempotent write)
  // and returns the task with output_key set, and records the answer on the detection.
  // InvalidArgument for a bad label name or reviewer; AlreadyExists when the reviewer answered
  // already; FailedPrecondition when someone else holds it or it is not InProgress (or
  // expired). If the answer is stored but writing output.json fails, returns that error;
  // ExpireDue writes it later (see WriteMissingOutputs).
  Result<db::ReviewTask> Answer(std::string_view task_name, std::string_view reviewer,
                                std::optional<std::string> label);
  // Gives the task back to the queue (skip). FailedPrecondition unless `reviewer` holds it.
  Status Release(std::string_view task_name, std::string_view reviewer);
  // Stops an InProgress task (OK if already Stopped). FailedPrecondition when it is Completed
  // or Expired.
  Status Stop(std::string_view task_name);
  // Marks every InProgress task past its lifetime Expired and returns them (the caller
  // notifies). Also retries any output.json that could not be written (errors logged).
  Result<std::vector<db::ReviewTask>> ExpireDue();
  // Tasks a reviewer could open now.
  Result<int64_t> CountAvailable();
  // Whether `reviewer` may still answer some task on `image_key` (so may see the image).
  Result<bool> MayReadImage(std::string_view reviewer, std::string_view image_key);
  // Writes the output.json of Completed tasks that lack it; returns how many were written.
  Result<int> WriteMissingOutputs();

 private:
  // Loads the task, applies `change` (which may refuse), stores it by compare-and-set with
  // `answer`; retries on a concurrent change. Returns the stored task.
  template <typename Change>
  Result<db::ReviewTask> Update(std::string_view task_name, Change&& change);
  // Writes output.json of a Completed task and marks it written.
  Result<db::ReviewTask> WriteOutput(db::ReviewTask task);
  std::string NewTaskName();

  db::ReviewDb* const reviews_;
  db::DetectionDb* const detections_;
  store::ObjectStore* const bucket_;
  const Clock* const clock_;
  const ReviewOptions options_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // GUARDED_BY(rng_mu_)
};

}  // namespace labelloop::review
