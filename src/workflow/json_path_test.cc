#include "workflow/json_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::workflow {
namespace {

using ::testing::HasSubstr;

JsonPath P(std::string_view text) {
  Result<JsonPath> path = JsonPath::Parse(text);
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  return path.ok() ? std::move(path).value() : JsonPath::Parse("$").value();
}

TEST(JsonPathTest, GetsRootMembersAndIndexes) {
  const Json doc = Json::parse(R"({"a": {"b": [10, {"c": "x"}]}, "d e": 1})");
  EXPECT_EQ(*P("$").Get(doc), doc);
  EXPECT_EQ(*P("$.a.b[0]").Get(doc), 10);
  EXPECT_EQ(*P("$.a.b[1].c").Get(doc), "x");
  EXPECT_EQ(*P("$['d e']").Get(doc), 1);
  EXPECT_EQ(*P("$.a['b'][1]").Get(doc), Json::parse(R"({"c": "x"})"));
  EXPECT_TRUE(P("$").IsRoot());
}

TEST(JsonPathTest, MissingValuesNameThePathAndTheSegment) {
  const Json doc = Json::parse(R"({"a": {"b": [10]}})");
  Result<Json> missing = P("$.a.x.y").Get(doc);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("'$.a.x.y'"));
  EXPECT_THAT(missing.status().message(), HasSubstr("$.a has no member 'x'"));
  Result<Json> out_of_range = P("$.a.b[3]").Get(doc);
  EXPECT_THAT(out_of_range.status().message(), HasSubstr("no element [3]"));
  EXPECT_EQ(P("$.a.b.c").Find(doc), nullptr);  // member of an array
  EXPECT_EQ(P("$.a[0]").Find(doc), nullptr);   // index of an object
}

TEST(JsonPathTest, BadPathsAreRefusedWithThePosition) {
  for (const char* bad : {"", "a.b", "$.", "$..a", "$[", "$[x]", "$[1", "$.a[*]", "$.*", "$$.Execution.Id", "$a",
                          "$['a", "$.a b"}) {
    Result<JsonPath> path = JsonPath::Parse(bad);
    EXPECT_EQ(path.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(path.status().message(), HasSubstr("JSONPath '")) << bad;
  }
  EXPECT_THAT(JsonPath::Parse("$.a[x]").status().message(), HasSubstr("character 5"));
}

TEST(JsonPathTest, SetCreatesMembersAndReplacesTheRoot) {
  Json doc = Json::parse(R"({"a": 1})");
  ASSERT_TRUE(P("$.r.s").Set(doc, 5).ok());
  EXPECT_EQ(doc, Json::parse(R"({"a": 1, "r": {"s": 5}})"));
  ASSERT_TRUE(P("$.a").Set(doc, "x").ok());
  EXPECT_EQ(doc["a"], "x");
  ASSERT_TRUE(P("$").Set(doc, Json::array({1})).ok());
  EXPECT_EQ(doc, Json::array({1}));
  ASSERT_TRUE(P("$[0]").Set(doc, 2).ok());
  EXPECT_EQ(doc, Json::array({2}));
}

TEST(JsonPathTest, SetThroughANonObjectFails) {
  Json doc = Json::parse(R"({"a": 1})");
  Status status = P("$.a.b").Set(doc, 5);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("$.a is number"));
  EXPECT_EQ(doc, Json::parse(R"({"a": 1})"));
  EXPECT_FALSE(P("$[3]").Set(doc, 1).ok());
}

TEST(JsonPathTest, LooksLikePath) {
  EXPECT_TRUE(JsonPath::LooksLikePath("$"));
  EXPECT_TRUE(JsonPath::LooksLikePath("$.a"));
  EXPECT_FALSE(JsonPath::LooksLikePath("$5"));
  EXPECT_FALSE(JsonPath::LooksLikePath("a"));
}

}  // namespace
}  // namespace labelloop::workflow
