#include "schedule/scheduler.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace labelloop::schedule {
namespace {

Status CheckName(std::string_view name) {
  const auto& names = ScheduleNames();
  if (std::find(names.begin(), names.end(), name) != names.end()) return OkStatus();
  return NotFoundError(fmt::format("unknown schedule '{}'; the schedules are: {}", name, fmt::join(names, ", ")));
}

ScheduleState ToState(const db::ScheduleRecord& r) {
  return {r.name, r.enabled, r.period_ms, r.next_fire_ms, r.last_fire_ms, r.trigger_requested};
}

}  // namespace

const std::vector<std::string_view>& ScheduleNames() {
  static const std::vector<std::string_view> kNames = {kTrainingPoll, kSamplingPoll};
  return kNames;
}

Scheduler::Scheduler(db::ScheduleDb* db, const Clock* clock) : db_(db), clock_(clock) {}

Status Scheduler::Configure(std::string_view name, bool enabled, int64_t period_ms) {
  RETURN_IF_ERROR(CheckName(name));
  if (period_ms < 1 || period_ms > kMaxPeriodMs) {
    return InvalidArgumentError(fmt::format("schedule '{}': the period must be between 1 ms and {} ms (366 days); got {} ms",
                                            name, kMaxPeriodMs, period_ms));
  }
  return db_->ConfigureSchedule(std::string(name), enabled, period_ms, clock_->NowMs()).status();
}

Result<std::vector<ScheduleFire>> Scheduler::TakeDue() {
  const int64_t now_ms = clock_->NowMs();
  ASSIGN_OR_RETURN(std::vector<db::ScheduleRecord> taken, db_->TakeDue(now_ms));
  std::vector<ScheduleFire> fires;
  fires.reserve(taken.size());
  for (const db::ScheduleRecord& r : taken) fires.push_back({r.name, now_ms, r.trigger_requested});
  return fires;
}

Status Scheduler::RequestTrigger(std::string_view name) {
  RETURN_IF_ERROR(CheckName(name));
  return db_->RequestTrigger(std::string(name), kDefaultPeriodMs);
}

Result<std::vector<ScheduleState>> Scheduler::List() {
  ASSIGN_OR_RETURN(std::vector<db::ScheduleRecord> records, db_->ListSchedules());
  std::vector<ScheduleState> states;
  for (std::string_view name : ScheduleNames()) {
    auto it = std::find_if(records.begin(), records.end(), [&](const db::ScheduleRecord& r) { return r.name == name; });
    states.push_back(it != records.end() ? ToState(*it)
                                         : ScheduleState{std::string(name), false, kDefaultPeriodMs, std::nullopt,
                                                         std::nullopt, false});
  }
  return states;
}

Result<std::optional<int64_t>> Scheduler::NextWakeMs() {
  ASSIGN_OR_RETURN(std::vector<db::ScheduleRecord> records, db_->ListSchedules());
  std::optional<int64_t> wake_ms;
  const auto consider = [&](int64_t ms) { wake_ms = wake_ms ? std::min(*wake_ms, ms) : ms; };
  for (const db::ScheduleRecord& r : records) {
    if (r.trigger_requested) consider(clock_->NowMs());
    if (r.enabled && r.next_fire_ms) consider(*r.next_fire_ms);
  }
  return wake_ms;
}

}  // namespace labelloop::schedule
