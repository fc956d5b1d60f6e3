// `labelloop params list|get NAME|set NAME VALUE|history NAME`: the parameters, written
// through the user path (For-System-Use-Only is refused) as "cli:<unix user>".
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "common/json_util.h"
#include "views/parameter_view.h"

namespace labelloop::app {
namespace {

// "cli:alice": the effective user, else $USER, else the uid.
std::string CliActor() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name != nullptr && *pw->pw_name) {
    return std::string("cli:") + pw->pw_name;
  }
  if (const char* user = std::getenv("USER"); user != nullptr && *user) return std::string("cli:") + user;
  return fmt::format("cli:uid-{}", geteuid());
}

std::string Modified(const params::ParameterValue& v) {
  return v.version == 0 ? "-" : FormatIso8601Utc(v.last_modified_ms);
}

int List(params::ParameterStore& store, bool json) {
  auto values = store.List();
  if (!values.ok()) return ReportError(values.status());
  if (json) {
    Json arr = Json::array();
    for (const auto& v : *values) arr.push_back(views::ParameterJson(v));
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "VALUE", "VERSION", "LAST MODIFIED", "DESCRIPTION"}};
  for (const auto& v : *values) {
    const params::ParameterDefinition* d = params::FindParameterDefinition(v.name);
    rows.push_back({v.name, v.value, std::to_string(v.version), Modified(v), d ? d->description : ""});
  }
  std::cout << FormatTable(rows);
  return 0;
}

int History(params::ParameterStore& store, const std::string& name, bool json) {
  auto history = store.History(name);
  if (!history.ok()) return ReportError(history.status());
  if (json) {
    Json arr = Json::array();
    for (const auto& v : *history) arr.push_back(views::ParameterValueJson(v));
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  if (history->empty()) {
    std::cerr << name << " was never written; its default applies\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"VERSION", "VALUE", "LAST MODIFIED", "MODIFIED BY"}};
  for (const auto& v : *history) rows.push_back({std::to_string(v.version), v.value, Modified(v), v.modified_by});
  std::cout << FormatTable(rows);
  return 0;
}

}  // namespace

int RunParams(const GlobalOptions& g, const ParamsOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  params::ParameterStore& store = *(*ctx)->params;

  if (o.action == "list") return List(store, o.json);
  if (o.action == "history") return History(store, o.name, o.json);
  if (o.action == "get") {
    auto value = store.Get(o.name);
    if (!value.ok()) return ReportError(value.status());
    if (o.json) std::cout << views::ParameterJson(*value).dump(2) << "\n";
    else std::cout << value->value << "\n";
    return 0;
  }
  if (o.action == "set") {
    auto value = store.Set(o.name, o.value, CliActor());
    if (!value.ok()) return ReportError(value.status());
    if (o.json) std::cout << views::ParameterValueJson(*value).dump(2) << "\n";
    else std::cout << fmt::format("{} = {} (version {})\n", value->name, value->value, value->version);
    return 0;
  }
  return ReportError(InvalidArgumentError("unknown params action '" + o.action + "' (list, get, set, history)"));
}

}  // namespace labelloop::app
