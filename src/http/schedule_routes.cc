// Schedules (training-poll, sampling-poll): list, and request a run now (the server's loop
// picks the trigger up; it works across processes).
#include "http/call_util.h"
#include "http/handlers.h"
#include "schedule/scheduler.h"
#include "views/schedule_view.h"

namespace labelloop::http {

Status HandleListSchedules(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.schedules, "the scheduler"));
  ASSIGN_OR_RETURN(std::vector<schedule::ScheduleState> states, call.deps.schedules->List());
  nlohmann::json list = nlohmann::json::array();
  for (const schedule::ScheduleState& s : states) list.push_back(views::ScheduleJson(s));
  ReplyJson(call, 200, {{"schedules", list}});
  return OkStatus();
}

Status HandleTriggerSchedule(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.schedules, "the scheduler"));
  const std::string& name = PathParam(call, "name");
  RETURN_IF_ERROR(call.deps.schedules->RequestTrigger(name));
  call.events.Publish("schedule.triggered", {{"name", name}, {"by", ActorName(call)}});
  ReplyJson(call, 202, {{"name", name}, {"trigger_requested", true}});
  return OkStatus();
}

}  // namespace labelloop::http
