// `labelloop executions list|describe ID|history ID`: the workflow's runs, read from the
// database (works while the server runs, or without it).
#include <fmt/format.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "db/workflow_db.h"
#include "views/execution_view.h"

namespace labelloop::app {
namespace {

using Json = nlohmann::json;

std::string Duration(const db::Execution& e) {
  if (!e.stop_ms) return "-";
  return fmt::format("{:.1f} s", double(*e.stop_ms - e.start_ms) / 1000.0);
}

}  // namespace

int RunExecutions(const GlobalOptions& g, const ExecutionsOptions& o) {
  Result<AppConfig> config = LoadAppConfig(g.data_dir);
  if (!config.ok()) return ReportError(config.status());
  if (Result<std::unique_ptr<AppContext>> ctx = OpenAppContext(g.data_dir); !ctx.ok()) return ReportError(ctx.status());
  Result<std::unique_ptr<db::WorkflowDb>> db = db::OpenSqliteWorkflowDb(config->database_path, SystemClock::Default());
  if (!db.ok()) return ReportError(db.status());
  if (o.action == "list") {
    db::ExecutionFilter filter;
    filter.limit = o.limit;
    if (!o.status.empty()) filter.status = o.status;
    if (!o.branch.empty()) filter.branch = o.branch;
    Result<std::vector<db::Execution>> list = (*db)->ListExecutions(filter);
    if (!list.ok()) return ReportError(list.status());
    if (o.json) {
      Json out = Json::array();
      for (const auto& e : *list) out.push_back(views::ExecutionJson(e));
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"ID", "BRANCH", "STATUS", "STATE", "STARTED", "DURATION"}};
    for (const auto& e : *list) {
      rows.push_back({e.id, e.branch, e.status, e.current_state, FormatIso8601Utc(e.start_ms), Duration(e)});
    }
    std::cout << FormatTable(rows);
    return 0;
  }
  Result<db::Execution> execution = (*db)->GetExecution(o.id);
  if (!execution.ok()) return ReportError(execution.status());
  if (o.action == "describe") {
    std::cout << views::ExecutionJson(*execution).dump(2) << "\n";
    return 0;
  }
  Result<std::vector<db::ExecutionEvent>> history = (*db)->GetHistory(o.id);
  if (!history.ok()) return ReportError(history.status());
  if (o.json) {
    Json out = Json::array();
    for (const auto& ev : *history) out.push_back(views::ExecutionEventJson(ev));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"TIME", "EVENT", "STATE", "DETAIL"}};
  for (const auto& ev : *history) {
    std::string detail = !ev.error.empty() ? ev.error + ": " + ev.cause : ev.detail_json;
    if (detail.size() > 80) detail = detail.substr(0, 77) + "...";
    rows.push_back({FormatIso8601Utc(ev.time_ms), ev.type, ev.state_name, detail});
  }
  std::cout << FormatTable(rows);
  return 0;
}

}  // namespace labelloop::app
