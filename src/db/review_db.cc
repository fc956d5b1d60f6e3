#include "db/review_db.h"

namespace labelloop::db {

bool IsKnownReviewStatus(std::string_view status) {
  return status == kReviewInProgress || status == kReviewCompleted || status == kReviewStopped ||
         status == kReviewExpired;
}

}  // namespace labelloop::db
