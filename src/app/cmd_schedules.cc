// `labelloop schedules list|trigger NAME`: the polling schedules. A trigger is a flag in
// the database; the running server takes it on its next look (within seconds).
#include <iostream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "common/json_util.h"
#include "views/schedule_view.h"

namespace labelloop::app {
namespace {

std::string Time(const std::optional<int64_t>& ms) { return ms ? FormatIso8601Utc(*ms) : "-"; }

// "720 min", or "1500 ms" for a period that is not whole minutes.
std::string Period(int64_t period_ms) {
  return period_ms % 60'000 == 0 ? fmt::format("{} min", period_ms / 60'000) : fmt::format("{} ms", period_ms);
}

}  // namespace

int RunSchedules(const GlobalOptions& g, const SchedulesOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  schedule::Scheduler& scheduler = *(*ctx)->schedules;

  if (o.action == "list") {
    auto states = scheduler.List();
    if (!states.ok()) return ReportError(states.status());
    if (o.json) {
      Json arr = Json::array();
      for (const auto& s : *states) arr.push_back(views::ScheduleJson(s));
      std::cout << arr.dump(2) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"NAME", "ENABLED", "PERIOD", "NEXT FIRE", "LAST FIRE", "TRIGGER"}};
    for (const auto& s : *states) {
      rows.push_back({s.name, s.enabled ? "yes" : "no", Period(s.period_ms), Time(s.next_fire_ms),
                      Time(s.last_fire_ms), s.trigger_requested ? "requested" : "-"});
    }
    std::cout << FormatTable(rows);
    return 0;
  }
  if (o.action == "trigger") {
    if (Status s = scheduler.RequestTrigger(o.name); !s.ok()) return ReportError(s);
    std::cout << fmt::format("requested a run of {}; the running server (`labelloop serve`) starts it within seconds\n",
                             o.name);
    return 0;
  }
  return ReportError(InvalidArgumentError("unknown schedules action '" + o.action + "' (list, trigger)"));
}

}  // namespace labelloop::app
