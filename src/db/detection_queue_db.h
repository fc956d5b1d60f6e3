// DetectionQueueDb: images not (yet) in the detection log. A pending image waits for a
// model version to serve, or for its next attempt after a transient failure; a failed one
// met a permanent error (a corrupt image, an object deleted) and keeps the reason. Rows
// are keyed by the request id the detection will be logged under, so queueing an image
// twice (a step re-run after a crash) keeps one row. sequence_id grows with each insert:
// pending images are taken oldest first. Thread-safe; returns Status, never throws.
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

inline constexpr std::string_view kQueuedPending = "pending";
inline constexpr std::string_view kQueuedFailed = "failed";

struct QueuedImage {
  int64_t sequence_id = 0;       // assigned by Add: arrival order
  std::string request_id;        // unique, 1-128 bytes: the detection's request id
  std::string image_key;
  std::string source;            // kDetectionSourceEvent or kDetectionSourceApi
  int64_t arrived_ms = 0;
  std::string status;            // kQueuedPending or kQueuedFailed
  int64_t attempts = 0;          // detection attempts that failed (transiently or for good)
  int64_t next_attempt_ms = 0;   // pending: not tried before this time
  std::string last_error;        // why it waits, or why it failed
  std::string requested_by;      // who called POST /api/v1/detect ("" for bucket events)

  bool operator==(const QueuedImage&) const = default;
};

class DetectionQueueDb {
 public:
  virtual ~DetectionQueueDb() = default;

  // Queues `image` (sequence_id assigned) unless its request id is queued already; returns
  // the row as stored (the earlier one when present). InvalidArgument for an empty or
  // over-long request id, an empty key, or an unknown status.
  virtual Result<QueuedImage> Add(const QueuedImage& image) = 0;
  virtual Result<std::optional<QueuedImage>> Find(std::string_view request_id) = 0;
  // Pending images with next_attempt_ms <= now_ms, oldest first (sequence_id), at most `limit`.
  virtual Result<std::vector<QueuedImage>> ListDue(int64_t now_ms, int limit) = 0;
  // Newest first, with `status` (empty: any), sequence_id < before_sequence_id when given.
  virtual Result<std::vector<QueuedImage>> List(std::string_view status, int limit,
                                                std::optional<int64_t> before_sequence_id) = 0;
  virtual Result<int64_t> Count(std::string_view status) = 0;
  // The earliest next_attempt_ms of a pending image, nullopt when none is pending.
  virtual Result<std::optional<int64_t>> NextAttemptMs() = 0;
  // A pending image tries again at `next_attempt_ms` (attempts and the error recorded).
  // NotFound when absent.
  virtual Status Reschedule(std::string_view request_id, int64_t attempts, int64_t next_attempt_ms,
                            std::string_view error) = 0;
  // Fails an image for good with `reason`. NotFound when absent.
  virtual Status MarkFailed(std::string_view request_id, int64_t attempts, std::string_view reason) = 0;
  // Removes a row (the image is in the detection log now). OK when absent.
  virtual Status Remove(std::string_view request_id) = 0;
};

// Opens the queue in the SQLite database at `path` on its own connection; applies pending
// migrations. Errors as OpenSqliteDetectionDb.
Result<std::unique_ptr<DetectionQueueDb>> OpenSqliteDetectionQueueDb(const std::string& path,
                                                                     const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
