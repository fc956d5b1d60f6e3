// Informativeness (margins, the background's share), the labels JSON it reads, and the
// queue place with its random share.
#include "review/review_priority.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "review/review_service.h"

namespace labelloop::review {
namespace {

TEST(InformativenessTest, IsOneMinusTheMarginOfTheTopTwoLabels) {
  EXPECT_DOUBLE_EQ(Informativeness({50, 50}), 1.0);   // a coin toss between two labels
  EXPECT_DOUBLE_EQ(Informativeness({60, 30, 10}), 0.7);
  EXPECT_DOUBLE_EQ(Informativeness({95, 5}), 0.1);
  EXPECT_DOUBLE_EQ(Informativeness({100, 0}), 0.0);   // certain
  EXPECT_DOUBLE_EQ(Informativeness({5, 95}), 0.1);    // order does not matter
}

TEST(InformativenessTest, TheBackgroundCompetesLikeALabel) {
  // 45% a label, 50% none of them: the reviewer decides between the two.
  EXPECT_DOUBLE_EQ(Informativeness({45, 3, 2}), 0.95);
  // 10% and 5%: the model is sure it is none of them (background 85%).
  EXPECT_DOUBLE_EQ(Informativeness({10, 5}), 0.25);
  // One label against the background.
  EXPECT_DOUBLE_EQ(Informativeness({45}), 0.9);
  EXPECT_DOUBLE_EQ(Informativeness({}), 0.0);  // no labels: all background
  // A background that ties the top label beats a lower second label.
  EXPECT_DOUBLE_EQ(Informativeness({40, 20}), 1.0);
}

TEST(InformativenessTest, ClampsOutOfRangeAndIgnoresNan) {
  EXPECT_DOUBLE_EQ(Informativeness({60.2, 40.1}), 1.0 - (60.2 - 40.1) / 100);  // sum past 100: no background
  EXPECT_DOUBLE_EQ(Informativeness({150, -20}), 0.0);
  EXPECT_DOUBLE_EQ(Informativeness({std::nan(""), 50, 50}), 1.0);
  const double v = Informativeness({33.3, 33.3, 33.3});
  EXPECT_GE(v, 0.0);
  EXPECT_LE(v, 1.0);
}

TEST(InformativenessTest, RanksAsTheMarginDoes) {
  EXPECT_GT(Informativeness({55, 40}), Informativeness({70, 25}));
  EXPECT_GT(Informativeness({70, 25}), Informativeness({90, 5}));
  EXPECT_GT(Informativeness({30, 5}), Informativeness({10, 5}));  // background 65% vs 85%
}

TEST(LabelConfidencesTest, ReadsTheDetectionLogsLabels) {
  EXPECT_EQ(LabelConfidences(R"([{"name": "a", "confidence": 61.5, "geometry": {"left": 0.1}},
                                 {"name": "b", "confidence": 20}])"),
            (std::vector<double>{61.5, 20}));
  EXPECT_EQ(LabelConfidences(R"([{"name": "a"}, {"name": "b", "confidence": "7"}, 3, {"confidence": 7}])"),
            (std::vector<double>{7}));
  EXPECT_TRUE(LabelConfidences("").empty());
  EXPECT_TRUE(LabelConfidences("{\"confidence\": 5}").empty());
  EXPECT_TRUE(LabelConfidences("[{").empty());
}

std::string Name(int i) { return "review-20260101T000000-" + std::to_string(10'000'000 + i); }

TEST(PlaceInQueueTest, UncertaintyTasksTakeTheirInformativeness) {
  const QueuePlace place = PlaceInQueue(Name(1), kSourceLowConfidence, 0.83, 0.0);
  EXPECT_EQ(place.selection, kSelectionUncertainty);
  EXPECT_DOUBLE_EQ(place.priority, 0.83);
  EXPECT_DOUBLE_EQ(PlaceInQueue(Name(1), kSourceLowConfidence, 1.7, 0.0).priority, 1.0);
}

TEST(PlaceInQueueTest, TheRandomShareIsHeldAndReproducibleFromTheName) {
  constexpr int kTasks = 4000;
  int random = 0;
  double random_priority_sum = 0;
  for (int i = 0; i < kTasks; ++i) {
    const QueuePlace place = PlaceInQueue(Name(i), kSourceLowConfidence, 0.5, 0.2);
    const QueuePlace again = PlaceInQueue(Name(i), kSourceLowConfidence, 0.5, 0.2);
    EXPECT_EQ(place.selection, again.selection);
    EXPECT_EQ(place.priority, again.priority);
    if (place.selection != kSelectionRandom) continue;
    ++random;
    EXPECT_GE(place.priority, 0.0);
    EXPECT_LT(place.priority, 1.0);
    random_priority_sum += place.priority;
  }
  // Binomial(4000, 0.2): standard deviation 25, so 800 +- 100 is four of them.
  EXPECT_NEAR(random, 800, 100);
  EXPECT_NEAR(random_priority_sum / random, 0.5, 0.05);  // uniform: mean 0.5, sd of the mean ~0.01
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(PlaceInQueue(Name(i), kSourceLowConfidence, 0.5, 0.0).selection, kSelectionUncertainty);
    EXPECT_EQ(PlaceInQueue(Name(i), kSourceLowConfidence, 0.5, 1.0).selection, kSelectionRandom);
  }
}

TEST(PlaceInQueueTest, SamplingTasksKeepTheirMeaningAtARandomPlace) {
  double sum = 0;
  for (int i = 0; i < 1000; ++i) {
    const QueuePlace place = PlaceInQueue(Name(i), kSourceSampling, 0.99, 0.0);
    EXPECT_EQ(place.selection, kSelectionSampled);
    EXPECT_GE(place.priority, 0.0);
    EXPECT_LT(place.priority, 1.0);
    sum += place.priority;
  }
  EXPECT_NEAR(sum / 1000, 0.5, 0.05);  // not its informativeness
}

TEST(ReviewThresholdPctTest, TheTopLabelsOwnThresholdUnlessTheMinimumWasSet) {
  EXPECT_DOUBLE_EQ(ReviewThresholdPct(62.5, 70.0, false), 62.5);
  EXPECT_DOUBLE_EQ(ReviewThresholdPct(62.5, 70.0, true), 70.0);  // set explicitly: it decides
  EXPECT_DOUBLE_EQ(ReviewThresholdPct(std::nullopt, 70.0, false), 70.0);  // no threshold, or no label
}

}  // namespace
}  // namespace labelloop::review
