#include "http/request_target.h"

#include <gtest/gtest.h>

namespace labelloop::http {
namespace {

TEST(RequestTargetTest, DecodesPathAndQuery) {
  auto target = ParseRequestTarget("/api/v1/objects/a%20b/c%2Fd?prefix=x%2By+z&flag&=v&e=");
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(target->path, "/api/v1/objects/a b/c/d");
  EXPECT_EQ(target->params.find("prefix")->second, "x+y z");
  EXPECT_EQ(target->params.count("flag"), 1u);
  EXPECT_EQ(target->params.find("e")->second, "");
  target = ParseRequestTarget("/caf%C3%A9/%F0%9F%98%80");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/caf\xc3\xa9/\xf0\x9f\x98\x80");
}

TEST(RequestTargetTest, RefusesWhatCannotBeText) {
  for (const char* bad : {"/%ff", "/%c3%28", "/%c0%af", "/%ed%a0%80", "/%f4%90%80%80", "/%", "/%2", "/%zz",
                          "/a%00b", "/a%0ab", "/a%7fb", "/x?q=%ff", "/x?%ff=1", "/x?q=%", "*",
                          "http://host/", ""}) {
    auto target = ParseRequestTarget(bad);
    EXPECT_EQ(target.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseRequestTarget("/\xff").ok());
}

TEST(RequestTargetTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));      // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));          // stray continuation
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_TRUE(CheckHeaderText("X-Name", "value\twith tab").ok());
  EXPECT_FALSE(CheckHeaderText("X-Name", "a\rb").ok());
  EXPECT_FALSE(CheckHeaderText("X-Name", "\xff").ok());
}

}  // namespace
}  // namespace labelloop::http
