// The labels-to-target curve's figures: the answers an arm needed, the table, the plot.
#include "curve_plot.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>

namespace labelloop::bench {
namespace {

Curve MakeCurve(const std::string& arm, std::vector<std::pair<int, double>> points) {
  Curve c{arm, 1, {}};
  for (const auto& [answers, f1] : points) c.points.push_back({answers, answers / 4.0, f1, 0.9, 0.8});
  return c;
}

TEST(AnswersToReachTest, TheFirstPointAtOrAboveTheF1) {
  const Curve c = MakeCurve("product", {{0, 0.3}, {8, 0.6}, {16, 0.58}, {24, 0.7}});
  EXPECT_EQ(AnswersToReach(c, 0.6), 8);     // reached exactly
  EXPECT_EQ(AnswersToReach(c, 0.65), 24);   // a later dip does not count twice
  EXPECT_EQ(AnswersToReach(c, 0.2), 0);     // the start already has it
  EXPECT_EQ(AnswersToReach(c, 0.71), std::nullopt);
}

TEST(FormatCurveTableTest, OneRowPerAnswersWithBothArms) {
  const std::string table = FormatCurveTable({MakeCurve("random", {{0, 0.3}, {8, 0.5}}), MakeCurve("product", {{0, 0.3}})});
  EXPECT_NE(table.find("0.500"), std::string::npos);
  EXPECT_NE(table.find("-"), std::string::npos);  // the product has no point at 8 answers
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3);  // header + 2 rows
}

TEST(PlotCurvesTest, WritesAReadablePng) {
  const std::string path = (std::filesystem::temp_directory_path() / "curve_plot_test.png").string();
  ASSERT_TRUE(PlotCurves({MakeCurve("random", {{0, 0.3}, {40, 0.8}}), MakeCurve("product", {{0, 0.3}, {20, 0.82}})}, "test",
                         0.8, 6, path)
                  .ok());
  const cv::Mat img = cv::imread(path);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 900);
  std::filesystem::remove(path);
  EXPECT_FALSE(PlotCurves({}, "test", 0.5, 6, "/nonexistent-dir/plot.png").ok());
}

}  // namespace
}  // namespace labelloop::bench
