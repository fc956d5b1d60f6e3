// The one JSON view of a workflow execution and of its history events, written by the API
// (GET /api/v1/executions...) and by `labelloop executions ... --json`, with their JSON
// Schemas. The CLI's earlier names ("state", "start", "stop", "steps") are kept as aliases.
// Pure functions; thread-safe.
#pragma once

#include "db/workflow_db.h"
#include "views/json_schema.h"

namespace labelloop::views {

Json ExecutionJson(const db::Execution& execution);
// Input/output/error/cause/detail appear only when the event has them.
Json ExecutionEventJson(const db::ExecutionEvent& event);
// The execution plus "history": its events in order.
Json ExecutionDetailJson(const db::Execution& execution, const std::vector<db::ExecutionEvent>& history);

Json ExecutionSchema();
Json ExecutionEventSchema();
Json ExecutionDetailSchema();

}  // namespace labelloop::views
