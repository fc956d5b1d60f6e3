// Users and API tokens (admin only). Passwords and token secrets are never returned,
// except a new token's secret, once, in the reply that creates it.
#include "common/json_util.h"
#include "db/auth_db.h"
#include "http/call_util.h"
#include "http/handlers.h"
#include "views/account_view.h"

namespace labelloop::http {

Status HandleListUsers(Call& call) {
  ASSIGN_OR_RETURN(std::vector<db::UserRecord> users, call.deps.auth->ListUsers());
  nlohmann::json list = nlohmann::json::array();
  for (const db::UserRecord& user : users) list.push_back(views::UserJson(user));
  ReplyJson(call, 200, {{"users", list}});
  return OkStatus();
}

Status HandleAddUser(Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  ASSIGN_OR_RETURN(std::string name, GetJsonString(body, "name", "new user"));
  ASSIGN_OR_RETURN(std::string password, GetJsonString(body, "password", "new user"));
  ASSIGN_OR_RETURN(std::string role_name, GetJsonString(body, "role", "new user"));
  ASSIGN_OR_RETURN(auth::Role role, auth::ParseRole(role_name));
  RETURN_IF_ERROR(call.deps.auth->AddUser(name, password, role));
  ReplyJson(call, 201, {{"name", name}, {"role", auth::RoleName(role)}});
  return OkStatus();
}

Status HandleRemoveUser(Call& call) {
  RETURN_IF_ERROR(call.deps.auth->RemoveUser(PathParam(call, "name")));
  ReplyNoContent(call);
  return OkStatus();
}

Status HandleSetPassword(Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  ASSIGN_OR_RETURN(std::string password, GetJsonString(body, "password", "password change"));
  RETURN_IF_ERROR(call.deps.auth->SetPassword(PathParam(call, "name"), password));
  ReplyNoContent(call);
  return OkStatus();
}

Status HandleListTokens(Call& call) {
  ASSIGN_OR_RETURN(std::vector<db::TokenRecord> tokens, call.deps.auth->ListTokens());
  nlohmann::json list = nlohmann::json::array();
  for (const db::TokenRecord& token : tokens) list.push_back(views::TokenJson(token));
  ReplyJson(call, 200, {{"tokens", list}});
  return OkStatus();
}

Status HandleCreateToken(Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  ASSIGN_OR_RETURN(std::string name, GetJsonString(body, "name", "new token"));
  ASSIGN_OR_RETURN(std::string role_name, GetJsonString(body, "role", "new token"));
  ASSIGN_OR_RETURN(auth::Role role, auth::ParseRole(role_name));
  ASSIGN_OR_RETURN(auth::CreatedToken token, call.deps.auth->CreateToken(name, role));
  call.response.set_header("Cache-Control", "no-store");
  ReplyJson(call, 201, {{"name", token.name}, {"token", token.token}, {"role", auth::RoleName(token.role)}});
  return OkStatus();
}

Status HandleRevokeToken(Call& call) {
  RETURN_IF_ERROR(call.deps.auth->RevokeToken(PathParam(call, "name")));
  ReplyNoContent(call);
  return OkStatus();
}

}  // namespace labelloop::http
