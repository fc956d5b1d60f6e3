#include "db/detection_db.h"

#include <fmt/format.h>

#include "common/json_util.h"

namespace labelloop::db {

Status ValidateDetection(const Detection& d) {
  const auto bad = [&](std::string_view rule) {
    return InvalidArgumentError(fmt::format("detection '{}': {}", d.request_id, rule));
  };
  if (d.request_id.empty() || d.request_id.size() > kMaxRequestIdBytes) {
    return InvalidArgumentError(fmt::format("detection request_id must be 1 to {} bytes (is {})", kMaxRequestIdBytes,
                                            d.request_id.size()));
  }
  if (d.image_key.empty()) return bad("image_key is empty");
  if (d.model_version.empty()) return bad("model_version is empty");
  if (d.source != kDetectionSourceEvent && d.source != kDetectionSourceApi) {
    return bad(fmt::format("source '{}' is neither '{}' nor '{}'", d.source, kDetectionSourceEvent,
                           kDetectionSourceApi));
  }
  // Written so that NaN fails too.
  if (!(d.confidence_pct >= 0 && d.confidence_pct <= 100)) {
    return bad(fmt::format("confidence_pct {} is outside 0-100", d.confidence_pct));
  }
  if (!(d.threshold_pct >= 0 && d.threshold_pct <= 100)) {
    return bad(fmt::format("threshold_pct {} is outside 0-100", d.threshold_pct));
  }
  if (d.created_ms < 0) return bad(fmt::format("created_ms {} is negative", d.created_ms));
  Result<Json> labels = ParseJson(d.labels_json, "labels_json");
  if (!labels.ok()) return bad(labels.status().message());
  if (!labels->is_array()) return bad("labels_json is not a JSON array");
  return OkStatus();
}

}  // namespace labelloop::db
