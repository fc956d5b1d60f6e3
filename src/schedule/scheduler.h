// Scheduler: the two polling schedules (training-poll, sampling-poll) over a
// db::ScheduleDb. Configure() arms them from the parameters, TakeDue() hands out each due
// run exactly once (also across processes: the db takes and advances in one transaction),
// RequestTrigger() asks for a run now from any process (the CLI). All times come from the
// Clock. Thread-safe: no mutable state of its own; the ScheduleDb serialises.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "db/schedule_db.h"

namespace labelloop::schedule {

inline constexpr std::string_view kTrainingPoll = "training-poll", kSamplingPoll = "sampling-poll";

// The period a schedule shows (and keeps) until it is first configured: 720 minutes, the
// default of both poll-frequency parameters.
inline constexpr int64_t kDefaultPeriodMs = 720LL * 60 * 1000;
// Longest accepted period: 366 days (the frequency parameters stop at 365).
inline constexpr int64_t kMaxPeriodMs = 366LL * 24 * 60 * 60 * 1000;

struct ScheduleState {
  std::string name;
  bool enabled = false;
  int64_t period_ms = 0;
  std::optional<int64_t> next_fire_ms, last_fire_ms;
  bool trigger_requested = false;  // a manual run waits for the server's next TakeDue

  bool operator==(const ScheduleState&) const = default;
};

struct ScheduleFire {
  std::string name;
  int64_t fire_ms = 0;  // the clock's now when taken
  bool manual = false;  // requested by RequestTrigger (even if it was also due by time)

  bool operator==(const ScheduleFire&) const = default;
};

// The schedule names, in listing order.
const std::vector<std::string_view>& ScheduleNames();

class Scheduler {
 public:
  // `db` and `clock` must outlive the scheduler.
  Scheduler(db::ScheduleDb* db, const Clock* clock);

  // Creates or re-arms: when `enabled` or `period_ms` differ from the stored ones,
  // next_fire = now + period (none when disabled). Unchanged configuration: no-op (the
  // pending next fire is kept). NotFound for an unknown name; InvalidArgument unless
  // 1 <= period_ms <= kMaxPeriodMs.
  Status Configure(std::string_view name, bool enabled, int64_t period_ms);

  // Every schedule due now (next_fire_ms <= now, or a trigger requested), each ONCE, and
  // advances it atomically in the db: last_fire = now, next_fire = now + period. A poll
  // that fell due many periods ago (server down) fires once, not once per missed period.
  // A manual trigger fires even when disabled (and leaves it disabled). Ordered by name.
  Result<std::vector<ScheduleFire>> TakeDue();

  // Asks for a run at the next TakeDue, from any process (a flag in the db). NotFound
  // (listing the names) for an unknown name. A schedule never configured is created
  // disabled with kDefaultPeriodMs so the request is kept.
  Status RequestTrigger(std::string_view name);

  // Both schedules, in ScheduleNames() order; one never configured is listed disabled
  // with kDefaultPeriodMs and no fire times.
  Result<std::vector<ScheduleState>> List();

  // When the server should next call TakeDue: the earliest next_fire_ms among enabled
  // schedules, or now when a trigger is pending; std::nullopt when nothing is armed.
  // Triggers requested by other processes arrive through the db, so the server should
  // also call TakeDue every few seconds whatever this says.
  Result<std::optional<int64_t>> NextWakeMs();

 private:
  db::ScheduleDb* const db_;
  const Clock* const clock_;
};

}  // namespace labelloop::schedule
