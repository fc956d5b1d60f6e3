#include "http/authenticator.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "http/aws_auth.h"

namespace labelloop::http {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string SessionCookieValue(const Request& request) {
  size_t count = request.get_header_value_count("Cookie");
  for (size_t i = 0; i < count; ++i) {
    std::string header = request.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      size_t semicolon = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semicolon));
      rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
      size_t equals = pair.find('=');
      if (equals == std::string_view::npos) continue;
      if (Trim(pair.substr(0, equals)) == kSessionCookieName) return std::string(Trim(pair.substr(equals + 1)));
    }
  }
  return "";
}

Result<std::optional<Caller>> Authenticate(const Request& request, auth::AuthService& auth) {
  if (request.has_header("Authorization")) {
    std::string header = request.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
      return UnauthenticatedError("the Authorization header must be 'Bearer <token>'");
    }
    ASSIGN_OR_RETURN(auth::Principal principal, auth.AuthenticateToken(Trim(header.substr(kBearer.size()))));
    return std::optional<Caller>(Caller{principal.name, principal.role, true, "", ""});
  }
  std::string session_id = SessionCookieValue(request);
  if (session_id.empty()) return std::optional<Caller>();
  auto session = auth.AuthenticateSession(session_id);
  if (!session.ok()) return session.status();
  auto& [principal, csrf] = *session;
  return std::optional<Caller>(
      Caller{principal.name, principal.role, false, session_id, csrf, principal.must_change_password});
}

bool AllowedBeforePasswordChange(const Route& route) {
  return route.pattern == "/api/v1/session" || route.pattern == "/api/v1/session/password";
}

bool IsStateChanging(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

Status AuthorizeCall(const Route& route, Call& call) {
  if (route.access.aws_signed_json) return OkStatus();  // the handler checks the signature over the body
  if (route.access.aws_signed) {
    ASSIGN_OR_RETURN(Caller who, AuthenticateS3Request(call.request, *call.deps.auth, *call.deps.clock));
    if (!route.access.Allows(who.role)) {
      return AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                      fmt::format("API token '{}' has role '{}'; {} {} needs role {}", who.name,
                                  auth::RoleName(who.role), route.method, route.pattern, route.access.Describe()));
    }
    call.caller = std::move(who);
    return OkStatus();
  }
  auto caller = Authenticate(call.request, *call.deps.auth);
  if (route.access.open || (route.access.open_when_metrics_open && call.options.metrics_open)) {
    if (caller.ok()) call.caller = std::move(*caller);
    return OkStatus();
  }
  if (!caller.ok()) return caller.status();
  if (!caller->has_value()) {
    return UnauthenticatedError(fmt::format("{} {} needs a signed-in user or an API token (Authorization: Bearer)",
                                            route.method, route.pattern));
  }
  const Caller& who = **caller;
  if (!route.access.Allows(who.role)) {
    return PermissionDeniedError(fmt::format("user '{}' has role '{}'; {} {} needs role {}", who.name,
                                             auth::RoleName(who.role), route.method, route.pattern,
                                             route.access.Describe()));
  }
  if (!who.via_token && IsStateChanging(call.request.method)) {
    std::string sent = call.request.get_header_value(std::string(kCsrfHeader));
    if (sent.empty() || !ConstantTimeEquals(sent, who.csrf_token)) {
      return PermissionDeniedError(
          "CSRF token missing or wrong: send the csrf_token from GET /api/v1/session as the X-CSRF-Token header");
    }
  }
  if (who.must_change_password && !AllowedBeforePasswordChange(route)) {
    return PermissionDeniedError(fmt::format(
        "user '{}' signed in with a one-time password and must change it first: POST /api/v1/session/password "
        "with {{\"current_password\", \"new_password\"}} (the console asks for it at sign-in)",
        who.name));
  }
  call.caller = std::move(*caller);
  return OkStatus();
}

}  // namespace labelloop::http
