// ScheduleDb: the stored state of the schedules (see src/schedule for names and policy).
// Each method is one transaction, so a schedule that falls due is taken by exactly one
// caller, even with several processes on one database, and a trigger requested by another
// process (the CLI) is never lost. All methods are thread-safe and return errors as Status
// (never throw).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

struct ScheduleRecord {
  std::string name;
  bool enabled = false;
  int64_t period_ms = 0;                // > 0
  std::optional<int64_t> next_fire_ms;  // none while disabled
  std::optional<int64_t> last_fire_ms;  // none until it first fires
  bool trigger_requested = false;       // a manual run is waiting

  bool operator==(const ScheduleRecord&) const = default;
};

class ScheduleDb {
 public:
  virtual ~ScheduleDb() = default;

  // std::nullopt when no schedule has this name.
  virtual Result<std::optional<ScheduleRecord>> FindSchedule(const std::string& name) = 0;
  // Every schedule, ordered by name.
  virtual Result<std::vector<ScheduleRecord>> ListSchedules() = 0;

  // Creates the schedule when absent. When it was created, or `enabled` or `period_ms`
  // differ from the stored ones, re-arms it: next_fire_ms = enabled ? now_ms + period_ms :
  // none. Otherwise changes nothing. last_fire_ms and trigger_requested are kept. Returns
  // true when it wrote. InvalidArgument when the name is empty or period_ms <= 0.
  virtual Result<bool> ConfigureSchedule(const std::string& name, bool enabled, int64_t period_ms,
                                         int64_t now_ms) = 0;
  // Sets trigger_requested. A schedule that does not exist yet is created disabled with
  // `period_ms_if_absent` so the request waits for it. InvalidArgument as above.
  virtual Status RequestTrigger(const std::string& name, int64_t period_ms_if_absent) = 0;
  // Takes every schedule that is due at now_ms (trigger_requested, or enabled with
  // next_fire_ms <= now_ms) and, in the same transaction, advances it: last_fire_ms =
  // now_ms, next_fire_ms = enabled ? now_ms + period_ms : none, trigger_requested = false.
  // Returns the taken schedules as they were before, ordered by name.
  virtual Result<std::vector<ScheduleRecord>> TakeDue(int64_t now_ms) = 0;
};

// Opens (creating if needed) the SQLite database at `path` with its own connection; see
// OpenSqliteParamDb for threading, clock and errors.
Result<std::unique_ptr<ScheduleDb>> OpenSqliteScheduleDb(const std::string& path,
                                                         const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
