// The route table: every route the server answers, with its method, pattern and roles,
// in match order (specific patterns before "{...}" ones). The dispatcher, the
// authorisation-matrix test and docs/api.md all follow this one list.
// Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/route.h"

namespace labelloop::http {

const std::vector<Route>& RouteTable();

// The first route matching method and path (HEAD matches GET routes), with its path
// parameters; nullptr when none. When the path matches only under other methods,
// `allowed_methods` lists them ("GET, DELETE"), so the caller can answer 405.
const Route* FindRoute(std::string_view method, std::string_view path, PathParams& params,
                       std::string& allowed_methods);

}  // namespace labelloop::http
