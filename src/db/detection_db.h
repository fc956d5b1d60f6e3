// DetectionDb: the detection log, one row per detection (request_id unique), with the human
// answer once a review task completes. Invariant: sequence_id grows with each insert, so
// sampling can count detections "since" a point. Thread-safe; returns Status, never throws.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

// Where a detection came from.
inline constexpr std::string_view kDetectionSourceEvent = "event";  // an object in images_for_detection/
inline constexpr std::string_view kDetectionSourceApi = "api";      // POST to the API

inline constexpr size_t kMaxRequestIdBytes = 128;
inline constexpr int kMaxDetectionPageSize = 1000;
inline constexpr int kConfidenceHistogramBins = 10;

struct Detection {
  int64_t sequence_id = 0;           // assigned by Insert (ignored there): 1, 2, 3, ...
  std::string request_id;            // unique, 1-128 bytes
  int64_t created_ms = 0;
  std::string image_key;
  std::string image_etag;            // content hash of the image
  std::string model_version;
  std::string top_label;             // empty when the model returned no label
  double confidence_pct = 0;         // of top_label, 0-100
  std::string labels_json = "[]";    // every label returned: a JSON array
  double threshold_pct = 0;          // Minimum-Label-Detection-Confidence used, 0-100
  bool review_enabled = false;       // Enable-A2I-Workflow when detected
  bool sampled = false;              // picked for human sampling
  std::string source;                // kDetectionSourceEvent or kDetectionSourceApi
  std::optional<std::string> review_task;       // the first review task created for it
  // Human answer. human_completed_ms set with human_label empty = "None of the Above".
  std::optional<std::string> human_label;
  std::optional<std::string> human_copied_key;  // the training copy under images_labeled_by_folder/
  std::optional<int64_t> human_completed_ms;
  std::string requested_by;  // user or token that called POST /detect; '' for bucket events

  bool operator==(const Detection&) const = default;
};

// Review state of a detection, for filtering.
enum class DetectionReviewState {
  kAny,
  kNotReviewed,  // no review task
  kPending,      // a review task, no human answer yet
  kCompleted,    // human answer recorded
};

struct DetectionFilter {
  std::string model_version{};   // empty: any
  std::string top_label{};       // empty: any
  std::string key_contains{};    // substring of image_key (ASCII case-insensitive); empty: any
  DetectionReviewState review_state = DetectionReviewState::kAny;
  std::optional<bool> sampled{}; // empty: any
  // Paging (List only): the next_cursor of the previous page; empty for the first page.
  std::string page_cursor{};
  int limit = 50;              // 1..kMaxDetectionPageSize
};

struct DetectionPage {
  std::vector<Detection> detections;  // newest first (created_ms, then sequence_id)
  std::string next_cursor;            // empty on the last page
};

struct ConfidenceHistogram {
  std::string model_version;
  // counts[i]: detections whose top confidence is in [10*i, 10*(i+1)) (the last bin includes 100).
  std::array<int64_t, kConfidenceHistogramBins> counts{};
};

// Sampled detections with a human answer, per model version.
struct SampledAgreementCount {
  std::string model_version;
  int64_t reviewed = 0;  // sampled detections with a human answer
  int64_t agreeing = 0;  // of which the human label equals the top label ("None of the Above" = no label)
};

// InvalidArgument (naming the detection and the field) unless: request_id 1-128 bytes,
// image_key and model_version non-empty, source known, confidence and threshold in [0, 100],
// created_ms >= 0, labels_json a JSON array.
Status ValidateDetection(const Detection& detection);

class DetectionDb {
 public:
  virtual ~DetectionDb() = default;

  // Logs a detection (sequence_id is assigned). AlreadyExists when request_id is taken;
  // InvalidArgument when ValidateDetection fails.
  virtual Status Insert(const Detection& detection) = 0;
  // Logs several detections in one transaction (imports, batches of a poll): all or none.
  // Errors as Insert, naming the first detection that failed.
  virtual Status InsertMany(const std::vector<Detection>& detections) = 0;
  // NotFound when absent.
  virtual Result<Detection> Get(std::string_view request_id) = 0;
  // One page, newest first. InvalidArgument for a malformed cursor or a limit out of range.
  virtual Result<DetectionPage> List(const DetectionFilter& filter) = 0;
  // Detections matching the filter (cursor and limit ignored).
  virtual Result<int64_t> Count(const DetectionFilter& filter) = 0;

  // Records the review task of a detection unless one is recorded already (the first task
  // wins; a later one is ignored, OK). NotFound when the detection is absent.
  virtual Status SetReviewTask(std::string_view request_id, std::string_view task_name) = 0;
  // Records (replaces) the human answer; `label` empty = "None of the Above"; `copied_key`
  // empty when nothing was copied for training. NotFound when the detection is absent.
  virtual Status UpdateHumanAnswer(std::string_view request_id, const std::optional<std::string>& label,
                                   const std::optional<std::string>& copied_key, int64_t completed_ms) = 0;
  // Sets sampled on every listed detection, all or none: NotFound (naming the first missing
  // request id) changes nothing. Already sampled ones stay sampled (OK).
  virtual Status MarkSampled(const std::vector<std::string>& request_ids) = 0;
  // Up to `limit` unsampled detections with sequence_id > after_sequence_id, oldest first.
  virtual Result<std::vector<Detection>> ListUnsampledSince(int64_t after_sequence_id, int limit) = 0;
  // The highest sequence_id so far (0 when the log is empty).
  virtual Result<int64_t> LastSequenceId() = 0;

  // Top-confidence histogram of one model version (all zeros when it has no detections).
  virtual Result<ConfidenceHistogram> ComputeConfidenceHistogram(std::string_view model_version) = 0;
  // Per model version (sorted by name), counts of sampled detections with a human answer.
  virtual Result<std::vector<SampledAgreementCount>> CountSampledAgreement() = 0;
};

// Opens the detection log in the SQLite database at `path` (":memory:": private, in memory)
// on its own connection, guarded by one mutex; applies pending migrations. `clock` stamps
// migrations and must outlive the database. Errors as OpenSqliteMetadataDb.
Result<std::unique_ptr<DetectionDb>> OpenSqliteDetectionDb(const std::string& path,
                                                           const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
