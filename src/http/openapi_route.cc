// GET /api/v1/openapi.json: the OpenAPI description, built once from the route table.
#include "http/call_util.h"
#include "http/handlers.h"
#include "http/openapi.h"
#include "http/route_table.h"

#ifndef LABELLOOP_VERSION
#define LABELLOOP_VERSION "unknown"
#endif

namespace labelloop::http {

Status HandleOpenApi(Call& call) {
  static const nlohmann::json kDescription = BuildOpenApi(RouteTable(), LABELLOOP_VERSION);
  ReplyJson(call, 200, kDescription);
  return OkStatus();
}

}  // namespace labelloop::http
