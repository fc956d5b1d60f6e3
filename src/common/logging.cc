#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace labelloop {

void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("labelloop");
  logger->set_pattern("%^%L%$ %H:%M:%S.%e %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

}  // namespace labelloop
