// `labelloop tokens create|list|revoke`: API tokens for programs (upload, detect). A token's
// secret is printed once, at creation; only its SHA-256 is kept.
#include <iostream>

#include <fmt/format.h>

#include "app/app_context.h"
#include "app/cli_output.h"
#include "app/commands.h"
#include "common/json_util.h"
#include "views/account_view.h"

namespace labelloop::app {
namespace {

std::string TimeOrDash(const std::optional<int64_t>& ms) { return ms ? FormatIso8601Utc(*ms) : "-"; }

int ListTokens(auth::AuthService& auth, bool json) {
  Result<std::vector<db::TokenRecord>> tokens = auth.ListTokens();
  if (!tokens.ok()) return ReportError(tokens.status());
  if (json) {
    Json arr = Json::array();
    for (const db::TokenRecord& t : *tokens) arr.push_back(views::TokenJson(t));
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  if (tokens->empty()) {
    std::cerr << "no API tokens yet: `labelloop tokens create NAME --role consumer` makes one\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"}};
  for (const db::TokenRecord& t : *tokens) {
    rows.push_back({t.name, t.role, FormatIso8601Utc(t.created_ms), TimeOrDash(t.last_used_ms),
                    TimeOrDash(t.revoked_ms)});
  }
  std::cout << FormatTable(rows);
  return 0;
}

}  // namespace

int RunTokens(const GlobalOptions& g, const TokensOptions& o) {
  auto ctx = OpenAppContext(g.data_dir);
  if (!ctx.ok()) return ReportError(ctx.status());
  auth::AuthService& auth = *(*ctx)->auth;

  if (o.action == "list") return ListTokens(auth, o.json);
  if (o.action == "create") {
    Result<auth::Role> role = auth::ParseRole(o.role);
    if (!role.ok()) return ReportError(role.status());
    Result<auth::CreatedToken> token = auth.CreateToken(o.name, *role);
    if (!token.ok()) return ReportError(token.status());
    std::cout << token->token << "\n" << std::flush;
    std::cerr << fmt::format(
        "created API token '{}' (role {}). It is shown once: store it now. Send it as "
        "`Authorization: Bearer <token>`, or use it with AWS's clients: access key id '{}', secret access key "
        "the token (docs/aws.md).\n",
        token->name, auth::RoleName(token->role), token->name);
    return 0;
  }
  if (o.action == "revoke") {
    if (Status s = auth.RevokeToken(o.name); !s.ok()) return ReportError(s);
    std::cerr << fmt::format("revoked API token '{}'\n", o.name);
    return 0;
  }
  return ReportError(InvalidArgumentError(fmt::format("unknown tokens action '{}' (create, list, revoke)", o.action)));
}

}  // namespace labelloop::app
