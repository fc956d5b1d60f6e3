// Range requests (RFC 9110 section 14) on replies whose whole body is at hand: web assets
// and bucket objects. One range, or a few that merge into one, is served as 206; an
// unsatisfiable one is 416; anything else (many ranges, disjoint ranges, bad syntax) gets
// the whole body as 200, which the RFC allows. A reply is never larger than its body:
// no multipart/byteranges, so no amplification. Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/route.h"

namespace labelloop::http {

// More ranges than this in one header are not even merged: the whole body is sent.
inline constexpr int kMaxRangesConsidered = 16;

struct RangePlan {
  enum Kind { kWhole, kPartial, kUnsatisfiable } kind = kWhole;
  int64_t first = 0;  // kPartial: inclusive byte positions
  int64_t last = 0;
};

// What to send for `range_header` (the Range header's value, "" when absent) on a body of
// `size` bytes.
RangePlan PlanRange(std::string_view range_header, int64_t size);

// Sets status 200/206/416 and the body from `bytes`, honouring Range (and If-Range against
// the ETag the handler already set). Adds Accept-Ranges: bytes.
void ReplyBody(Call& call, std::string bytes, std::string_view content_type);

}  // namespace labelloop::http
