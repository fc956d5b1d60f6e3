#include "review/review_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "review/review_output.h"
#include "review/review_priority.h"
#include "review/review_vote.h"
#include "store/object_keys.h"

namespace labelloop::review {
namespace {

// Attempts at a compare-and-set before giving up (each retry reloads the task).
constexpr int kMaxUpdateAttempts = 8;
constexpr int kSweepBatch = 100;

std::string LabelText(const std::optional<std::string>& label) {
  return label ? fmt::format("'{}'", *label) : "None of the Above";
}

Status CheckReviewer(std::string_view reviewer) {
  if (reviewer.empty() || reviewer.size() > kMaxReviewerBytes) {
    return InvalidArgumentError(
        fmt::format("reviewer name must be 1 to {} bytes long (is {})", kMaxReviewerBytes, reviewer.size()));
  }
  for (const char c : reviewer) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return InvalidArgumentError(fmt::format("reviewer name {} contains a control character",
                                              store::QuoteKey(reviewer)));
    }
  }
  return OkStatus();
}

Status CheckInput(const ReviewInput& in) {
  if (in.source != kSourceLowConfidence && in.source != kSourceSampling) {
    return InvalidArgumentError(fmt::format("review task source '{}' is neither '{}' nor '{}'", in.source,
                                            kSourceLowConfidence, kSourceSampling));
  }
  if (in.detection_request_id.empty() || in.detection_request_id.size() > db::kMaxRequestIdBytes) {
    return InvalidArgumentError(fmt::format("review task detection request id must be 1 to {} bytes (is {})",
                                            db::kMaxRequestIdBytes, in.detection_request_id.size()));
  }
  const std::string what = fmt::format("review task for detection '{}'", in.detection_request_id);
  RETURN_IF_ERROR(store::ValidateObjectKey(in.image_key).WithContext(what));
  if (!in.model_label.empty()) RETURN_IF_ERROR(store::ValidateLabelName(in.model_label).WithContext(what));
  if (!(in.model_confidence_pct >= 0 && in.model_confidence_pct <= 100)) {
    return InvalidArgumentError(
        fmt::format("{}: model confidence {} is outside 0-100", what, in.model_confidence_pct));
  }
  for (const std::string& label : in.candidate_labels) {
    RETURN_IF_ERROR(store::ValidateLabelName(label).WithContext(what + ": candidate labels"));
  }
  return OkStatus();
}

// REQUIRES: the task is InProgress. FailedPrecondition when its lifetime is over at now_ms.
Status CheckOpen(const db::ReviewTask& task, int64_t now_ms) {
  if (task.status != db::kReviewInProgress) {
    return FailedPreconditionError(fmt::format("review task '{}' is {}, no longer open", task.name, task.status));
  }
  if (now_ms >= task.expires_ms) {
    return FailedPreconditionError(fmt::format("review task '{}' expired at {}", task.name,
                                               FormatIso8601Utc(task.expires_ms)));
  }
  return OkStatus();
}

bool HasAnswered(const db::ReviewTask& task, std::string_view reviewer) {
  return std::any_of(task.answers.begin(), task.answers.end(),
                     [&](const db::ReviewAnswer& a) { return a.reviewer == reviewer; });
}

bool HeldByOther(const db::ReviewTask& task, std::string_view reviewer, int64_t now_ms) {
  return task.claimed_by && *task.claimed_by != reviewer && task.claim_expires_ms && *task.claim_expires_ms > now_ms;
}

Status HeldError(const db::ReviewTask& task) {
  return FailedPreconditionError(fmt::format("review task '{}' is held by '{}' until {}", task.name,
                                             task.claimed_by.value_or(""),
                                             FormatIso8601Utc(task.claim_expires_ms.value_or(0))));
}

void ClearClaim(db::ReviewTask& task) {
  task.claimed_by.reset();
  task.claim_expires_ms.reset();
}

// Every label's confidence from the detection log (detection logs every label); the top
// label alone if the log has no list.
std::vector<double> LabelConfidencesOf(const db::Detection& detection) {
  std::vector<double> confidences = LabelConfidences(detection.labels_json);
  if (confidences.empty() && !detection.top_label.empty()) confidences.push_back(detection.confidence_pct);
  return confidences;
}

}  // namespace

ReviewService::ReviewService(db::ReviewDb* reviews, db::DetectionDb* detections, store::ObjectStore* bucket,
                             const Clock* clock, ReviewOptions options)
    : reviews_(reviews),
      detections_(detections),
      bucket_(bucket),
      clock_(clock),
      options_(std::move(options)),
      rng_(std::random_device{}()) {}

std::string ReviewService::NewTaskName() {
  uint32_t suffix = 0;
  {
    std::lock_guard lock(rng_mu_);
    suffix = static_cast<uint32_t>(rng_());
  }
  return fmt::format("review-{}-{:08x}", FormatCompactUtc(clock_->NowMs()), suffix);
}

template <typename Change>
Result<db::ReviewTask> ReviewService::Update(std::string_view task_name, Change&& change) {
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    ASSIGN_OR_RETURN(db::ReviewTask task, reviews_->GetTask(task_name));
    std::optional<db::ReviewAnswer> answer;
    ASSIGN_OR_RETURN(const bool write, change(task, answer, clock_->NowMs()));
    if (!write) return task;
    const Status status = reviews_->UpdateTask(task, answer);
    if (status.code() == StatusCode::kFailedPrecondition) continue;  // changed concurrently: reload
    RETURN_IF_ERROR(status);
    return reviews_->GetTask(task_name);
  }
  return UnavailableError(
      fmt::format("review task '{}' kept changing under {} attempts; try again", task_name, kMaxUpdateAttempts));
}

Result<db::ReviewTask> ReviewService::CreateTask(const ReviewInput& input) {
  RETURN_IF_ERROR(CheckInput(input));
  ASSIGN_OR_RETURN(std::optional<db::ReviewTask> existing,
                   reviews_->FindTaskByDetection(input.detection_request_id, input.source));
  if (!existing) {
    // The detection must be logged first: its review state points at the task, and its
    // labels rank the task.
    const Result<db::Detection> detection = detections_->Get(input.detection_request_id);
    if (!detection.ok()) return detection.status().WithContext("creating a review task");
    const double informativeness = Informativeness(LabelConfidencesOf(*detection));
    const int64_t now_ms = clock_->NowMs();
    db::ReviewTask task;
    task.status = std::string(db::kReviewInProgress);
    task.source = input.source;
    task.image_key = input.image_key;
    task.detection_request_id = input.detection_request_id;
    task.model_label = input.model_label;
    task.model_confidence_pct = input.model_confidence_pct;
    task.candidate_labels = input.candidate_labels;
    task.reviews_required = std::max(1, options_.reviews_per_task);
    task.created_ms = now_ms;
    task.expires_ms = now_ms + options_.lifetime_ms;
    for (int attempt = 0; attempt < kMaxUpdateAttempts && !existing; ++attempt) {
      task.name = NewTaskName();
      const QueuePlace place = PlaceInQueue(task.name, task.source, informativeness, options_.random_share);
      task.priority = place.priority;
      task.selection = std::string(place.selection);
      const Status status = reviews_->InsertTask(task);
      if (status.ok()) {
        ASSIGN_OR_RETURN(db::ReviewTask stored, reviews_->GetTask(task.name));
        existing = std::move(stored);
      } else if (status.code() == StatusCode::kAlreadyExists) {
        // Either the name clashed (try another) or a concurrent create won (use its task).
        ASSIGN_OR_RETURN(existing, reviews_->FindTaskByDetection(input.detection_request_id, input.source));
      } else {
        return status;
      }
    }
    if (!existing) return InternalError("could not find a free review task name");
  }
  // Again for an existing task: a crash may have come between the insert and this.
  RETURN_IF_ERROR(detections_->SetReviewTask(existing->detection_request_id, existing->name));
  return *std::move(existing);
}

Result<db::ReviewTaskPage> ReviewService::ListTasks(const db::ReviewFilter& filter) {
  return reviews_->ListTasks(filter);
}

Result<db::ReviewTask> ReviewService::GetTask(std::string_view task_name) { return reviews_->GetTask(task_name); }

Result<db::ReviewTask> ReviewService::Claim(std::string_view task_name, std::string_view reviewer) {
  RETURN_IF_ERROR(CheckReviewer(reviewer));
  return Update(task_name, [&](db::ReviewTask& task, std::optional<db::ReviewAnswer>&, int64_t now_ms) -> Result<bool> {
    RETURN_IF_ERROR(CheckOpen(task, now_ms));
    if (HasAnswered(task, reviewer)) {
      return FailedPreconditionError(
          fmt::format("reviewer '{}' has already answered review task '{}'", reviewer, task.name));
    }
    if (HeldByOther(task, reviewer, now_ms)) return HeldError(task);
    task.claimed_by = std::string(reviewer);
    task.claim_expires_ms = now_ms + options_.claim_hold_ms;
    return true;
  });
}

Result<std::optional<db::ReviewTask>> ReviewService::ClaimNext(std::string_view reviewer) {
  RETURN_IF_ERROR(CheckReviewer(reviewer));
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<db::ReviewTask> next, reviews_->FindNextAvailable(reviewer, clock_->NowMs()));
    if (!next) return next;
    Result<db::ReviewTask> claimed = Claim(next->name, reviewer);
    if (claimed.ok()) return std::optional<db::ReviewTask>(*std::move(claimed));
    // Another reviewer took it between the query and the claim: look again.
    if (claimed.status().code() != StatusCode::kFailedPrecondition) return claimed.status();
  }
  return UnavailableError("the review queue kept changing; try again");
}

Result<db::ReviewTask> ReviewService::Answer(std::string_view task_name, std::string_view reviewer,
                                             std::optional<std::string> label) {
  RETURN_IF_ERROR(CheckReviewer(reviewer));
  if (label) {
    RETURN_IF_ERROR(store::ValidateLabelName(*label).WithContext(fmt::format("answer to review task '{}'", task_name)));
  }
  ASSIGN_OR_RETURN(
      db::ReviewTask task,
      Update(task_name, [&](db::ReviewTask& task, std::optional<db::ReviewAnswer>& answer, int64_t now_ms) -> Result<bool> {
        RETURN_IF_ERROR(CheckOpen(task, now_ms));
        if (HasAnswered(task, reviewer)) {
          return AlreadyExistsError(
              fmt::format("reviewer '{}' has already answered review task '{}'", reviewer, task.name));
        }
        if (HeldByOther(task, reviewer, now_ms)) return HeldError(task);
        answer = db::ReviewAnswer{std::string(reviewer), label, now_ms};
        ClearClaim(task);
        std::vector<db::ReviewAnswer> all = task.answers;
        all.push_back(*answer);
        if (static_cast<int>(all.size()) < task.reviews_required) return true;
        const VoteOutcome vote = TallyAnswers(all);
        if (!vote.decided) {
          task.reviews_required = static_cast<int>(all.size()) + 1;  // a tie: one more reviewer decides
          return true;
        }
        ASSIGN_OR_RETURN(task.output_key, store::HumanLoopOutputKey(options_.flow_name, now_ms, task.name));
        task.status = std::string(db::kReviewCompleted);
        task.final_label = vote.label;
        task.agreement = vote.agreement;
        task.completed_ms = now_ms;
        return true;
      }));
  if (task.status != db::kReviewCompleted) return task;
  spdlog::info("review task '{}' completed: {} (agreement {:.2f}, {} answers)", task.name,
               LabelText(task.final_label), task.agreement.value_or(0), task.answers.size());
  return WriteOutput(std::move(task));
}

Result<db::ReviewTask> ReviewService::WriteOutput(db::ReviewTask task) {
  if (task.output_written) return task;
  // The detection log learns the answer first (unless processing the output got there
  // already: it also records the copied training image, which must not be undone).
  Result<db::Detection> detection = detections_->Get(task.detection_request_id);
  if (detection.ok() && !detection->human_completed_ms) {
    RETURN_IF_ERROR(detections_->UpdateHumanAnswer(task.detection_request_id, task.final_label, std::nullopt,
                                                   task.completed_ms.value_or(0)));
  } else if (!detection.ok()) {
    if (detection.status().code() != StatusCode::kNotFound) return detection.status();
    spdlog::warn("review task '{}': {}; its answer is not recorded in the detection log", task.name,
                 detection.status().message());
  }
  ASSIGN_OR_RETURN(const std::string json, BuildReviewOutputJson(task, options_.flow_name));
  RETURN_IF_ERROR(bucket_->Put(task.output_key, json).status().WithContext(
      fmt::format("review task '{}': writing {} (the answer is stored; the next sweep retries)", task.name,
                  store::QuoteKey(task.output_key))));
  return Update(task.name, [](db::ReviewTask& t, std::optional<db::ReviewAnswer>&, int64_t) -> Result<bool> {
    if (t.output_written) return false;
    t.output_written = true;
    return true;
  });
}

Status ReviewService::Release(std::string_view task_name, std::string_view reviewer) {
  RETURN_IF_ERROR(CheckReviewer(reviewer));
  return Update(task_name, [&](db::ReviewTask& task, std::optional<db::ReviewAnswer>&, int64_t) -> Result<bool> {
           if (task.claimed_by != reviewer) {
             return FailedPreconditionError(
                 fmt::format("reviewer '{}' does not hold review task '{}'", reviewer, task.name));
           }
           ClearClaim(task);
           return true;
         })
      .status();
}

Status ReviewService::Stop(std::string_view task_name) {
  return Update(task_name, [&](db::ReviewTask& task, std::optional<db::ReviewAnswer>&, int64_t now_ms) -> Result<bool> {
           if (task.status == db::kReviewStopped) return false;
           if (task.status != db::kReviewInProgress) {
             return FailedPreconditionError(
                 fmt::format("review task '{}' is {}; only an InProgress task can be stopped", task.name, task.status));
           }
           task.status = std::string(db::kReviewStopped);
           task.completed_ms = now_ms;
           ClearClaim(task);
           return true;
         })
      .status();
}

Result<std::vector<db::ReviewTask>> ReviewService::ExpireDue() {
  std::vector<db::ReviewTask> expired;
  while (true) {
    ASSIGN_OR_RETURN(const std::vector<db::ReviewTask> due,
                     reviews_->ListExpiredInProgress(clock_->NowMs(), kSweepBatch));
    size_t changed_in_batch = 0;
    for (const db::ReviewTask& candidate : due) {
      bool changed = false;
      ASSIGN_OR_RETURN(
          db::ReviewTask task,
          Update(candidate.name, [&](db::ReviewTask& t, std::optional<db::ReviewAnswer>&, int64_t now_ms) -> Result<bool> {
            // Answered or stopped in the meantime: not ours to expire.
            if (t.status != db::kReviewInProgress || now_ms < t.expires_ms) return false;
            t.status = std::string(db::kReviewExpired);
            t.completed_ms = now_ms;
            ClearClaim(t);
            changed = true;
            return true;
          }));
      if (changed) {
        expired.push_back(std::move(task));
        ++changed_in_batch;
      }
    }
    // A full batch may hide more; but a batch that changed nothing would repeat forever.
    if (static_cast<int>(due.size()) < kSweepBatch || changed_in_batch == 0) break;
  }
  if (Result<int> written = WriteMissingOutputs(); !written.ok()) {
    spdlog::error("review sweep: writing missing output.json files failed: {}", written.status().ToString());
  }
  return expired;
}

Result<int64_t> ReviewService::CountAvailable() { return reviews_->CountAvailable(clock_->NowMs()); }

Result<bool> ReviewService::MayReadImage(std::string_view reviewer, std::string_view image_key) {
  return reviews_->HasTaskAvailableFor(image_key, reviewer, clock_->NowMs());
}

Result<int> ReviewService::WriteMissingOutputs() {
  ASSIGN_OR_RETURN(const std::vector<db::ReviewTask> pending, reviews_->ListUnwrittenOutputs(kSweepBatch));
  int written = 0;
  Status first_error;
  for (const db::ReviewTask& task : pending) {
    Result<db::ReviewTask> result = WriteOutput(task);
    if (result.ok()) {
      ++written;
    } else {
      spdlog::warn("review task '{}': output.json not written: {}", task.name, result.status().ToString());
      if (first_error.ok()) first_error = result.status();
    }
  }
  if (!first_error.ok()) return first_error;
  return written;
}

}  // namespace labelloop::review
