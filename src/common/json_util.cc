#include "common/json_util.h"

#include <fmt/format.h>

#include <algorithm>

namespace labelloop {

namespace {

// The deepest nesting of arrays and objects in `text`, brackets inside strings not counted.
size_t NestingDepth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  if (size_t depth = NestingDepth(text); depth > kMaxJsonDepth) {
    return InvalidArgumentError(
        fmt::format("{} is nested {} levels deep, above the limit of {}", what, depth, kMaxJsonDepth));
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for 1e400
    return InvalidArgumentError(EscapeInvalidUtf8(fmt::format("{} is not valid JSON: {}", what, e.what())));
  }
}

namespace {

// The length of the well-formed UTF-8 sequence at text[i], or 0 (RFC 3629, table 3-7).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead == 0xE0) low = 0xA0;           // overlong
  if (lead == 0xED) high = 0x9F;          // surrogates
  if (lead == 0xF0) low = 0x90;           // overlong
  if (lead == 0xF4) high = 0x8F;          // past U+10FFFF
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::string EscapeInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (size_t length = Utf8SequenceLength(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
      ++i;
    }
  }
  return out;
}

static Result<const Json*> Member(const Json& object, std::string_view key, std::string_view what) {
  if (!object.is_object()) return InvalidArgumentError(fmt::format("{} is not a JSON object", what));
  auto it = object.find(key);
  if (it == object.end()) return InvalidArgumentError(fmt::format("{} has no \"{}\"", what, key));
  return &*it;
}

Result<std::string> GetJsonString(const Json& object, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(const Json* value, Member(object, key, what));
  if (!value->is_string()) return InvalidArgumentError(fmt::format("{}: \"{}\" must be a string", what, key));
  return value->get<std::string>();
}

Result<double> GetJsonNumber(const Json& object, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(const Json* value, Member(object, key, what));
  if (!value->is_number()) return InvalidArgumentError(fmt::format("{}: \"{}\" must be a number", what, key));
  return value->get<double>();
}

Result<int64_t> GetJsonInt(const Json& object, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(const Json* value, Member(object, key, what));
  if (!value->is_number_integer()) return InvalidArgumentError(fmt::format("{}: \"{}\" must be an integer", what, key));
  return value->get<int64_t>();
}

}  // namespace labelloop
