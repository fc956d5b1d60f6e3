// ReviewDb: review tasks, their answers (one per reviewer per task) and the sampling cursor.
// Business rules live in review::ReviewService; this layer stores, queries and guards
// concurrent updates with a revision number (compare-and-set), so several processes can share
// one queue. Thread-safe; returns Status, never throws.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

// Review task statuses (the seed's human-loop statuses).
inline constexpr std::string_view kReviewInProgress = "InProgress";
inline constexpr std::string_view kReviewCompleted = "Completed";
inline constexpr std::string_view kReviewStopped = "Stopped";
inline constexpr std::string_view kReviewExpired = "Expired";

inline constexpr int kMaxReviewPageSize = 1000;

struct ReviewAnswer {
  std::string reviewer;
  std::optional<std::string> label;  // empty = "None of the Above"
  int64_t submitted_ms = 0;

  bool operator==(const ReviewAnswer&) const = default;
};

struct ReviewTask {
  std::string name;                  // unique, URL-safe
  std::string status;                // one of the statuses above
  std::string source;                // "low-confidence" or "sampling"
  std::string image_key;
  std::string detection_request_id;  // (detection_request_id, source) is unique
  std::string model_label;
  double model_confidence_pct = 0;
  std::vector<std::string> candidate_labels;
  int reviews_required = 1;          // answers needed; grows by one on a tie
  int64_t created_ms = 0;
  int64_t expires_ms = 0;            // end of availability
  std::optional<std::string> claimed_by;
  std::optional<int64_t> claim_expires_ms;  // the hold ends here; then the task is back in the queue
  std::vector<ReviewAnswer> answers;        // in submission order (read-only here: see UpdateTask)
  std::optional<std::string> final_label;   // Completed: the majority; empty = "None of the Above"
  std::optional<double> agreement;          // Completed: fraction of answers equal to final_label
  std::optional<int64_t> completed_ms;      // completion, stop or expiry time
  std::string output_key;                   // Completed: key of output.json
  bool output_written = false;              // output.json is in the bucket
  int64_t revision = 0;                     // bumped by every update
  // The queue's order: higher priority (0-1) first, then oldest first. `selection` says why
  // the task has its priority (review::PlaceInQueue). Both fixed at creation.
  double priority = 0;
  std::string selection;

  bool operator==(const ReviewTask&) const = default;
};

// kNewestFirst: created_ms descending, then name descending. kQueue: the order reviewers
// are handed tasks: priority descending, then created_ms and name ascending.
enum class ReviewOrder { kNewestFirst, kQueue };

struct ReviewFilter {
  std::string status{};       // empty: any
  std::string source{};       // empty: any
  std::string page_cursor{};  // next_cursor of the previous page (same order); empty for the first
  int limit = 50;           // 1..kMaxReviewPageSize
  ReviewOrder order = ReviewOrder::kNewestFirst;
};

struct ReviewTaskPage {
  std::vector<ReviewTask> tasks;  // in the filter's order
  std::string next_cursor;        // empty on the last page
  int64_t total_count = 0;        // tasks matching status and source, all pages
};

// Where sampling has counted to: detections with sequence_id <= after_sequence_id are counted;
// `counted` of them since the last sample; `pending` were picked but maybe not yet marked.
struct SamplingCursor {
  int64_t after_sequence_id = 0;
  int64_t counted = 0;
  std::vector<std::string> pending_request_ids{};
  int64_t reset_ms = 0;

  bool operator==(const SamplingCursor&) const = default;
};

bool IsKnownReviewStatus(std::string_view status);

class ReviewDb {
 public:
  virtual ~ReviewDb() = default;

  // Stores a new task (its answers are ignored; revision starts at 1). AlreadyExists naming
  // the clash: the name, or the (detection_request_id, source) pair.
  virtual Status InsertTask(const ReviewTask& task) = 0;
  // NotFound when absent. With answers.
  virtual Result<ReviewTask> GetTask(std::string_view name) = 0;
  // The task of a detection from a source; std::nullopt when none.
  virtual Result<std::optional<ReviewTask>> FindTaskByDetection(std::string_view detection_request_id,
                                                               std::string_view source) = 0;
  // One page with answers. InvalidArgument for an unknown status, a bad cursor or limit.
  virtual Result<ReviewTaskPage> ListTasks(const ReviewFilter& filter) = 0;

  // Compare-and-set: writes the mutable fields of `task` (status, reviews_required, claim,
  // final_label, agreement, completed_ms, output_key, output_written) and appends
  // `new_answer` if given, atomically, when the stored revision is task.revision; bumps it.
  // NotFound when absent; FailedPrecondition ("changed concurrently") on a revision
  // mismatch (reload and retry); AlreadyExists when new_answer's reviewer answered already.
  virtual Status UpdateTask(const ReviewTask& task, const std::optional<ReviewAnswer>& new_answer) = 0;

  // The first InProgress task in queue order (ReviewOrder::kQueue), unexpired at now_ms,
  // that `reviewer` has not answered and nobody else holds (a task the reviewer holds comes
  // first). std::nullopt when none.
  virtual Result<std::optional<ReviewTask>> FindNextAvailable(std::string_view reviewer, int64_t now_ms) = 0;
  // InProgress tasks unexpired and not held at now_ms.
  virtual Result<int64_t> CountAvailable(int64_t now_ms) = 0;
  // Whether some task on `image_key` is available to `reviewer` at now_ms, by the rule of
  // FindNextAvailable (InProgress, unexpired, not held by another, not answered by them).
  virtual Result<bool> HasTaskAvailableFor(std::string_view image_key, std::string_view reviewer, int64_t now_ms) = 0;
  // Up to `limit` InProgress tasks with expires_ms <= now_ms, oldest first.
  virtual Result<std::vector<ReviewTask>> ListExpiredInProgress(int64_t now_ms, int limit) = 0;
  // Up to `limit` Completed tasks whose output.json is not written yet, oldest first.
  virtual Result<std::vector<ReviewTask>> ListUnwrittenOutputs(int limit) = 0;

  // The sampling cursor; all zero when never written.
  virtual Result<SamplingCursor> ReadSamplingCursor() = 0;
  virtual Status WriteSamplingCursor(const SamplingCursor& cursor) = 0;
};

// Opens the review tables in the SQLite database at `path` (":memory:": private, in memory)
// on its own connection, guarded by one mutex; applies pending migrations. `clock` stamps
// migrations and must outlive the database. Errors as OpenSqliteMetadataDb.
Result<std::unique_ptr<ReviewDb>> OpenSqliteReviewDb(const std::string& path,
                                                     const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
