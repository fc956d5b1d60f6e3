#include "review/review_vote.h"

#include <map>

namespace labelloop::review {

VoteOutcome TallyAnswers(const std::vector<db::ReviewAnswer>& answers) {
  // std::nullopt sorts first in std::map, which is fine: order does not decide anything.
  std::map<std::optional<std::string>, int> votes;
  for (const db::ReviewAnswer& a : answers) ++votes[a.label];
  VoteOutcome out;
  int best = 0;
  int best_count = 0;  // how many labels share the best vote count
  for (const auto& [label, count] : votes) {
    if (count > best) {
      best = count;
      best_count = 1;
      out.label = label;
    } else if (count == best) {
      ++best_count;
    }
  }
  if (best == 0 || best_count > 1) return VoteOutcome{};
  out.decided = true;
  out.agreement = static_cast<double>(best) / static_cast<double>(answers.size());
  return out;
}

}  // namespace labelloop::review
