#include "common/json_util.h"

#include <gtest/gtest.h>

namespace labelloop {
namespace {

TEST(JsonUtilTest, ParsesAndReportsErrors) {
  EXPECT_TRUE(ParseJson(R"({"a": 1})", "doc").ok());
  auto bad = ParseJson("{\"a\": ", "manifest line 3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("manifest line 3"), std::string::npos);
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
