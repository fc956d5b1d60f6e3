// Authentication and authorisation at the edge: who is calling (a bearer token or the
// session cookie) and whether the route lets them (role, CSRF). Bearer wins when both are
// sent. State-changing requests authenticated by cookie must carry X-CSRF-Token equal to
// the session's token; bearer requests need none (a browser never adds the header).
// Thread-safe (AuthService is).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_service.h"
#include "http/route.h"

namespace labelloop::http {

inline constexpr std::string_view kSessionCookieName = "labelloop_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// The labelloop_session cookie's value ("" when absent).
std::string SessionCookieValue(const Request& request);

// The caller, nullopt when the request carries no credentials; Unauthenticated when it
// carries credentials that are wrong, expired or revoked.
Result<std::optional<Caller>> Authenticate(const Request& request, auth::AuthService& auth);

// Fills call.caller and checks the route's access rule: Unauthenticated (no or bad
// credentials on a non-open route), PermissionDenied (role, missing/wrong CSRF token, or a
// one-time password not yet changed).
// On open routes bad credentials are ignored (the login page must work with a stale cookie).
Status AuthorizeCall(const Route& route, Call& call);

// The routes a session with a one-time password may call: see and end the session, and
// change the password (POST /api/v1/session/password). Everything else is refused.
bool AllowedBeforePasswordChange(const Route& route);

// True for methods that change state (everything but GET, HEAD, OPTIONS).
bool IsStateChanging(std::string_view method);

}  // namespace labelloop::http
