// BucketWatcher: turns objects that appear in the bucket by any route (API, `upload`, a
// file copied in by hand) into object-created events. It lists the event prefixes every
// poll and queues an object once its write is complete: seen with the same size and
// modification time on two polls in a row, or already older than the settle time when
// first seen. Restarts are safe: the queue deduplicates on key + content hash.
// Thread-safe: PollOnce may run on the watcher's thread or a test's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "events/event_queue.h"
#include "store/object_store.h"

namespace labelloop::events {

struct WatcherOptions {
  int64_t poll_interval_ms = 250;
  int64_t settle_ms = 2000;  // an object untouched this long is complete when first seen
  std::vector<std::string> prefixes = {"images_for_detection/", "a2i-human-loop-data/"};
};

class BucketWatcher {
 public:
  BucketWatcher(store::ObjectStore* bucket, EventQueue* queue, const Clock* clock, WatcherOptions options = {});
  ~BucketWatcher();

  // Lists once; returns how many events were newly queued.
  Result<int> PollOnce();

  // Polls on a thread until Stop. Errors are logged and the next poll retries.
  void Start();
  void Stop();

 private:
  struct Seen {
    int64_t size_bytes = 0;
    int64_t last_modified_ms = 0;
    std::string etag;
    bool queued = false;
  };

  store::ObjectStore* bucket_;
  EventQueue* queue_;
  const Clock* clock_;
  WatcherOptions options_;
  std::mutex poll_mu_;              // one poll at a time
  std::map<std::string, Seen> seen_;  // GUARDED_BY(poll_mu_)
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace labelloop::events
