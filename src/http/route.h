// A route: method, path pattern, who may call it, and its handler. The route table
// (route_table.h) lists every route once; the dispatcher (server.cc) matches, checks
// authentication, role and CSRF from this record, then calls the handler with a Call.
// Patterns: literal segments, "{name}" (one segment) and a final "{name+}" (the rest of
// the path, '/' included, not empty) or "{name*}" (the rest, possibly empty). Immutable after start-up; thread-safe to share.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_service.h"
#include "common/status.h"
#include "http/event_hub.h"
#include "http/route_doc.h"
#include "http/request.h"
#include "http/server.h"

namespace labelloop::http {

// Who may call a route. Admins may call every route; open routes need no credentials.
struct Access {
  bool open = false;
  bool reviewer = false;
  bool consumer = false;
  // Also open (no credentials) when ServerOptions::metrics_open is set: GET /metrics.
  bool open_when_metrics_open = false;
  // Authenticated by an AWS SigV4 signature (aws_auth.h) instead of a bearer token or a
  // session; errors are answered in AWS's shape. Roles as above.
  bool aws_signed = false;
  // Signed with SigV4 over the body (AWS's JSON-protocol services): the handler checks the
  // signature once the (in-memory, bounded) body is in; errors in AWS JSON 1.1's shape.
  bool aws_signed_json = false;

  bool Allows(auth::Role role) const;
  // "admin", "admin, reviewer", "open" ... (for messages and docs).
  std::string Describe() const;
};

inline constexpr Access kOpen{true, true, true, false};
inline constexpr Access kAdminOnly{false, false, false, false};
inline constexpr Access kAdminReviewer{false, true, false, false};
inline constexpr Access kAdminConsumer{false, false, true, false};
inline constexpr Access kAnyRole{false, true, true, false};
inline constexpr Access kAnyRoleUnlessMetricsOpen{false, true, true, true};
inline constexpr Access kAwsSignedAnyRole{false, true, true, false, true};
inline constexpr Access kAwsSignedJsonAnyRole{false, true, true, false, false, true};

// The authenticated caller of a request.
struct Caller {
  std::string name;
  auth::Role role = auth::Role::kConsumer;
  bool via_token = false;
  std::string session_id;   // raw cookie value when authenticated by session
  std::string csrf_token;   // the session's CSRF token (session callers only)
  bool must_change_password = false;  // one-time password: only the session routes answer
};

using PathParams = std::map<std::string, std::string, std::less<>>;

// Everything a handler sees. Handlers write the response on success and return OK, or
// return a non-OK Status that the dispatcher turns into the error response.
struct Call {
  const Request& request;
  Response& response;
  const ServerOptions& options;
  const ServerDeps& deps;
  EventHub& events;
  PathParams path;
  std::optional<Caller> caller;  // empty on open routes called without credentials
};

using Handler = Status (*)(Call& call);

struct Route {
  std::string_view method;   // GET, POST, PUT, DELETE (HEAD is served by GET routes)
  std::string_view pattern;  // e.g. "/api/v1/objects/{key+}"
  Access access;
  Handler handler;
  RouteDoc doc;  // for the OpenAPI description only
};

// Matches `path` against `pattern`; fills `params` on success.
bool MatchPattern(std::string_view pattern, std::string_view path, PathParams& params);

}  // namespace labelloop::http
