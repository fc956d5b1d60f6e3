// Majority vote over a review task's answers. A tie for the most votes has no winner: the
// task needs one more reviewer. Thread-safe (stateless).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/review_db.h"

namespace labelloop::review {

struct VoteOutcome {
  bool decided = false;                    // false: a tie (or no answers)
  std::optional<std::string> label;        // decided: the majority; empty = "None of the Above"
  double agreement = 0;                    // decided: votes for `label` / all answers
};

// "None of the Above" (an empty label) is a choice like any label.
VoteOutcome TallyAnswers(const std::vector<db::ReviewAnswer>& answers);

}  // namespace labelloop::review
