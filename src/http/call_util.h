// Small helpers every handler uses: JSON replies, JSON bodies, query and path parameters,
// and the "not configured" check for optional dependencies. Errors are InvalidArgument
// statuses naming the parameter, the rule and the value. Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "http/route.h"

namespace labelloop::http {

void ReplyJson(Call& call, int http_status, const nlohmann::json& body);
void ReplyNoContent(Call& call);

// The body parsed as a JSON object. InvalidArgument naming the parse error (line/column)
// or "request body must be a JSON object".
Result<nlohmann::json> ParseJsonBody(const Call& call);

// The path parameter `name` (always present when the pattern has it).
const std::string& PathParam(const Call& call, std::string_view name);

// Query parameters. Absent (or empty) -> the default / nullopt; malformed or out of range
// -> InvalidArgument naming the parameter.
std::string QueryString(const Call& call, std::string_view name, std::string_view default_value = "");
std::optional<std::string> FindQueryString(const Call& call, std::string_view name);
Result<int64_t> QueryInt(const Call& call, std::string_view name, int64_t default_value, int64_t min, int64_t max);
Result<std::optional<int64_t>> FindQueryInt(const Call& call, std::string_view name, int64_t min, int64_t max);
Result<double> QueryDouble(const Call& call, std::string_view name, double default_value, double min, double max);
Result<std::optional<bool>> FindQueryBool(const Call& call, std::string_view name);

// Unavailable "<what> is not configured on this server" when `dependency` is null.
Status RequireDep(const void* dependency, std::string_view what);

// The caller's name for audit fields ("anonymous" on open routes without credentials).
std::string ActorName(const Call& call);

// ISO-8601 UTC, or null for an absent time.
nlohmann::json IsoTime(int64_t ms);
nlohmann::json IsoTime(const std::optional<int64_t>& ms);

// Page size for list routes: ?limit= (1..max, default 50).
inline constexpr int64_t kDefaultPageLimit = 50;
inline constexpr int64_t kMaxPageLimit = 1000;
Result<int> PageLimit(const Call& call);

}  // namespace labelloop::http
