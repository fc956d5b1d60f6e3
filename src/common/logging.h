// Logging: spdlog to stderr (stdout is reserved for command output). Call InitLogging once
// from main; after that use spdlog::info/warn/error anywhere. Lines written while a thread
// serves a request carry its id (request_context.h). Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/status.h"

namespace labelloop {

enum class LogFormat {
  kText,  // "I 12:00:00.123 [req 0123abcd] message"
  kJson,  // {"time":"2026-...Z","level":"info","message":"...","request_id":"..."} one per line
};

// "text" or "json"; InvalidArgument naming the flag otherwise.
Result<LogFormat> ParseLogFormat(std::string_view text);

// level: "trace", "debug", "info", "warn", "error", "off".
void InitLogging(std::string_view level, LogFormat format = LogFormat::kText);

// The formatter InitLogging installs (exposed for tests).
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format);

}  // namespace labelloop
