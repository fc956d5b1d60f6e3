#include "model/dataset_split.h"

#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "common/content_hash.h"

namespace labelloop::model {
namespace {

// `count` items of `label`, with content hashes unique to (label, first + i).
void AddItems(std::vector<SplitItem>& items, int label, int count, int first = 0) {
  for (int i = first; i < first + count; ++i) {
    items.push_back({Sha256Hex("label " + std::to_string(label) + " image " + std::to_string(i)), label});
  }
}

struct Counts {
  int test = 0, train = 0;
};

std::map<int, Counts> CountPerLabel(const std::vector<SplitItem>& items, const std::vector<bool>& test) {
  std::map<int, Counts> counts;
  for (size_t i = 0; i < items.size(); ++i) {
    Counts& c = counts[items[i].class_index];
    (test[i] ? c.test : c.train)++;
  }
  return counts;
}

TEST(SplitTrainTestTest, EveryLabelWithTwoOrMoreImagesHasBothSides) {
  const std::vector<int> sizes = {1, 2, 3, 4, 5, 7, 10, 25, 60, 200};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<SplitItem> items;
    for (size_t label = 0; label < sizes.size(); ++label) AddItems(items, int(label), sizes[label]);
    std::vector<bool> test = SplitTrainTest(items, 0.2, seed);
    ASSERT_EQ(test.size(), items.size());
    std::map<int, Counts> counts = CountPerLabel(items, test);
    for (size_t label = 0; label < sizes.size(); ++label) {
      const Counts& c = counts[int(label)];
      if (sizes[label] == 1) {
        EXPECT_EQ(c.test, 0) << "a single image stays in training, seed " << seed;
      } else {
        EXPECT_GE(c.test, 1) << "label of " << sizes[label] << ", seed " << seed;
        EXPECT_GE(c.train, 1) << "label of " << sizes[label] << ", seed " << seed;
      }
    }
  }

  EXPECT_TRUE(SplitTrainTest({}, 0.2, 1).empty());
}

TEST(SplitTrainTestTest, AboutTheTestFractionForLargerLabels) {
  std::vector<SplitItem> items;
  AddItems(items, 0, 500);
  AddItems(items, 1, 100);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    std::map<int, Counts> counts = CountPerLabel(items, SplitTrainTest(items, 0.2, seed));
    EXPECT_GE(counts[0].test, 70) << "seed " << seed;  // 100 expected; binomial sd ~9
    EXPECT_LE(counts[0].test, 130) << "seed " << seed;
    EXPECT_GE(counts[1].test, 8) << "seed " << seed;   // 20 expected; sd 4
    EXPECT_LE(counts[1].test, 35) << "seed " << seed;
  }
  std::map<int, Counts> half = CountPerLabel(items, SplitTrainTest(items, 0.5, 1));
  EXPECT_GE(half[0].test, 200);
  EXPECT_LE(half[0].test, 300);
}

TEST(SplitTrainTestTest, AddingImagesNeverMovesExistingOnes) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    std::vector<SplitItem> items;
    AddItems(items, 0, 20);
    AddItems(items, 1, 40);
    AddItems(items, 2, 100);
    std::vector<bool> before = SplitTrainTest(items, 0.2, seed);
    // Retrain after uploads: one image at a time, then a batch, to every label.
    for (int round = 0; round < 10; ++round) {
      for (int label = 0; label < 3; ++label) AddItems(items, label, round == 9 ? 50 : 1, 1000 + round * 100);
      std::vector<bool> after = SplitTrainTest(items, 0.2, seed);
      for (size_t i = 0; i < before.size(); ++i) {
        ASSERT_EQ(after[i], before[i]) << "item " << i << " of label " << items[i].class_index << " moved to "
                                       << (after[i] ? "test" : "train") << " in round " << round << ", seed " << seed;
      }
      before = after;
    }
  }
}

TEST(SplitTrainTestTest, DoesNotDependOnOrderOrOnOtherLabels) {
  std::vector<SplitItem> items;
  AddItems(items, 0, 30);
  AddItems(items, 1, 30);
  std::vector<bool> test = SplitTrainTest(items, 0.2, 7);
  std::map<std::string, bool> side;
  for (size_t i = 0; i < items.size(); ++i) side[items[i].content_hash] = test[i];

  std::vector<SplitItem> shuffled = items;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(1));
  std::vector<bool> shuffled_test = SplitTrainTest(shuffled, 0.2, 7);
  for (size_t i = 0; i < shuffled.size(); ++i) EXPECT_EQ(shuffled_test[i], side[shuffled[i].content_hash]);

  std::vector<SplitItem> one_label(items.begin(), items.begin() + 30);
  std::vector<bool> one_label_test = SplitTrainTest(one_label, 0.2, 7);
  for (size_t i = 0; i < one_label.size(); ++i) EXPECT_EQ(one_label_test[i], side[one_label[i].content_hash]);
}

TEST(SplitTrainTestTest, DifferentSeedsGiveDifferentSplits) {
  std::vector<SplitItem> items;
  AddItems(items, 0, 50);
  AddItems(items, 1, 50);
  EXPECT_EQ(SplitTrainTest(items, 0.2, 42), SplitTrainTest(items, 0.2, 42));
  std::vector<std::vector<bool>> splits;
  for (uint64_t seed : {1, 2, 3, 42}) splits.push_back(SplitTrainTest(items, 0.2, seed));
  for (size_t a = 0; a < splits.size(); ++a) {
    for (size_t b = a + 1; b < splits.size(); ++b) EXPECT_NE(splits[a], splits[b]) << a << " vs " << b;
  }
}

TEST(AssignFoldsTest, EachLabelIsSpreadEvenlyOverTheFoldsDeterministically) {
  std::vector<SplitItem> items;
  const std::vector<int> sizes = {2, 3, 5, 7, 11, 23};
  for (size_t label = 0; label < sizes.size(); ++label) AddItems(items, int(label), sizes[label]);
  std::shuffle(items.begin(), items.end(), std::mt19937(2));
  for (int folds : {2, 3, 5}) {
    std::vector<int> fold = AssignFolds(items, folds, 42);
    ASSERT_EQ(fold.size(), items.size());
    std::map<int, std::vector<int>> per_label;
    std::vector<int> total(folds, 0);
    for (size_t i = 0; i < items.size(); ++i) {
      ASSERT_GE(fold[i], 0);
      ASSERT_LT(fold[i], folds);
      auto& counts = per_label[items[i].class_index];
      counts.resize(folds);
      counts[fold[i]]++;
      total[fold[i]]++;
    }
    for (const auto& [label, counts] : per_label) {
      auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
      EXPECT_LE(*hi - *lo, 1) << "label " << label << " over " << folds << " folds";
    }
    auto [lo, hi] = std::minmax_element(total.begin(), total.end());
    EXPECT_LE(*hi - *lo, 1) << "all labels over " << folds << " folds";
  }

  {  // Deterministic per seed.
    std::vector<SplitItem> items;
    AddItems(items, 0, 20);
    AddItems(items, 1, 20);
    EXPECT_EQ(AssignFolds(items, 5, 1), AssignFolds(items, 5, 1));
    EXPECT_NE(AssignFolds(items, 5, 1), AssignFolds(items, 5, 2));
  }
}

}  // namespace
}  // namespace labelloop::model
