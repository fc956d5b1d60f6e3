// Workflow executions (list with status/branch filters and paging, one with its history)
// and the state-machine definition the console draws as a graph.
#include <fmt/format.h>

#include "common/json_util.h"
#include "db/workflow_db.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "workflow/engine.h"

namespace labelloop::http {
namespace {

// Stored JSON text as JSON (null when empty); text that does not parse is returned as a string.
nlohmann::json EmbeddedJson(const std::string& text) {
  if (text.empty()) return nullptr;
  auto parsed = ParseJson(text, "stored JSON");
  return parsed.ok() ? *parsed : nlohmann::json(text);
}

nlohmann::json ExecutionJson(const db::Execution& e) {
  return {{"id", e.id},
          {"branch", e.branch},
          {"status", e.status},
          {"input", EmbeddedJson(e.input_json)},
          {"current_state", e.current_state},
          {"started", IsoTime(e.start_ms)},
          {"stopped", IsoTime(e.stop_ms)},
          {"wake_at", IsoTime(e.wake_at_ms)},
          {"output", EmbeddedJson(e.output_json)},
          {"error", e.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.error)},
          {"cause", e.cause.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.cause)}};
}

nlohmann::json EventJson(const db::ExecutionEvent& event) {
  nlohmann::json json = {{"id", event.id},
                         {"time", IsoTime(event.time_ms)},
                         {"type", event.type},
                         {"state", event.state_name}};
  if (!event.input_json.empty()) json["input"] = EmbeddedJson(event.input_json);
  if (!event.output_json.empty()) json["output"] = EmbeddedJson(event.output_json);
  if (!event.error.empty()) json["error"] = event.error;
  if (!event.cause.empty()) json["cause"] = event.cause;
  if (!event.detail_json.empty()) json["detail"] = EmbeddedJson(event.detail_json);
  return json;
}

}  // namespace

Status HandleListExecutions(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.engine, "the workflow engine"));
  db::ExecutionFilter filter;
  if (auto status = FindQueryString(call, "status")) filter.status = *status;
  if (auto branch = FindQueryString(call, "branch")) filter.branch = *branch;
  ASSIGN_OR_RETURN(filter.limit, PageLimit(call));
  filter.before_id = QueryString(call, "before");
  ASSIGN_OR_RETURN(int64_t offset, QueryInt(call, "offset", 0, 0, 1'000'000));
  filter.offset = static_cast<int>(offset);
  ASSIGN_OR_RETURN(std::vector<db::Execution> executions, call.deps.engine->ListExecutions(filter));
  nlohmann::json list = nlohmann::json::array();
  for (const db::Execution& execution : executions) list.push_back(ExecutionJson(execution));
  // A full page may have more after it: the console passes the last id back as ?before=.
  nlohmann::json next = static_cast<int>(executions.size()) == filter.limit && !executions.empty()
                            ? nlohmann::json(executions.back().id)
                            : nlohmann::json(nullptr);
  ReplyJson(call, 200, {{"executions", list}, {"next_before", next}});
  return OkStatus();
}

Status HandleGetExecution(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.engine, "the workflow engine"));
  const std::string& id = PathParam(call, "id");
  ASSIGN_OR_RETURN(db::Execution execution, call.deps.engine->GetExecution(id));
  ASSIGN_OR_RETURN(std::vector<db::ExecutionEvent> history, call.deps.engine->GetHistory(id));
  nlohmann::json json = ExecutionJson(execution);
  nlohmann::json events = nlohmann::json::array();
  for (const db::ExecutionEvent& event : history) events.push_back(EventJson(event));
  json["history"] = std::move(events);
  ReplyJson(call, 200, json);
  return OkStatus();
}

Status HandleGetStateMachine(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.engine, "the workflow engine"));
  ASSIGN_OR_RETURN(nlohmann::json definition,
                   ParseJson(call.deps.engine->machine().definition_json(), "state machine definition"));
  ReplyJson(call, 200, definition);
  return OkStatus();
}

}  // namespace labelloop::http
