// Logging: spdlog to stderr (stdout is reserved for command output). Call InitLogging once
// from main; after that use spdlog::info/warn/error anywhere. Thread-safe.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace labelloop {

// level: "trace", "debug", "info", "warn", "error", "off".
void InitLogging(std::string_view level);

}  // namespace labelloop
