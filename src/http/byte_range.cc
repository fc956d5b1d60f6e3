#include "http/byte_range.h"

#include "http/http_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace labelloop::http {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<int64_t> ParseCount(std::string_view text) {
  int64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

struct Span {
  int64_t first, last;
};

// One "a-b", "a-" or "-n": nullopt for bad syntax; a span with first > last when it is
// syntactically fine but unsatisfiable.
std::optional<Span> ParseSpec(std::string_view spec, int64_t size) {
  spec = Trim(spec);
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view left = spec.substr(0, dash), right = spec.substr(dash + 1);
  if (left.empty()) {  // suffix: the last n bytes
    std::optional<int64_t> n = ParseCount(right);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) return Span{1, 0};
    return Span{std::max<int64_t>(0, size - *n), size - 1};
  }
  std::optional<int64_t> first = ParseCount(left);
  if (!first) return std::nullopt;
  int64_t last = size - 1;
  if (!right.empty()) {
    std::optional<int64_t> parsed = ParseCount(right);
    if (!parsed || *parsed < *first) return std::nullopt;
    last = std::min(*parsed, size - 1);
  }
  if (*first >= size) return Span{1, 0};
  return Span{*first, last};
}

}  // namespace

RangePlan PlanRange(std::string_view range_header, int64_t size) {
  range_header = Trim(range_header);
  constexpr std::string_view kUnit = "bytes=";
  if (!range_header.starts_with(kUnit)) return {};
  std::string_view rest = range_header.substr(kUnit.size());
  std::vector<Span> spans;
  bool any_satisfiable = false;
  int count = 0;
  while (!rest.empty()) {
    if (++count > kMaxRangesConsidered) return {};
    const size_t comma = rest.find(',');
    std::optional<Span> span = ParseSpec(rest.substr(0, comma), size);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (!span) return {};
    if (span->first > span->last) continue;
    any_satisfiable = true;
    spans.push_back(*span);
  }
  if (count == 0) return {};
  if (!any_satisfiable) return {RangePlan::kUnsatisfiable, 0, 0};
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.first < b.first; });
  Span merged = spans.front();
  for (const Span& span : spans) {
    if (span.first > merged.last + 1) return {};  // disjoint: the whole body instead
    merged.last = std::max(merged.last, span.last);
  }
  return {RangePlan::kPartial, merged.first, merged.last};
}

void ReplyBody(Call& call, std::string bytes, std::string_view content_type) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  call.response.set_header("Accept-Ranges", "bytes");
  RangePlan plan = PlanRange(call.request.get_header_value("Range"), size);
  const std::string if_range = call.request.get_header_value("If-Range");
  if (!if_range.empty() && if_range != call.response.get_header_value("ETag")) plan = RangePlan{};
  if (plan.kind == RangePlan::kUnsatisfiable) {
    WriteHttpError(call.response, 416, "range_not_satisfiable",
                   fmt::format("the requested range is outside the {} bytes of the body", size));
    call.response.set_header("Content-Range", fmt::format("bytes */{}", size));
    return;
  }
  if (plan.kind == RangePlan::kPartial && !(plan.first == 0 && plan.last == size - 1)) {
    call.response.status = 206;
    call.response.set_header("Content-Range", fmt::format("bytes {}-{}/{}", plan.first, plan.last, size));
    bytes = bytes.substr(static_cast<size_t>(plan.first), static_cast<size_t>(plan.last - plan.first + 1));
  } else {
    call.response.status = 200;
  }
  call.response.set_content(std::move(bytes), content_type);
}

}  // namespace labelloop::http
