#include "db/workflow_db.h"

#include <fmt/format.h>

namespace labelloop::db {
namespace {

constexpr size_t kMaxNameBytes = 256;

Status CheckName(const Execution& e, std::string_view field, const std::string& value) {
  if (value.empty() || value.size() > kMaxNameBytes) {
    return InvalidArgumentError(fmt::format("execution '{}': {} must be 1 to {} bytes, got {} bytes", e.id, field,
                                            kMaxNameBytes, value.size()));
  }
  return OkStatus();
}

}  // namespace

Status ValidateExecution(const Execution& e) {
  RETURN_IF_ERROR(CheckName(e, "id", e.id));
  RETURN_IF_ERROR(CheckName(e, "branch", e.branch));
  if (e.status != kExecutionRunning && e.status != kExecutionSucceeded && e.status != kExecutionFailed) {
    return InvalidArgumentError(fmt::format("execution '{}': status '{}' is not RUNNING, SUCCEEDED or FAILED", e.id,
                                            e.status));
  }
  if (e.status == kExecutionRunning && !e.wake_at_ms.has_value()) {
    return InvalidArgumentError(fmt::format("execution '{}': a RUNNING execution needs wake_at_ms", e.id));
  }
  if (e.start_ms < 0 || (e.stop_ms && *e.stop_ms < 0) || e.step_count < 0 || e.attempt < 1) {
    return InvalidArgumentError(fmt::format(
        "execution '{}': start_ms ({}), stop_ms, step_count ({}) must be >= 0 and attempt ({}) >= 1", e.id, e.start_ms,
        e.step_count, e.attempt));
  }
  for (const int count : e.retry_counts) {
    if (count < 0) return InvalidArgumentError(fmt::format("execution '{}': negative retry count {}", e.id, count));
  }
  return OkStatus();
}

}  // namespace labelloop::db
