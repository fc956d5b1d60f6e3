#include "http/page_cursor.h"

#include <fmt/format.h>

#include <charconv>

#include "http/call_util.h"

namespace labelloop::http {

std::string PageCursor(const Call& call, std::string_view alias) {
  if (std::optional<std::string> cursor = FindQueryString(call, kCursorParam)) return *cursor;
  if (alias.empty()) return "";
  return QueryString(call, alias);
}

Result<std::optional<int64_t>> PageCursorInt(const Call& call, std::string_view alias) {
  std::string text = PageCursor(call, alias);
  if (text.empty()) return std::optional<int64_t>();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1) {
    return InvalidArgumentError(
        fmt::format("query parameter '{}' must be a cursor from next_cursor (a positive integer here), got '{}'",
                    FindQueryString(call, kCursorParam) ? kCursorParam : alias, text));
  }
  return std::optional<int64_t>(value);
}

nlohmann::json WithNextCursor(nlohmann::json page, nlohmann::json next, std::string_view alias) {
  if (!alias.empty()) page[std::string(alias)] = next;
  page[std::string(kNextCursorField)] = std::move(next);
  return page;
}

}  // namespace labelloop::http
