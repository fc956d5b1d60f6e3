// The request line and headers as the server checks them before any route or handler
// sees them: strict percent-decoding of the path and query, and text that is valid UTF-8
// without control characters. Every refusal is an InvalidArgument naming what was wrong
// (never the offending bytes, so an error message is always printable). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/request.h"

namespace labelloop::http {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

struct RequestTarget {
  std::string path;
  Params params;
};

// Splits "/a%20b?x=1&y" into the decoded path and query parameters ('+' in the query is a
// space). InvalidArgument for a target not starting with '/', a bad %-escape, a decoded
// NUL or other control character, or invalid UTF-8.
Result<RequestTarget> ParseRequestTarget(std::string_view target);

// Decodes %XX (and '+' as a space when `plus_is_space`). InvalidArgument, naming `what`
// ("path", "query", "x-amz-copy-source"), for a malformed escape, a control character or
// invalid UTF-8 in the result.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space, std::string_view what);

// InvalidArgument when a header name or value is not valid UTF-8 or holds a control
// character other than tab.
Status CheckHeaderText(std::string_view name, std::string_view value);

}  // namespace labelloop::http
