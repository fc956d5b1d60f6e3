#include "db/notification_db.h"

namespace labelloop::db {

bool IsKnownDeliveryStatus(std::string_view status) {
  return status == kDeliveryPending || status == kDeliveryDelivered || status == kDeliveryFailed;
}

}  // namespace labelloop::db
