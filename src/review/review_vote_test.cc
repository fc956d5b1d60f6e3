#include "review/review_vote.h"

#include <gtest/gtest.h>

namespace labelloop::review {
namespace {

std::vector<db::ReviewAnswer> Answers(const std::vector<std::optional<std::string>>& labels) {
  std::vector<db::ReviewAnswer> out;
  for (size_t i = 0; i < labels.size(); ++i) out.push_back({"r" + std::to_string(i), labels[i], 0});
  return out;
}

TEST(TallyAnswersTest, SingleAnswerDecidesWithFullAgreement) {
  const VoteOutcome v = TallyAnswers(Answers({"aws_logo"}));
  EXPECT_TRUE(v.decided);
  EXPECT_EQ(v.label, "aws_logo");
  EXPECT_DOUBLE_EQ(v.agreement, 1.0);
}

TEST(TallyAnswersTest, MajorityOfThree) {
  const VoteOutcome v = TallyAnswers(Answers({"a", "b", "a"}));
  EXPECT_TRUE(v.decided);
  EXPECT_EQ(v.label, "a");
  EXPECT_NEAR(v.agreement, 2.0 / 3.0, 1e-12);
}

TEST(TallyAnswersTest, NoneOfTheAboveIsAChoice) {
  const VoteOutcome v = TallyAnswers(Answers({std::nullopt, "a", std::nullopt}));
  EXPECT_TRUE(v.decided);
  EXPECT_EQ(v.label, std::nullopt);
  EXPECT_NEAR(v.agreement, 2.0 / 3.0, 1e-12);
}

TEST(TallyAnswersTest, TiesAndNoAnswersDecideNothing) {
  EXPECT_FALSE(TallyAnswers(Answers({"a", "b"})).decided);
  EXPECT_FALSE(TallyAnswers(Answers({"a", std::nullopt})).decided);
  EXPECT_FALSE(TallyAnswers(Answers({"a", "b", "c"})).decided);
  EXPECT_FALSE(TallyAnswers(Answers({"a", "a", "b", "b"})).decided);
  EXPECT_FALSE(TallyAnswers({}).decided);
  EXPECT_TRUE(TallyAnswers(Answers({"a", "a", "b", "b", "a"})).decided);
}

}  // namespace
}  // namespace labelloop::review
