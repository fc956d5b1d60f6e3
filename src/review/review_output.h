// The output.json of a completed review task (under a2i-human-loop-data/): built from the
// stored task, so the same task always gives the same bytes (rewriting it is idempotent), and
// parsed back for the review-output event. Thread-safe (stateless).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/review_db.h"

namespace labelloop::review {

struct ReviewOutput {
  std::string task_name;
  std::string flow_name;
  std::string source;                // "low-confidence" or "sampling"
  std::string image_key;
  std::string detection_request_id;
  std::string model_label;
  double model_confidence_pct = 0;
  std::vector<std::string> candidate_labels;
  std::optional<std::string> final_label;  // empty = "None of the Above"
  double agreement = 0;                    // 0..1
  int64_t completed_ms = 0;
  std::vector<db::ReviewAnswer> answers;   // label, reviewer, submission time

  bool operator==(const ReviewOutput&) const = default;
};

// The JSON document of a Completed task (pretty-printed, keys sorted):
// {"task_name", "flow_name", "input": {"image_key", "source", "detection_request_id",
//  "model_label", "model_confidence_pct", "candidate_labels"}, "answers": [{"label" (null =
//  None of the Above), "reviewer", "submission_time" (ISO 8601 UTC), "submitted_ms"}],
//  "final_label", "agreement", "completion_time", "completed_ms"}.
// REQUIRES: task.status is Completed (final_label, agreement and completed_ms are set).
Result<std::string> BuildReviewOutputJson(const db::ReviewTask& task, std::string_view flow_name);

// Parses an output.json. InvalidArgument naming the member and what was expected when a
// member is missing or mistyped, or a label breaks the label-name rules.
Result<ReviewOutput> ParseReviewOutput(std::string_view json);

// Whether an output.json found at `key` is the one the server wrote for `task`: the task is
// Completed, its output key is `key`, and the task name, image key, source, detection, final
// label and every answer (label, reviewer, time) are the stored ones. Anything else (a file
// written through the API, dropped into the folder, or edited afterwards) is
// PermissionDenied naming the first difference. Only a trusted output may train.
Status VerifyReviewOutput(const ReviewOutput& output, const db::ReviewTask& task, std::string_view key);

}  // namespace labelloop::review
