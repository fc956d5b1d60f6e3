#include "views/schedule_view.h"

namespace labelloop::views {

Json ScheduleJson(const schedule::ScheduleState& s) {
  return {{"name", s.name},
          {"enabled", s.enabled},
          {"period_ms", s.period_ms},
          {"next_fire", TimeValue(s.next_fire_ms)},
          {"last_fire", TimeValue(s.last_fire_ms)},
          {"trigger_requested", s.trigger_requested}};
}

Json ScheduleSchema() {
  return ObjectSchema("A schedule of the automation loop.",
                      {{"name", EnumSchema({"training-poll", "sampling-poll"})},
                       {"enabled", BooleanSchema()},
                       {"period_ms", IntegerSchema()},
                       {"next_fire", Nullable(TimeSchema())},
                       {"last_fire", Nullable(TimeSchema())},
                       {"trigger_requested", BooleanSchema("a run was asked for and waits for the server's loop")}});
}

}  // namespace labelloop::views
