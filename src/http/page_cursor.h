// One cursor name for every paged list: a list takes ?cursor= and answers
// "next_cursor" (null on the last page). Lists that had their own names before (objects:
// continuation; executions and notifications: before / next_before) still accept and
// return them as aliases (docs/api.md). Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "http/route.h"

namespace labelloop::http {

inline constexpr std::string_view kCursorParam = "cursor";
inline constexpr std::string_view kNextCursorField = "next_cursor";

// ?cursor=, else the route's older name for it (`alias`, when given); "" when neither.
std::string PageCursor(const Call& call, std::string_view alias = "");
// The same as a positive integer (ids); InvalidArgument naming the parameter otherwise.
Result<std::optional<int64_t>> PageCursorInt(const Call& call, std::string_view alias = "");

// `page` plus "next_cursor": `next` (null on the last page), and `alias` with the same value.
nlohmann::json WithNextCursor(nlohmann::json page, nlohmann::json next, std::string_view alias = "");

}  // namespace labelloop::http
