// StatsDb: read-only counts over the tables of the other areas, for the server's /metrics
// (detections by version and label; events, executions, deliveries and review tasks by
// status; trainings by outcome). One query per figure, no writes, so a scrape never holds
// a writer. Thread-safe; errors as Status (Unavailable when busy, DataLoss when corrupt).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

struct StoreCounts {
  // (model version, top label) -> detections logged; label "" when none won.
  std::map<std::pair<std::string, std::string>, int64_t> detections;
  std::map<std::string, int64_t> events_by_status;      // pending, dispatched
  std::map<std::string, int64_t> executions_by_status;  // RUNNING, SUCCEEDED, FAILED
  std::map<std::string, int64_t> deliveries_by_status;  // pending, delivered, failed
  std::map<std::string, int64_t> review_tasks_by_status;  // InProgress, Completed, Stopped, Expired
};

class StatsDb {
 public:
  virtual ~StatsDb() = default;
  virtual Result<StoreCounts> ReadCounts() = 0;
};

// A read-only view of the database file (migrated first, like every adapter).
Result<std::unique_ptr<StatsDb>> OpenSqliteStatsDb(const std::string& path, const Clock* clock);

}  // namespace labelloop::db
