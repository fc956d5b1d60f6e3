#include "store/object_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::store {
namespace {

using ::testing::HasSubstr;

TEST(ValidateObjectKeyTest, AcceptsOrdinaryKeys) {
  for (const char* key : {"a", "images_for_detection/cat.png", "images_labeled_by_folder/aws_logo/1.jpg",
                          "a/b/c/d.e.f", "with space/x y.png", "ünïcödé/日本.png", "emoji/\xF0\x9F\x98\x80.png",
                          "a..b/c.", "x/a.../y"}) {
    SCOPED_TRACE(key);
    EXPECT_TRUE(ValidateObjectKey(key).ok()) << ValidateObjectKey(key).ToString();
  }
}

struct BadKey {
  std::string key;
  std::string rule;  // substring of the message
};

class ValidateObjectKeyBadTest : public ::testing::TestWithParam<BadKey> {};

TEST_P(ValidateObjectKeyBadTest, RejectsWithKeyAndRuleInMessage) {
  const Status status = ValidateObjectKey(GetParam().key);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(GetParam().rule));
  if (!GetParam().key.empty()) {
    EXPECT_THAT(status.message(), HasSubstr(QuoteKey(GetParam().key)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateObjectKeyBadTest,
    ::testing::Values(BadKey{"", "empty"}, BadKey{"..", "'..' segment"}, BadKey{"a/../b", "'..' segment"},
                      BadKey{"a/..", "'..' segment"}, BadKey{".", "'.' segment"}, BadKey{"a/./b", "'.' segment"},
                      BadKey{"a//b", "empty segment"}, BadKey{"/etc/passwd", "absolute"},
                      BadKey{"a/b/", "ends with '/'"}, BadKey{"a\\b", "backslash"},
                      BadKey{"..\\..\\x", "backslash"}, BadKey{std::string("a\0b", 3), "control character U+0000"},
                      BadKey{"a\x7f" "b", "U+007F"}, BadKey{"a\nb", "U+000A"}, BadKey{"tab\there", "U+0009"},
                      BadKey{"c1\xC2\x85x", "U+0085"}, BadKey{"bad\xff", "not valid UTF-8"},
                      BadKey{"overlong\xC0\xAF", "not valid UTF-8"}, BadKey{"surrogate\xED\xA0\x80", "not valid UTF-8"},
                      BadKey{"truncated\xE6\x97", "not valid UTF-8"}, BadKey{"big\xF4\x90\x80\x80", "not valid UTF-8"},
                      BadKey{".hidden", "hidden segment"}, BadKey{"a/.tmp-0123", "hidden segment"},
                      BadKey{".meta/etags/x", "hidden segment"}, BadKey{std::string(1025, 'k'), "more than the 1024"}));

TEST(ValidateObjectKeyTest, LengthLimitIsInclusive) {
  EXPECT_TRUE(ValidateObjectKey(std::string(1024, 'k')).ok());
  // Multi-byte characters count in bytes.
  std::string key;
  while (key.size() + 3 <= 1026) key += "\xE6\x97\xA5";
  EXPECT_GT(key.size(), 1024u);
  EXPECT_FALSE(ValidateObjectKey(key).ok());
}

TEST(ValidateObjectPrefixTest, AllowsEmptyAndTrailingSlashButNotTheRest) {
  EXPECT_TRUE(ValidateObjectPrefix("").ok());
  EXPECT_TRUE(ValidateObjectPrefix("images_labeled_by_folder/").ok());
  EXPECT_TRUE(ValidateObjectPrefix("images_labeled_by_folder/aw").ok());
  EXPECT_TRUE(ValidateObjectPrefix("a/b/").ok());
  for (const std::string bad : {"/", "/abs", "a//", "../", "a/../", "./", "a\\", ".meta/", "a/.t", "x\x01"}) {
    SCOPED_TRACE(bad);
    const Status status = ValidateObjectPrefix(bad);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("prefix"));
  }
  EXPECT_FALSE(ValidateObjectPrefix(std::string(1025, 'p')).ok());
}

TEST(ValidateLabelNameTest, OneSegmentUpTo128Bytes) {
  EXPECT_TRUE(ValidateLabelName("aws_logo").ok());
  EXPECT_TRUE(ValidateLabelName("Amazon Logo (new)").ok());
  EXPECT_TRUE(ValidateLabelName(std::string(128, 'l')).ok());
  EXPECT_THAT(ValidateLabelName(std::string(129, 'l')).message(), HasSubstr("more than the 128"));
  EXPECT_THAT(ValidateLabelName("a/b").message(), HasSubstr("contains '/'"));
  EXPECT_THAT(ValidateLabelName("").message(), HasSubstr("label is empty"));
  EXPECT_THAT(ValidateLabelName("..").message(), HasSubstr("'..' segment"));
  EXPECT_THAT(ValidateLabelName(".x").message(), HasSubstr("hidden"));
  EXPECT_THAT(ValidateLabelName("a\\b").message(), HasSubstr("backslash"));
  EXPECT_THAT(ValidateLabelName("a\x01").message(), HasSubstr("control character"));
}

TEST(KeyBuildersTest, BuildTheBucketLayout) {
  EXPECT_EQ(TopLevelPrefixes().size(), 5u);
  EXPECT_EQ(LabeledImagesPrefix("aws_logo"), "images_labeled_by_folder/aws_logo/");
  EXPECT_EQ(ManifestKey("v1"), "manifests/v1.manifest");
  EXPECT_EQ(EvaluationKey("v1"), "evaluation/v1/evaluation.json");
  EXPECT_EQ(ModelArtifactKey("v1"), "evaluation/v1/model.bin");
  for (const std::string& key : {LabeledImagesPrefix("x") + "a.png", ManifestKey("labelloop.2026-11-26T00.32.25"),
                                 EvaluationKey("v"), ModelArtifactKey("v")}) {
    EXPECT_TRUE(ValidateObjectKey(key).ok()) << key;
  }
  for (std::string_view prefix : TopLevelPrefixes()) EXPECT_TRUE(ValidateObjectPrefix(prefix).ok());
}

TEST(KeyBuildersTest, LabelOfLabeledImageKey) {
  EXPECT_EQ(LabelOfLabeledImageKey("images_labeled_by_folder/aws_logo/1.jpg"), "aws_logo");
  EXPECT_EQ(LabelOfLabeledImageKey("images_labeled_by_folder/aws_logo/sub/1.jpg"), "aws_logo");
  EXPECT_EQ(LabelOfLabeledImageKey("images_labeled_by_folder/1.jpg"), "");
  EXPECT_EQ(LabelOfLabeledImageKey("images_for_detection/aws_logo/1.jpg"), "");
  EXPECT_EQ(LabelOfLabeledImageKey("images_labeled_by_folder/"), "");
}

TEST(KeyBuildersTest, BaseName) {
  EXPECT_EQ(BaseName("a/b/c.png"), "c.png");
  EXPECT_EQ(BaseName("c.png"), "c.png");
  EXPECT_EQ(BaseName("a/"), "");
}

TEST(KeyBuildersTest, HumanLoopOutputKeyUsesUtcHourOfCompletion) {
  // 1700000000000 ms = 2023-11-14T22:13:20Z.
  Result<std::string> key = HumanLoopOutputKey("labelloop-review", 1'700'000'000'000, "review-20231114T221320-0a1b2c3d");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, "a2i-human-loop-data/labelloop-review/2023/11/14/22/review-20231114T221320-0a1b2c3d/output.json");
  EXPECT_TRUE(ValidateObjectKey(*key).ok());
  EXPECT_EQ(*HumanLoopOutputKey("f", 0, "t"), "a2i-human-loop-data/f/1970/01/01/00/t/output.json");
}

TEST(KeyBuildersTest, HumanLoopOutputKeyRefusesUnsafeNames) {
  for (const std::string& task : {std::string(""), std::string("../x"), std::string("a/b"), std::string(".hidden"),
                                  std::string("a b"), std::string("a\0b", 3), std::string(129, 't')}) {
    SCOPED_TRACE(QuoteKey(task));
    Result<std::string> key = HumanLoopOutputKey("labelloop-review", 0, task);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(key.status().message(), HasSubstr("review task name"));
  }
  EXPECT_FALSE(HumanLoopOutputKey("../flow", 0, "t").ok());
  EXPECT_FALSE(HumanLoopOutputKey("flow", -1, "t").ok());
}

TEST(QuoteKeyTest, EscapesAndCaps) {
  EXPECT_EQ(QuoteKey("a/b.png"), "'a/b.png'");
  EXPECT_EQ(QuoteKey(std::string("a\0b", 3)), "'a\\x00b'");
  EXPECT_EQ(QuoteKey("a\nb\x7f"), "'a\\x0ab\\x7f'");
  EXPECT_EQ(QuoteKey("bad\xff"), "'bad\\xff'");
  EXPECT_EQ(QuoteKey("it's\\"), "'it\\'s\\\\'");
  EXPECT_EQ(QuoteKey("日本"), "'日本'");
  const std::string quoted = QuoteKey(std::string(5000, 'x'));
  EXPECT_LT(quoted.size(), 260u);
  EXPECT_THAT(quoted, HasSubstr("(5000 bytes)"));
}

}  // namespace
}  // namespace labelloop::store
