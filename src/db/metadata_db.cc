#include "db/metadata_db.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace labelloop::db {

bool IsKnownModelVersionStatus(std::string_view status) {
  for (std::string_view known : {kTrainingInProgress, kTrainingCompleted, kTrainingFailed, kStarting, kRunning,
                                 kStopping, kStopped}) {
    if (status == known) return true;
  }
  return false;
}

Status ValidateModelVersion(const ModelVersion& version) {
  constexpr size_t kMaxNameBytes = 256;
  if (version.name.empty()) return InvalidArgumentError("model version name is empty");
  if (version.name.size() > kMaxNameBytes) {
    return InvalidArgumentError(fmt::format("model version name '{}...' is {} bytes, more than {}",
                                            version.name.substr(0, 40), version.name.size(), kMaxNameBytes));
  }
  const auto bad = [&](std::string_view what) {
    return InvalidArgumentError(fmt::format("model version '{}': {}", version.name, what));
  };
  if (!IsKnownModelVersionStatus(version.status)) {
    return bad(fmt::format("unknown status '{}'", version.status));
  }
  if (!std::is_sorted(version.labels.begin(), version.labels.end()) ||
      std::adjacent_find(version.labels.begin(), version.labels.end()) != version.labels.end()) {
    return bad("labels must be sorted and unique");
  }
  if (version.training_image_count < 0 || version.test_image_count < 0) return bad("image counts must be >= 0");
  if (version.created_ms < 0 || version.finished_ms.value_or(0) < 0) return bad("times must be >= 0");
  if (version.f1 && !(*version.f1 >= 0.0 && *version.f1 <= 1.0)) {
    return bad(fmt::format("f1 must be a number in [0, 1], got {}", *version.f1));
  }
  return OkStatus();
}

}  // namespace labelloop::db
