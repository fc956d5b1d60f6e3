#include "common/json_util.h"

#include <gtest/gtest.h>

#include <string>

namespace labelloop {
namespace {

TEST(JsonUtilTest, ParsesAndReportsErrors) {
  EXPECT_TRUE(ParseJson(R"({"a": 1})", "doc").ok());
  auto bad = ParseJson("{\"a\": ", "manifest line 3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("manifest line 3"), std::string::npos);
}

// Issue 9 (found while fuzzing request bodies): nlohmann's copy and dump recurse per level,
// so {"label": [[[...]]]} 100,000 deep (200 KB) crashed the process when a handler quoted it.
TEST(JsonUtilTest, RefusesNestingDeeperThanTheLimit) {
  std::string deep = "{\"label\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  Result<Json> refused = ParseJson(deep, "request body");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("request body is nested 100001 levels deep, above the limit of 256"),
            std::string::npos) << refused.status().message();
  // At the limit it parses, copies and dumps; brackets inside strings do not count.
  std::string at_limit = std::string(kMaxJsonDepth, '[') + "\"[[[{{{\\\"[[\"" + std::string(kMaxJsonDepth, ']');
  Result<Json> parsed = ParseJson(at_limit, "doc");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Json copy = *parsed;
  EXPECT_EQ(copy.dump(), at_limit);
}

// Found by fuzz/json_bodies_fuzzer: nlohmann's parse error quotes the bytes it read, so a
// body with invalid UTF-8 gave a message whose JSON reply threw type_error.316.
TEST(JsonUtilTest, ParseErrorMessagesAreValidUtf8) {
  Result<Json> bad = ParseJson("{\"\xAC\xFF\": 1}", "request body");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("last read: '\"\\xac'"), std::string::npos) << bad.status().message();
  EXPECT_NO_THROW(Json(bad.status().message()).dump());
}

// Found by fuzz/model_artifact_fuzzer: a number out of double range throws out_of_range,
// not parse_error, and escaped ParseJson (std::terminate).
TEST(JsonUtilTest, NumberOutOfRangeIsAnError) {
  Result<Json> huge = ParseJson(R"({"in_channels": 13410e897})", "model artifact header");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(huge.status().message().find("number overflow"), std::string::npos) << huge.status().message();
}

TEST(JsonUtilTest, EscapeInvalidUtf8) {
  EXPECT_EQ(EscapeInvalidUtf8("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeInvalidUtf8("a\xFF" "b"), "a\\xff" "b");
  EXPECT_EQ(EscapeInvalidUtf8("\xC0\xAF"), "\\xc0\\xaf");              // overlong '/'
  EXPECT_EQ(EscapeInvalidUtf8("\xED\xA0\x80"), "\\xed\\xa0\\x80");      // surrogate
  EXPECT_EQ(EscapeInvalidUtf8("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(EscapeInvalidUtf8("\xE6\x97"), "\\xe6\\x97");              // cut short
}

TEST(JsonUtilTest, TypedAccess) {
  Json j = Json::parse(R"({"s": "x", "n": 1.5, "i": 3})");
  EXPECT_EQ(*GetJsonString(j, "s", "doc"), "x");
  EXPECT_DOUBLE_EQ(*GetJsonNumber(j, "n", "doc"), 1.5);
  EXPECT_EQ(*GetJsonInt(j, "i", "doc"), 3);
  EXPECT_FALSE(GetJsonString(j, "n", "doc").ok());
  EXPECT_FALSE(GetJsonInt(j, "missing", "doc").ok());
}

}  // namespace
}  // namespace labelloop
