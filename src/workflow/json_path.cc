#include "workflow/json_path.h"

#include <fmt/format.h>

#include <cctype>

namespace labelloop::workflow {
namespace {

bool IsNameChar(char c) {
  // Anything but the characters that start or end a segment (and spaces, which are a typo).
  return c != '.' && c != '[' && c != ']' && c != '\'' && c != '"' && !std::isspace(static_cast<unsigned char>(c));
}

}  // namespace

bool JsonPath::LooksLikePath(std::string_view text) {
  return !text.empty() && text[0] == '$' && (text.size() == 1 || text[1] == '.' || text[1] == '[');
}

Result<JsonPath> JsonPath::Parse(std::string_view text) {
  const auto bad = [&](size_t pos, std::string_view why) {
    return InvalidArgumentError(fmt::format("JSONPath '{}' is invalid at character {}: {} (supported: $, $.a.b, "
                                            "$.a[0], $['a b'])",
                                            text, pos + 1, why));
  };
  if (text.empty() || text[0] != '$') return bad(0, "must start with '$'");
  if (text.size() >= 2 && text[1] == '$') return bad(1, "context paths ($$) are not supported");
  JsonPath path;
  path.text_ = std::string(text);
  size_t i = 1;
  while (i < text.size()) {
    if (text[i] == '.') {
      const size_t start = ++i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      if (i == start) return bad(start, "expected a member name after '.'");
      const std::string name(text.substr(start, i - start));
      if (name == "*" || name.find('*') != std::string::npos) return bad(start, "wildcards are not supported");
      path.segments_.emplace_back(name);
    } else if (text[i] == '[') {
      ++i;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        const char quote = text[i];
        const size_t start = ++i;
        while (i < text.size() && text[i] != quote) ++i;
        if (i >= text.size()) return bad(start - 1, "unterminated quoted name");
        path.segments_.emplace_back(std::string(text.substr(start, i - start)));
        ++i;
      } else {
        const size_t start = i;
        size_t index = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
          index = index * 10 + static_cast<size_t>(text[i] - '0');
          if (index > 1'000'000'000) return bad(start, "array index too large");
          ++i;
        }
        if (i == start) return bad(start, "expected an array index (a non-negative integer) or a quoted name");
        path.segments_.emplace_back(index);
      }
      if (i >= text.size() || text[i] != ']') return bad(i, "expected ']'");
      ++i;
    } else {
      return bad(i, fmt::format("unexpected '{}'", text[i]));
    }
  }
  return path;
}

const Json* JsonPath::Find(const Json& document) const {
  const Json* node = &document;
  for (const Segment& segment : segments_) {
    if (const auto* name = std::get_if<std::string>(&segment)) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(*name);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else {
      const size_t index = std::get<size_t>(segment);
      if (!node->is_array() || index >= node->size()) return nullptr;
      node = &(*node)[index];
    }
  }
  return node;
}

Result<Json> JsonPath::Get(const Json& document) const {
  if (const Json* found = Find(document)) return *found;
  // Name the first segment that is missing, so the user sees where the input differs.
  const Json* node = &document;
  std::string prefix = "$";
  for (const Segment& segment : segments_) {
    const Json* next = nullptr;
    if (const auto* name = std::get_if<std::string>(&segment)) {
      if (node->is_object()) {
        auto it = node->find(*name);
        if (it != node->end()) next = &*it;
      }
      if (next == nullptr) {
        return NotFoundError(fmt::format("JSONPath '{}': {} has no member '{}' (it is {})", text_, prefix, *name,
                                         node->is_object() ? "an object without it" : node->type_name()));
      }
      prefix += "." + *name;
    } else {
      const size_t index = std::get<size_t>(segment);
      if (node->is_array() && index < node->size()) next = &(*node)[index];
      if (next == nullptr) {
        return NotFoundError(fmt::format("JSONPath '{}': {} has no element [{}] (it is {} of size {})", text_, prefix,
                                         index, node->type_name(), node->size()));
      }
      prefix += fmt::format("[{}]", index);
    }
    node = next;
  }
  return InternalError(fmt::format("JSONPath '{}': lookup failed", text_));
}

Status JsonPath::Set(Json& document, Json value) const {
  Json* node = &document;
  std::string prefix = "$";
  for (const Segment& segment : segments_) {
    if (const auto* name = std::get_if<std::string>(&segment)) {
      if (node->is_null()) *node = Json::object();
      if (!node->is_object()) {
        return InvalidArgumentError(fmt::format("ResultPath '{}': cannot set member '{}' because {} is {}, not an "
                                                "object",
                                                text_, *name, prefix, node->type_name()));
      }
      node = &(*node)[*name];
      prefix += "." + *name;
    } else {
      const size_t index = std::get<size_t>(segment);
      if (!node->is_array() || index >= node->size()) {
        return InvalidArgumentError(fmt::format("ResultPath '{}': {} has no element [{}] to replace", text_, prefix,
                                                index));
      }
      node = &(*node)[index];
      prefix += fmt::format("[{}]", index);
    }
  }
  *node = std::move(value);
  return OkStatus();
}

}  // namespace labelloop::workflow
