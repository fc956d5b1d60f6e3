// Helpers shared by the libFuzzer targets in fuzz/: a failed property aborts (libFuzzer
// then saves the input as a crash), so a target states what must hold for every input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace labelloop::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz property failed: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void Require(bool ok, const char* what, std::string_view detail = "") {
  if (!ok) Fail(what, detail);
}

// Every error message may end up in a JSON reply: it must serialise (strict UTF-8).
inline void RequireDumpable(std::string_view message, const char* what) {
  try {
    (void)nlohmann::json(std::string(message)).dump();
  } catch (const nlohmann::json::exception& e) {
    Fail(what, std::string(e.what()) + " in: " + std::string(message));
  }
}

}  // namespace labelloop::fuzz
