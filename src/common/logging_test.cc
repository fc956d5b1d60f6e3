// Log lines carry the request id of the thread's request, in text and in JSON; JSON lines
// are one valid object each, whatever the message holds.
#include "common/logging.h"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/request_context.h"

namespace labelloop {
namespace {

std::vector<std::string> LogLines(LogFormat format, const std::function<void(spdlog::logger&)>& write) {
  std::ostringstream stream;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream);
  spdlog::logger logger("test", sink);
  logger.set_formatter(MakeLogFormatter(format));
  write(logger);
  logger.flush();
  std::vector<std::string> lines;
  std::istringstream in(stream.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LoggingTest, JsonLinesCarryTheRequestIdOnlyInsideTheRequest) {
  auto lines = LogLines(LogFormat::kJson, [](spdlog::logger& log) {
    log.info("before");
    {
      ScopedRequestId request("req-42");
      log.warn("inside \"quoted\"\nand a newline");
    }
    log.error("after");
  });
  ASSERT_EQ(lines.size(), 3u);
  nlohmann::json before = nlohmann::json::parse(lines[0]);
  nlohmann::json inside = nlohmann::json::parse(lines[1]);
  nlohmann::json after = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(before["message"], "before");
  EXPECT_EQ(before["level"], "info");
  EXPECT_FALSE(before.contains("request_id"));
  EXPECT_EQ(inside["request_id"], "req-42");
  EXPECT_EQ(inside["level"], "warning");
  EXPECT_EQ(inside["message"], "inside \"quoted\"\nand a newline");
  EXPECT_TRUE(inside["time"].get<std::string>().ends_with("Z"));
  EXPECT_FALSE(after.contains("request_id"));
}

TEST(LoggingTest, TextLinesShowTheRequestId) {
  auto lines = LogLines(LogFormat::kText, [](spdlog::logger& log) {
    ScopedRequestId request("abc123");
    log.info("hello");
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("[req abc123] hello"), std::string::npos) << lines[0];
}

TEST(RequestContextTest, IdsAreFreshAndClientIdsAreChecked) {
  EXPECT_EQ(NewRequestId().size(), 16u);
  EXPECT_NE(NewRequestId(), NewRequestId());
  EXPECT_TRUE(IsValidRequestId("trace-01.A_b"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("line\nbreak"));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'a')));
  EXPECT_EQ(ParseLogFormat("json").value(), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").ok());
  {
    ScopedRequestId outer("outer");
    {
      ScopedRequestId inner("inner");
      EXPECT_EQ(CurrentRequestId(), "inner");
    }
    EXPECT_EQ(CurrentRequestId(), "outer");
  }
  EXPECT_EQ(CurrentRequestId(), "");
}

}  // namespace
}  // namespace labelloop
