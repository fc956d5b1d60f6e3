// EventDb: the durable event queue (object-created, parameter-change and schedule events),
// named cursors, and idempotency records of workflow tasks. Every event has a dedupe key
// (e.g. "object:<key>:<etag>"): inserting a key already present is a no-op, which is what
// makes each object, parameter change and schedule fire handled exactly once, also across
// restarts. Thread-safe; errors as Status (Unavailable when busy), never throws.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

inline constexpr std::string_view kEventPending = "pending";
inline constexpr std::string_view kEventDispatched = "dispatched";

struct EventRecord {
  int64_t id = 0;                  // increasing in insertion order
  std::string type;                // e.g. "object-created"
  std::string dedupe_key;          // unique
  std::string payload_json;        // a JSON object
  int64_t created_ms = 0;
  std::string status;              // kEventPending or kEventDispatched
  std::optional<int64_t> dispatched_ms;
  std::string execution_id;        // the workflow execution it started (empty while pending or when none)
};

struct InsertedEvent {
  int64_t id = 0;
  bool inserted = false;  // false: the dedupe key was already present (id is the earlier event's)
};

class EventDb {
 public:
  virtual ~EventDb() = default;

  // Appends a pending event unless `dedupe_key` is present. InvalidArgument when the type
  // or key is empty or the payload is not a JSON object.
  virtual Result<InsertedEvent> InsertEvent(const std::string& type, const std::string& dedupe_key,
                                            const std::string& payload_json, int64_t created_ms) = 0;
  // As InsertEvent, but the event is born dispatched (at `created_ms`, with no execution), in
  // one statement: for an object its caller handles itself, so that no dispatcher can start
  // an execution for it in between (as one could between InsertEvent and MarkEventDispatched).
  virtual Result<InsertedEvent> InsertDispatchedEvent(const std::string& type, const std::string& dedupe_key,
                                                      const std::string& payload_json, int64_t created_ms) = 0;
  // Oldest pending events first, at most `limit`.
  virtual Result<std::vector<EventRecord>> ListPendingEvents(int limit) = 0;
  // Newest first, at most `limit`, with id < before_id when given.
  virtual Result<std::vector<EventRecord>> ListEvents(int limit, std::optional<int64_t> before_id) = 0;
  // NotFound when absent. Marking twice keeps the first execution id.
  virtual Status MarkEventDispatched(int64_t id, const std::string& execution_id, int64_t dispatched_ms) = 0;
  virtual Result<int64_t> CountEvents(std::optional<std::string> status) = 0;

  // Named cursors (e.g. the last parameter change turned into an event).
  virtual Result<std::optional<std::string>> FindCursor(const std::string& name) = 0;
  virtual Status PutCursor(const std::string& name, const std::string& value) = 0;

  // Idempotency records: a task writes its intent or result under its idempotency key
  // before or after a side effect, and a re-run after a crash reads it back.
  virtual Result<std::optional<std::string>> FindTaskRecord(const std::string& key) = 0;
  virtual Status PutTaskRecord(const std::string& key, const std::string& json) = 0;
};

Result<std::unique_ptr<EventDb>> OpenSqliteEventDb(const std::string& path, const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
