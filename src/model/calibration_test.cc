#include "model/calibration.h"

#include <cmath>

#include <gtest/gtest.h>

namespace labelloop::model {
namespace {

// Labels {cat, dog}; true_class 2 is none of them (the background).
constexpr int kNone = 2;

TEST(ExpectedCalibrationErrorTest, OnePredictionPerBin) {
  // top (conf, bin = floor(conf * 15 / 100)), right?
  std::vector<TestPrediction> p = {
      {"a", 0, {90, 5}, 5},       // cat 90, bin 13, right:  |100 - 90| = 10
      {"b", 1, {80, 15}, 5},      // cat 80, bin 12, wrong:  |0 - 80|   = 80
      {"c", kNone, {10, 20}, 70}, // background 70, bin 10, right (none image): 30
      {"d", kNone, {60, 10}, 30}, // cat 60, bin 9, wrong (none image): 60
  };
  EXPECT_DOUBLE_EQ(ExpectedCalibrationError(p), (10 + 80 + 30 + 60) / 4.0);
}

TEST(ExpectedCalibrationErrorTest, ABinPoolsItsPredictions) {
  std::vector<TestPrediction> p = {
      {"a", 0, {90, 5}, 5}, {"b", 1, {80, 15}, 5}, {"c", kNone, {10, 20}, 70}, {"d", kNone, {60, 10}, 30},
      {"e", 0, {95, 3}, 2},  // bin 14, right
      {"f", 1, {97, 2}, 1},  // bin 14, wrong: accuracy 50, mean confidence 96 -> 46, weight 2/6
  };
  EXPECT_NEAR(ExpectedCalibrationError(p), (10 + 80 + 30 + 60 + 2 * 46) / 6.0, 1e-12);
}

TEST(ExpectedCalibrationErrorTest, BinEdgesAndTheLastBin) {
  // 40 is the first confidence of bin 6 (40 * 15 / 100 = 6), 39.9 is still bin 5: apart,
  // |100 - 40| / 2 + |0 - 39.9| / 2; pooled it would be |50 - 39.95| = 10.05.
  std::vector<TestPrediction> p = {{"a", 0, {40, 30}, 30}, {"b", 1, {39.9, 30}, 30.1}};
  EXPECT_NEAR(ExpectedCalibrationError(p), 30 + 19.95, 1e-9);
  // 100 goes to the last bin, and 15 bins of width 100/15 are the default.
  EXPECT_DOUBLE_EQ(ExpectedCalibrationError({{"a", 0, {100, 0}, 0}}), 0);
  EXPECT_DOUBLE_EQ(ExpectedCalibrationError({{"a", 1, {100, 0}, 0}}), 100);
  // Fewer bins pool more: one bin holds both, |50 - 39.95|.
  EXPECT_NEAR(ExpectedCalibrationError(p, 1), 10.05, 1e-9);
}

TEST(ExpectedCalibrationErrorTest, CalibratedAndEmpty) {
  std::vector<TestPrediction> p;
  for (int i = 0; i < 10; ++i) p.push_back({"x", i < 7 ? 0 : 1, {70, 20}, 10});  // 70 and right 7 of 10
  EXPECT_NEAR(ExpectedCalibrationError(p), 0, 1e-12);
  EXPECT_DOUBLE_EQ(ExpectedCalibrationError({}), 0);
}

TEST(TemperatureTest, HandComputedScaling) {
  std::vector<float> p = {0.64f, 0.36f, 0.0f};
  ApplyTemperature(p, 2.0);  // square roots 0.8, 0.6, 0, over 1.4
  EXPECT_NEAR(p[0], 0.8 / 1.4, 1e-6);
  EXPECT_NEAR(p[1], 0.6 / 1.4, 1e-6);
  EXPECT_EQ(p[2], 0.0f);

  p = {0.5f, 0.25f, 0.25f};
  ApplyTemperature(p, 0.5);  // squares 0.25, 0.0625, 0.0625, over 0.375
  EXPECT_NEAR(p[0], 2.0 / 3, 1e-6);
  EXPECT_NEAR(p[1], 1.0 / 6, 1e-6);

  p = {0.7f, 0.2f, 0.1f};
  ApplyTemperature(p, 1.0);
  EXPECT_EQ(p, (std::vector<float>{0.7f, 0.2f, 0.1f}));
}

TEST(TemperatureTest, RecordsKeepTheirArgmaxAndTheBackground) {
  TestPrediction t = ApplyTemperature({"x", 0, {60, 20}, 20}, 0.5);  // 3600, 400, 400 over 4400
  EXPECT_NEAR(t.confidence_pct[0], 100.0 * 9 / 11, 1e-4);
  EXPECT_NEAR(t.confidence_pct[1], 100.0 / 11, 1e-4);
  EXPECT_NEAR(t.background_pct, 100.0 / 11, 1e-4);
  TestPrediction none = ApplyTemperature({"y", 0, {30, 20}, 50}, 3.0);
  EXPECT_EQ(PredictedClass(none), 2);  // softer, still the background
  EXPECT_LT(none.background_pct, 50);
}

TEST(TemperatureTest, FitMatchesConfidenceToAccuracy) {
  // One label, confidence 90, right 7 times in 10: the likelihood is best where the tempered
  // confidence is 70%, 9^(1/T) = 7/3, T = ln 9 / ln(7/3).
  std::vector<TestPrediction> p;
  for (int i = 0; i < 10; ++i) p.push_back({"x", i < 7 ? 0 : 1, {90}, 10});
  const double t = FitTemperature(p);
  EXPECT_NEAR(t, std::log(9.0) / std::log(7.0 / 3.0), 1e-3);
  std::vector<TestPrediction> calibrated;
  for (const auto& q : p) calibrated.push_back(ApplyTemperature(q, t));
  EXPECT_NEAR(calibrated[0].confidence_pct[0], 70, 0.01);
  EXPECT_GT(ExpectedCalibrationError(p), 19.9);
  EXPECT_LT(ExpectedCalibrationError(calibrated), 0.01);
}

TEST(TemperatureTest, FitStaysInItsRange) {
  // Always right: sharper is always likelier, so the fit stops at the range's floor.
  std::vector<TestPrediction> right = {{"a", 0, {90, 5}, 5}, {"b", 1, {10, 80}, 10}};
  EXPECT_NEAR(FitTemperature(right), TemperatureRange{}.min, 1e-9);
  EXPECT_NEAR(FitTemperature(right, {0.5, 8}), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(FitTemperature(right, {1, 1}), 1.0);
  // Always wrong with certainty: as soft as allowed. A zero probability is floored, not -inf.
  std::vector<TestPrediction> wrong = {{"a", 1, {100, 0}, 0}};
  EXPECT_NEAR(FitTemperature(wrong), 8.0, 1e-9);
  EXPECT_DOUBLE_EQ(FitTemperature({}), 1.0);
}

TEST(TemperatureTest, TrainingFitsOnlyWithEnoughHeldOutImages) {
  std::vector<TestPrediction> p;
  for (int i = 0; i < kMinCalibrationImages - 1; ++i) p.push_back({"x", i % 2, {90}, 10});  // right half the time
  EXPECT_DOUBLE_EQ(TrainingTemperature(p), 1.0);
  p.push_back({"x", 1, {90}, 10});
  EXPECT_NEAR(TrainingTemperature(p), FitTemperature(p), 1e-12);
  EXPECT_GT(TrainingTemperature(p), 4.0);  // 90% said, 50% right: much softer
}

TEST(CalibrationJsonTest, FiguresBeforeAndAfterTheTemperature) {
  std::vector<TestPrediction> p;
  for (int i = 0; i < 10; ++i) p.push_back({"x", i < 7 ? 0 : 1, {90}, 10});
  const double t = FitTemperature(p);
  Json j = CalibrationToJson(p, t);
  EXPECT_EQ(j.at("bins"), 15);
  EXPECT_EQ(j.at("images"), 10);
  EXPECT_DOUBLE_EQ(j.at("temperature").get<double>(), t);
  EXPECT_NEAR(j.at("ece_uncalibrated").get<double>(), 20, 1e-9);  // says 90, right 70% of the time
  EXPECT_LT(j.at("ece").get<double>(), 0.01);
  Json untouched = CalibrationToJson(p, 1.0);
  EXPECT_EQ(untouched.at("ece"), untouched.at("ece_uncalibrated"));
}

}  // namespace
}  // namespace labelloop::model
