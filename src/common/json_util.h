// JSON helpers over nlohmann::json that turn parse and type errors into Status values
// with context, so no library exception escapes a module. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace labelloop {

using Json = nlohmann::json;

// Arrays and objects nested deeper than this are refused by ParseJson: nlohmann's copy and
// dump recurse once per level, and a 200 KB body of 100,000 nested arrays overflowed an
// 8 MB stack (measured), so one request could kill the server.
inline constexpr size_t kMaxJsonDepth = 256;

// Parses `text`; `what` names the document in the error ("manifest line 3"). InvalidArgument
// for a syntax error, a number out of range (1e400) or nesting deeper than kMaxJsonDepth;
// the message is valid UTF-8 even when it quotes the bad bytes.
Result<Json> ParseJson(std::string_view text, std::string_view what);

// `text` with each byte that is not part of well-formed UTF-8 (stray continuation bytes,
// overlong forms, surrogates, past U+10FFFF) written as "\xNN", so a message that quotes
// untrusted input serialises as JSON (nlohmann's dump throws on invalid UTF-8).
std::string EscapeInvalidUtf8(std::string_view text);

// Typed member access: InvalidArgument naming `what` and the key when missing or mistyped.
Result<std::string> GetJsonString(const Json& object, std::string_view key, std::string_view what);
Result<double> GetJsonNumber(const Json& object, std::string_view key, std::string_view what);
Result<int64_t> GetJsonInt(const Json& object, std::string_view key, std::string_view what);

}  // namespace labelloop
