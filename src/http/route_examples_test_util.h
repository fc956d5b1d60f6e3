// Test helper: a concrete request path for each route pattern, so tests walk the route
// table itself (a new route is tested the moment it is added). Header-only, tests only.
#pragma once

#include <string>
#include <string_view>

#include "http/route.h"

namespace labelloop::http {

// Replaces each "{name}" / "{name+}" in `pattern` with an example value that is valid for
// the route but names nothing that exists (so state-changing calls are harmless).
inline std::string ExamplePath(std::string_view pattern) {
  std::string path;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      path += pattern[i++];
      continue;
    }
    size_t close = pattern.find('}', i);
    std::string_view name = pattern.substr(i + 1, close - i - 1);
    if (name == "key+") {
      path += "images_for_detection/example.jpg";
    } else if (name == "path*") {
      path += "app.js";
    } else if (name == "id") {
      path += "12345";
    } else {
      path += "example-" + std::string(name);
    }
    i = close + 1;
  }
  return path;
}

}  // namespace labelloop::http
