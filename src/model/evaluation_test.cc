#include "model/evaluation.h"

#include <random>

#include <gtest/gtest.h>

namespace labelloop::model {
namespace {

const std::vector<std::string> kLabels = {"cat", "dog"};

// Six test images, worked by hand:
//   #  true  cat  dog  bg   predicted
//   0  cat   80   10   10   cat
//   1  cat   30   60   10   dog
//   2  cat   20   10   70   (none)
//   3  dog   10   85    5   dog
//   4  dog   55   40    5   cat
//   5  dog    5   90    5   dog
std::vector<TestPrediction> SixPredictions() {
  return {{"c0.jpg", 0, {80, 10}, 10}, {"c1.jpg", 0, {30, 60}, 10}, {"c2.jpg", 0, {20, 10}, 70},
          {"d3.jpg", 1, {10, 85}, 5},  {"d4.jpg", 1, {55, 40}, 5},  {"d5.jpg", 1, {5, 90}, 5}};
}

TEST(EvaluationTest, PredictedClassIsTheArgmaxIncludingBackground) {
  EXPECT_EQ(PredictedClass({"x", 0, {80, 10}, 10}), 0);
  EXPECT_EQ(PredictedClass({"x", 0, {30, 60}, 10}), 1);
  EXPECT_EQ(PredictedClass({"x", 0, {20, 10}, 70}), 2);  // labels.size(): none
  EXPECT_EQ(PredictedClass({"x", 0, {}, 0}), 0);         // no labels: always none
}

TEST(EvaluationTest, HandComputedMetrics) {
  EvaluationResult r = Evaluate(kLabels, SixPredictions());
  ASSERT_EQ(r.confusion.size(), 2u);
  EXPECT_EQ(r.confusion[0], (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(r.confusion[1], (std::vector<int>{1, 2, 0}));
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);

  ASSERT_EQ(r.labels.size(), 2u);
  const LabelMetrics& cat = r.labels[0];
  EXPECT_EQ(cat.name, "cat");
  EXPECT_EQ(cat.support, 3);
  EXPECT_DOUBLE_EQ(cat.precision, 0.5);      // tp 1, fp 1 (d4)
  EXPECT_DOUBLE_EQ(cat.recall, 1.0 / 3);     // fn 2 (c1 -> dog, c2 -> none)
  EXPECT_NEAR(cat.f1, 0.4, 1e-12);
  const LabelMetrics& dog = r.labels[1];
  EXPECT_EQ(dog.name, "dog");
  EXPECT_EQ(dog.support, 3);
  EXPECT_DOUBLE_EQ(dog.precision, 2.0 / 3);  // tp 2, fp 1 (c1)
  EXPECT_DOUBLE_EQ(dog.recall, 2.0 / 3);
  EXPECT_NEAR(dog.f1, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.macro_f1, (0.4 + 2.0 / 3) / 2, 1e-12);

  // One-vs-rest on cat's confidence: 80+ 55- 30+ 20+ 10- 5-; "score >= 20" gives
  // P 3/4, R 1, F1 6/7, the best. Dog's: 90+ 85+ 60- 40+ 10- 10-; ">= 40" gives 6/7.
  EXPECT_DOUBLE_EQ(cat.assumed_threshold_pct, 20);
  EXPECT_DOUBLE_EQ(dog.assumed_threshold_pct, 40);
  EXPECT_EQ(r.predictions.size(), 6u);
}

TEST(EvaluationTest, PerfectNoneAndNoPredictions) {
  std::vector<TestPrediction> p = {{"a", 0, {90, 5}, 5}, {"b", 1, {5, 90}, 5}, {"c", 1, {20, 70}, 10}};
  EvaluationResult r = Evaluate(kLabels, p);
  EXPECT_DOUBLE_EQ(r.macro_f1, 1.0);
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.labels[1].assumed_threshold_pct, 70);  // the lowest positive's score

  {  // Everything none: zero F1, no division by zero.
    std::vector<TestPrediction> p = {{"a", 0, {10, 5}, 85}, {"b", 1, {5, 10}, 85}};
    EvaluationResult r = Evaluate(kLabels, p);
    EXPECT_EQ(r.confusion[0][2], 1);
    EXPECT_EQ(r.confusion[1][2], 1);
    EXPECT_DOUBLE_EQ(r.macro_f1, 0);
    EXPECT_DOUBLE_EQ(r.accuracy, 0);
    EXPECT_DOUBLE_EQ(r.labels[0].precision, 0);  // nothing predicted: no division by zero
  }

  {  // No predictions at all.
    EvaluationResult r = Evaluate(kLabels, {});
    EXPECT_DOUBLE_EQ(r.accuracy, 0);
    EXPECT_DOUBLE_EQ(r.macro_f1, 0);
    EXPECT_EQ(r.labels[0].support, 0);
  }
}

TEST(EvaluationTest, JsonHasTheDocumentedKeys) {
  EvaluationResult r = Evaluate(kLabels, SixPredictions());
  Json j = EvaluationToJson(kLabels, r);
  EXPECT_DOUBLE_EQ(j.at("macro_f1").get<double>(), r.macro_f1);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 0.5);
  EXPECT_EQ(j.at("test_image_count").get<int>(), 6);

  ASSERT_EQ(j.at("labels").size(), 2u);
  const Json& cat = j["labels"][0];
  EXPECT_EQ(cat.at("name"), "cat");
  EXPECT_DOUBLE_EQ(cat.at("precision").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(cat.at("recall").get<double>(), 1.0 / 3);
  EXPECT_NEAR(cat.at("f1").get<double>(), 0.4, 1e-12);
  EXPECT_EQ(cat.at("support").get<int>(), 3);
  EXPECT_DOUBLE_EQ(cat.at("assumed_threshold").get<double>(), 20);

  const Json& cm = j.at("confusion_matrix");
  EXPECT_EQ(cm.at("true_labels"), Json({"cat", "dog"}));
  EXPECT_EQ(cm.at("predicted_labels"), Json({"cat", "dog", "(none)"}));
  EXPECT_EQ(cm.at("counts"), Json({{1, 1, 1}, {1, 2, 0}}));

  const Json& images = j.at("test_images");
  ASSERT_EQ(images.size(), 6u);
  EXPECT_EQ(images[0], Json({{"image", "c0.jpg"}, {"true_label", "cat"}, {"predicted_label", "cat"},
                             {"confidence", 80.0}, {"true_label_confidence", 80.0},
                             {"scores", {{"cat", 80.0}, {"dog", 10.0}}}}));
  // Background won: "(none)" with the background's confidence.
  EXPECT_EQ(images[2].at("predicted_label"), "(none)");
  EXPECT_DOUBLE_EQ(images[2].at("confidence").get<double>(), 70);
  EXPECT_DOUBLE_EQ(images[2].at("true_label_confidence").get<double>(), 20);
  EXPECT_EQ(images[4].at("predicted_label"), "cat");
  EXPECT_EQ(images[4].at("true_label"), "dog");
  EXPECT_DOUBLE_EQ(images[4].at("confidence").get<double>(), 55);
  EXPECT_DOUBLE_EQ(images[4].at("true_label_confidence").get<double>(), 40);
  // Every label's score, for threshold curves: the background's is not a label's.
  EXPECT_EQ(images[2].at("scores"), Json({{"cat", 20.0}, {"dog", 10.0}}));
  EXPECT_EQ(images[4].at("scores"), Json({{"cat", 55.0}, {"dog", 40.0}}));
}

TEST(EvaluationTest, AssumedThresholdsComeBackFromTheJson) {
  EvaluationResult r = Evaluate({"a", "b"}, {{"x", 0, {80, 10}, 10}, {"y", 1, {20, 70}, 10}});
  Json j = EvaluationToJson({"a", "b"}, r);
  Result<std::map<std::string, double>> got = AssumedThresholds(j);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ(got->at("a"), r.labels[0].assumed_threshold_pct);
  EXPECT_EQ(got->at("b"), r.labels[1].assumed_threshold_pct);
  EXPECT_TRUE(AssumedThresholds(Json::object())->empty());  // an evaluation without labels
  j["labels"][1]["assumed_threshold"] = "high";
  EXPECT_EQ(AssumedThresholds(j).status().code(), StatusCode::kInvalidArgument);
  j["labels"][1]["assumed_threshold"] = 101;
  EXPECT_NE(AssumedThresholds(j).status().message().find("labels[1]"), std::string::npos);
}

TEST(AurocTest, ExtremesTiesAndAHandComputedCase) {
  EXPECT_DOUBLE_EQ(Auroc({0.9, 0.8, 0.7}, {0.1, 0.2}), 1.0);
  EXPECT_DOUBLE_EQ(Auroc({0.1, 0.2}, {0.9, 0.8, 0.7}), 0.0);
  EXPECT_DOUBLE_EQ(Auroc({0.5, 0.5}, {0.5, 0.5, 0.5}), 0.5);

  // By hand: pairs (pos, neg): 0.8 beats all three (3); 0.4 beats 0.3 (1), ties 0.4 (0.5),
  // loses to 0.5 (0): 4.5 of 6.
  EXPECT_DOUBLE_EQ(Auroc({0.8, 0.4}, {0.5, 0.3, 0.4}), 0.75);
}

TEST(AurocTest, MatchesPairCounting) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> score(0, 9);  // coarse, so there are many ties
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> pos(1 + trial % 7), neg(1 + trial % 5);
    for (double& s : pos) s = score(rng);
    for (double& s : neg) s = score(rng);
    double wins = 0;
    for (double p : pos) {
      for (double n : neg) wins += p > n ? 1.0 : p == n ? 0.5 : 0.0;
    }
    EXPECT_NEAR(Auroc(pos, neg), wins / (pos.size() * neg.size()), 1e-12) << "trial " << trial;
  }
}

}  // namespace
}  // namespace labelloop::model
