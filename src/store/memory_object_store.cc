// In-memory bucket for tests: a sorted map under one mutex, with S3 semantics ("a" and
// "a/b" may both exist). The continuation token is the last key returned.
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "common/content_hash.h"
#include "store/object_keys.h"
#include "store/object_store.h"

namespace labelloop::store {
namespace {

class MemoryObjectStore final : public ObjectStore {
 public:
  explicit MemoryObjectStore(const Clock* clock) : clock_(clock) {}

  Result<ObjectInfo> Put(const std::string& key, const std::string& data) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Entry entry{data, Sha256Hex(data), clock_->NowMs()};
    std::lock_guard lock(mu_);
    Entry& slot = objects_[key] = std::move(entry);
    return InfoOf(key, slot);
  }

  Result<std::string> Get(const std::string& key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFound(key);
    return it->second.data;
  }

  Result<ObjectInfo> Head(const std::string& key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFound(key);
    return InfoOf(key, it->second);
  }

  Result<ListResult> List(const std::string& prefix, const std::string& continuation_token,
                          int max_keys) override {
    ASSIGN_OR_RETURN(const int page_size, CheckListArguments(prefix, continuation_token, max_keys));
    std::lock_guard lock(mu_);
    auto it = continuation_token.empty() ? objects_.lower_bound(prefix)
                                         : objects_.upper_bound(continuation_token);
    ListResult result;
    for (; it != objects_.end() && it->first.starts_with(prefix); ++it) {
      if (static_cast<int>(result.objects.size()) == page_size) {
        result.next_continuation_token = result.objects.back().key;
        break;
      }
      result.objects.push_back(InfoOf(it->first, it->second));
    }
    return result;
  }

  Result<ObjectInfo> Copy(const std::string& source_key, const std::string& destination_key) override {
    RETURN_IF_ERROR(ValidateObjectKey(source_key));
    RETURN_IF_ERROR(ValidateObjectKey(destination_key));
    std::lock_guard lock(mu_);
    auto it = objects_.find(source_key);
    if (it == objects_.end()) {
      return NotFound(source_key).WithContext(
          fmt::format("copying to {}", QuoteKey(destination_key)));
    }
    Entry copy = it->second;
    copy.last_modified_ms = clock_->NowMs();
    Entry& slot = objects_[destination_key] = std::move(copy);
    return InfoOf(destination_key, slot);
  }

  Status Delete(const std::string& key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::lock_guard lock(mu_);
    objects_.erase(key);
    return OkStatus();
  }

 private:
  struct Entry {
    std::string data;
    std::string etag;
    int64_t last_modified_ms = 0;
  };

  static ObjectInfo InfoOf(const std::string& key, const Entry& entry) {
    return ObjectInfo{key, entry.etag, static_cast<int64_t>(entry.data.size()), entry.last_modified_ms};
  }
  static Status NotFound(const std::string& key) {
    return NotFoundError(fmt::format("object {} does not exist", QuoteKey(key)));
  }

  const Clock* const clock_;
  std::mutex mu_;
  std::map<std::string, Entry> objects_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<ObjectStore> NewMemoryObjectStore(const Clock* clock) {
  return std::make_unique<MemoryObjectStore>(clock);
}

}  // namespace labelloop::store
