// Sign-in sessions for the console and the portal. Login always issues a fresh session id
// and ends any session the browser came with (no session fixation); the id travels only
// in an HttpOnly, SameSite=Strict cookie (Secure under TLS); pages send the CSRF token
// back as X-CSRF-Token on state-changing calls.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json_util.h"
#include "auth/login_rate_limiter.h"
#include "http/authenticator.h"
#include "http/client_address.h"
#include "http/call_util.h"
#include "http/handlers.h"

namespace labelloop::http {
namespace {

std::string SessionCookie(const Call& call, std::string_view value, int64_t max_age_s) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookieName, value,
                     max_age_s, call.options.tls ? "; Secure" : "");
}

// Every X-Forwarded-For header joined, read only behind a trusted proxy (client_address.h).
std::string RequestClientAddress(const Call& call) {
  std::string forwarded;
  const size_t count = call.request.get_header_value_count("X-Forwarded-For");
  for (size_t i = 0; i < count; ++i) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded += call.request.get_header_value("X-Forwarded-For", i);
  }
  return ClientAddress(call.request.remote_addr, forwarded, call.options.trusted_proxies);
}

// The sign-in reply: the session cookie and {"user", "role", "csrf_token",
// "must_change_password"}.
void ReplySession(Call& call, const auth::Session& session) {
  int64_t max_age_s = std::max<int64_t>(0, (session.expires_ms - call.deps.clock->NowMs()) / 1000);
  call.response.set_header("Set-Cookie", SessionCookie(call, session.id, max_age_s));
  call.response.set_header("Cache-Control", "no-store");
  ReplyJson(call, 200,
            {{"user", session.user},
             {"role", auth::RoleName(session.role)},
             {"csrf_token", session.csrf_token},
             {"must_change_password", session.must_change_password}});
}

}  // namespace

Status HandleLogin(Call& call) {
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  ASSIGN_OR_RETURN(std::string user, GetJsonString(body, "user", "sign-in request"));
  ASSIGN_OR_RETURN(std::string password, GetJsonString(body, "password", "sign-in request"));
  auto session = call.deps.auth->Login(user, password, RequestClientAddress(call));
  if (!session.ok()) {
    if (session.status().code() == StatusCode::kResourceExhausted) {
      std::optional<int64_t> wait_s = auth::RetryAfterSeconds(session.status());
      call.response.set_header("Retry-After", std::to_string(wait_s.value_or(call.options.login_retry_after_s)));
    }
    return session.status();
  }
  // A session id the browser brought along (perhaps planted) never survives a sign-in.
  std::string previous = SessionCookieValue(call.request);
  if (!previous.empty() && previous != session->id) {
    Status ended = call.deps.auth->Logout(previous);
    if (!ended.ok() && ended.code() != StatusCode::kNotFound && ended.code() != StatusCode::kUnauthenticated) {
      spdlog::warn("sign-in of '{}': ending the previous session failed: {}", user, ended.ToString());
    }
  }
  ReplySession(call, *session);
  return OkStatus();
}

Status HandleChangePassword(Call& call) {
  const Caller& caller = *call.caller;
  if (caller.via_token) {
    return InvalidArgumentError("an API token has no password: sign in with a user name and password to change one");
  }
  ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(call));
  ASSIGN_OR_RETURN(std::string current, GetJsonString(body, "current_password", "password change request"));
  ASSIGN_OR_RETURN(std::string next, GetJsonString(body, "new_password", "password change request"));
  auto session = call.deps.auth->ChangeOwnPassword(caller.name, current, next, RequestClientAddress(call));
  if (!session.ok()) {
    if (session.status().code() == StatusCode::kResourceExhausted) {
      std::optional<int64_t> wait_s = auth::RetryAfterSeconds(session.status());
      call.response.set_header("Retry-After", std::to_string(wait_s.value_or(call.options.login_retry_after_s)));
    }
    if (session.status().code() == StatusCode::kUnauthenticated) {
      // Not a 401: the caller is signed in; only the current password it typed is wrong.
      return PermissionDeniedError("the current password is wrong");
    }
    return session.status();
  }
  ReplySession(call, *session);  // every old session ended: this is the caller's new one
  return OkStatus();
}

Status HandleGetSession(Call& call) {
  const Caller& caller = *call.caller;
  call.response.set_header("Cache-Control", "no-store");
  ReplyJson(call, 200,
            {{"user", caller.name},
             {"role", auth::RoleName(caller.role)},
             {"via_token", caller.via_token},
             {"must_change_password", caller.must_change_password},
             {"csrf_token", caller.via_token ? nlohmann::json(nullptr) : nlohmann::json(caller.csrf_token)}});
  return OkStatus();
}

Status HandleLogout(Call& call) {
  const Caller& caller = *call.caller;
  if (!caller.via_token) {
    RETURN_IF_ERROR(call.deps.auth->Logout(caller.session_id));
    call.response.set_header("Set-Cookie", SessionCookie(call, "", 0));
  }
  ReplyNoContent(call);
  return OkStatus();
}

}  // namespace labelloop::http
