#include "events/bucket_watcher.h"

#include <spdlog/spdlog.h>

#include <set>

namespace labelloop::events {

BucketWatcher::BucketWatcher(store::ObjectStore* bucket, EventQueue* queue, const Clock* clock, WatcherOptions options)
    : bucket_(bucket), queue_(queue), clock_(clock), options_(std::move(options)) {}

BucketWatcher::~BucketWatcher() { Stop(); }

Result<int> BucketWatcher::PollOnce() {
  std::lock_guard poll_lock(poll_mu_);
  const int64_t now = clock_->NowMs();
  int queued = 0;
  std::set<std::string> present;
  for (const std::string& prefix : options_.prefixes) {
    ASSIGN_OR_RETURN(std::vector<store::ObjectInfo> objects, store::ListAll(*bucket_, prefix));
    for (const store::ObjectInfo& object : objects) {
      if (!IsEventObjectKey(object.key)) continue;
      present.insert(object.key);
      auto [it, first_sighting] = seen_.try_emplace(object.key);
      Seen& seen = it->second;
      const bool changed = first_sighting || seen.size_bytes != object.size_bytes ||
                           seen.last_modified_ms != object.last_modified_ms || seen.etag != object.etag;
      if (changed) {
        seen = Seen{object.size_bytes, object.last_modified_ms, object.etag, false};
        // A file still being copied keeps changing; one that has not moved for a while is done.
        if (now - object.last_modified_ms < options_.settle_ms) continue;
      }
      if (seen.queued) continue;
      ASSIGN_OR_RETURN(db::InsertedEvent event, queue_->ObjectCreated(object.key, object.etag, object.size_bytes, "watcher"));
      seen.queued = true;
      if (event.inserted) ++queued;
    }
  }
  std::erase_if(seen_, [&](const auto& entry) { return !present.contains(entry.first); });
  return queued;
}

void BucketWatcher::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      if (Result<int> polled = PollOnce(); !polled.ok()) {
        spdlog::warn("bucket watcher: {} (retrying)", polled.status().ToString());
      } else if (*polled > 0) {
        spdlog::debug("bucket watcher: {} new object(s)", *polled);
      }
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms), [&] { return stopping_; });
    }
  });
}

void BucketWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace labelloop::events
