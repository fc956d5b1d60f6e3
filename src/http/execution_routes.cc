// Workflow executions (list with status/branch filters and paging, one with its history)
// and the state-machine definition the console draws as a graph.
#include <fmt/format.h>

#include "common/json_util.h"
#include "db/workflow_db.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/page_cursor.h"
#include "views/execution_view.h"
#include "workflow/engine.h"

namespace labelloop::http {

Status HandleListExecutions(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.engine, "the workflow engine"));
  db::ExecutionFilter filter;
  if (auto status = FindQueryString(call, "status")) filter.status = *status;
  if (auto branch = FindQueryString(call, "branch")) filter.branch = *branch;
  ASSIGN_OR_RETURN(filter.limit, PageLimit(call));
  filter.before_id = PageCursor(call, "before");
  ASSIGN_OR_RETURN(int64_t offset, QueryInt(call, "offset", 0, 0, 1'000'000));
  filter.offset = static_cast<int>(offset);
  ASSIGN_OR_RETURN(std::vector<db::Execution> executions, call.deps.engine->ListExecutions(filter));
  nlohmann::json list = nlohmann::json::array();
  for (const db::Execution& execution : executions) list.push_back(views::ExecutionJson(execution));
  // A full page may have more after it: the last id is the cursor of the next page.
  nlohmann::json next = static_cast<int>(executions.size()) == filter.limit && !executions.empty()
                            ? nlohmann::json(executions.back().id)
                            : nlohmann::json(nullptr);
  ReplyJson(call, 200, WithNextCursor({{"executions", list}}, next, "next_before"));
  return OkStatus();
}

Status HandleGetExecution(Call& call) {
  RETURN_IF_ERROR(RequireDep(call.deps.engine, "the workflow engine"));
  const std::string& id = PathParam(call, "id");
  ASSIGN_OR_RETURN(db::Execution execution, call.deps.engine->GetExecution(id));
  ASSIGN_OR_RETURN(std::vector<db::ExecutionEvent> history, call.deps.engine->GetHistory(id));
  ReplyJson(call, 200, views::ExecutionDetailJson(execution, history));
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
