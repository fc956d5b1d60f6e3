// JSON helpers over nlohmann::json that turn parse and type errors into Status values
// with context, so no library exception escapes a module. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace labelloop {

using Json = nlohmann::json;

// Parses `text`; `what` names the document in the error ("manifest line 3").
Result<Json> ParseJson(std::string_view text, std::string_view what);

// Typed member access: InvalidArgument naming `what` and the key when missing or mistyped.
Result<std::string> GetJsonString(const Json& object, std::string_view key, std::string_view what);
Result<double> GetJsonNumber(const Json& object, std::string_view key, std::string_view what);
Result<int64_t> GetJsonInt(const Json& object, std::string_view key, std::string_view what);

}  // namespace labelloop
