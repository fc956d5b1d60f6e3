// The one JSON view of a schedule (training-poll, sampling-poll), written by the API and by
// `labelloop schedules list --json`, with its JSON Schema. Pure functions; thread-safe.
#pragma once

#include "schedule/scheduler.h"
#include "views/json_schema.h"

namespace labelloop::views {

Json ScheduleJson(const schedule::ScheduleState& state);
Json ScheduleSchema();

}  // namespace labelloop::views
