// `labelloop users add|list|remove|passwd`: the users who sign in to the console and portal.
#include <iostream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "app/first_admin.h"
#include "app/password_prompt.h"
#include "common/json_util.h"
#include "views/account_view.h"

namespace labelloop::app {
namespace {

std::string TimeOrDash(const std::optional<int64_t>& ms) { return ms ? FormatIso8601Utc(*ms) : "-"; }

int ListUsers(auth::AuthService& auth, bool json) {
  Result<std::vector<db::UserRecord>> users = auth.ListUsers();
  if (!users.ok()) return ReportError(users.status());
  if (json) {
    Json arr = Json::array();
    for (const db::UserRecord& u : *users) arr.push_back(views::UserJson(u));
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "ROLE", "CREATED", "LAST LOGIN"}};
  for (const db::UserRecord& u : *users) {
    rows.push_back({u.name, u.role, FormatIso8601Utc(u.created_ms), TimeOrDash(u.last_login_ms)});
  }
  std::cout << FormatTable(rows);
  return 0;
}

}  // namespace

int RunUsers(const GlobalOptions& g, const UsersOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  auth::AuthService& auth = *(*ctx)->auth;
  if (Status s = EnsureFirstAdmin(auth, std::cerr); !s.ok()) return ReportError(s);

  if (o.action == "list") return ListUsers(auth, o.json);
  if (o.action == "add") {
    Result<auth::Role> role = auth::ParseRole(o.role);
    if (!role.ok()) return ReportError(role.status());
    Result<std::string> password = ReadNewPassword(o.password_stdin);
    if (!password.ok()) return ReportError(password.status());
    if (Status s = auth.AddUser(o.name, *password, *role); !s.ok()) return ReportError(s);
    std::cerr << fmt::format("added user '{}' (role {})\n", o.name, auth::RoleName(*role));
    return 0;
  }
  if (o.action == "passwd") {
    Result<std::string> password = ReadNewPassword(o.password_stdin);
    if (!password.ok()) return ReportError(password.status());
    if (Status s = auth.SetPassword(o.name, *password); !s.ok()) return ReportError(s);
    std::cerr << fmt::format("changed the password of user '{}'; its sessions have ended\n", o.name);
    return 0;
  }
  if (o.action == "remove") {
    if (Status s = auth.RemoveUser(o.name); !s.ok()) return ReportError(s);
    std::cerr << fmt::format("removed user '{}' and ended its sessions\n", o.name);
    return 0;
  }
  return ReportError(InvalidArgumentError(fmt::format("unknown users action '{}' (add, list, remove, passwd)", o.action)));
}

}  // namespace labelloop::app
