// Health (liveness), readiness and the dashboard summary.
#include "http/call_util.h"
#include "http/handlers.h"

#ifndef LABELLOOP_VERSION
#define LABELLOOP_VERSION "unknown"
#endif

namespace labelloop::http {

Status HandleHealth(Call& call) {
  ReplyJson(call, 200, {{"status", "ok"}, {"version", LABELLOOP_VERSION}});
  return OkStatus();
}

Status HandleReady(Call& call) {
  if (!call.deps.hooks.ready) return UnavailableError("the readiness hook is not configured on this server");
  auto [ready, body] = call.deps.hooks.ready();
  ReplyJson(call, ready ? 200 : 503, body);
  return OkStatus();
}

Status HandleDashboard(Call& call) {
  if (!call.deps.hooks.dashboard) return UnavailableError("the dashboard hook is not configured on this server");
  ASSIGN_OR_RETURN(nlohmann::json summary, call.deps.hooks.dashboard());
  ReplyJson(call, 200, summary);
  return OkStatus();
}

}  // namespace labelloop::http
