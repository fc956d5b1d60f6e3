#include "store/copy_objects.h"

#include <fmt/format.h>

#include "common/content_hash.h"
#include "store/object_keys.h"

namespace labelloop::store {
namespace {

enum class Outcome { kCopied, kSkippedNewer, kVanished };

// Reads `info.key` until its bytes match a listing of it (at most a few tries: a key
// rewritten in a loop is reported, not chased forever) and stores it in `to`.
Result<Outcome> CopyOne(ObjectStore& from, ObjectStore& to, ObjectInfo info, const CopyObjectsOptions& options,
                        int64_t& bytes) {
  const int64_t cutoff_ms = options.modified_at_or_before_ms;
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (info.last_modified_ms > cutoff_ms) return Outcome::kSkippedNewer;
    Result<std::string> data = from.Get(info.key);
    if (!data.ok()) {
      if (data.status().code() == StatusCode::kNotFound) return Outcome::kVanished;
      return data.status().WithContext("reading the source");
    }
    if (Sha256Hex(*data) == info.etag) {
      ASSIGN_OR_RETURN(ObjectInfo stored, to.Put(info.key, *data));
      if (stored.etag != info.etag) {
        return DataLossError(fmt::format("object {} was stored with etag {}, expected {}", QuoteKey(info.key),
                                         stored.etag, info.etag));
      }
      bytes += stored.size_bytes;
      if (options.on_copied) options.on_copied(stored);
      return Outcome::kCopied;
    }
    // Replaced between the listing and the read: look again.
    Result<ObjectInfo> again = from.Head(info.key);
    if (!again.ok()) {
      if (again.status().code() == StatusCode::kNotFound) return Outcome::kVanished;
      return again.status().WithContext("reading the source");
    }
    info = *std::move(again);
  }
  return UnavailableError(fmt::format("object {} kept changing while it was copied", QuoteKey(info.key)));
}

}  // namespace

Result<CopyObjectsStats> CopyObjects(ObjectStore& from, ObjectStore& to, const CopyObjectsOptions& options) {
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed, ListAll(from, ""));
  CopyObjectsStats stats;
  int64_t done = 0;
  for (ObjectInfo& info : listed) {
    const std::string key = info.key;
    Result<Outcome> outcome = CopyOne(from, to, std::move(info), options, stats.bytes);
    if (!outcome.ok()) return outcome.status().WithContext(fmt::format("copying object {}", QuoteKey(key)));
    switch (*outcome) {
      case Outcome::kCopied: ++stats.copied; break;
      case Outcome::kSkippedNewer: ++stats.skipped_newer; break;
      case Outcome::kVanished: ++stats.vanished; break;
    }
    ++done;
    if (options.on_progress) options.on_progress(done, int64_t(listed.size()), stats.bytes);
  }
  return stats;
}

}  // namespace labelloop::store
