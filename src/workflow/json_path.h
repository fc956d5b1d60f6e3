// JsonPath: the plain JSONPath subset of the states language: "$", "$.a.b", "$.a[0]",
// "$['a b']" (no wildcards, filters or slices). Parsed once at load, so a bad path is a
// load error; Get/Set never throw. Immutable after Parse; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace labelloop::workflow {

using Json = nlohmann::json;

class JsonPath {
 public:
  // InvalidArgument naming the path and the position of the problem.
  static Result<JsonPath> Parse(std::string_view text);
  // True when `text` starts like a path ("$" then end, '.' or '['): how "key.$" values and
  // *Path fields are told apart from typos in tests and validation messages.
  static bool LooksLikePath(std::string_view text);

  const std::string& text() const { return text_; }
  bool IsRoot() const { return segments_.empty(); }

  // The value at the path; nullptr when a segment is missing or crosses a wrong type.
  const Json* Find(const Json& document) const;
  // The value at the path. NotFound naming the path and the first missing segment.
  Result<Json> Get(const Json& document) const;
  // Puts `value` at the path, creating missing object members (a ResultPath). "$"
  // replaces the whole document. InvalidArgument when a segment crosses a non-object
  // (or an index is outside an existing array).
  Status Set(Json& document, Json value) const;

 private:
  using Segment = std::variant<std::string, size_t>;  // member name or array index

  std::string text_;
  std::vector<Segment> segments_;
};

}  // namespace labelloop::workflow
