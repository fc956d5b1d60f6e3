#include "model/localizer.h"

#include <gtest/gtest.h>

#include "model/feature_maps.h"

namespace labelloop::model {
namespace {

// Two classes at one letterbox size: class 0 is 1 on cells [x0, x1] x [y0, y1], 0 elsewhere;
// class 1 is the rest.
LocationProbabilities BlockMap(int size, int cells, int x0, int y0, int x1, int y1) {
  LocationProbabilities m{size, cells, cells, std::vector<float>(2 * cells * cells, 0.0f)};
  for (int y = 0; y < cells; ++y) {
    for (int x = 0; x < cells; ++x) {
      const bool in = x >= x0 && x <= x1 && y >= y0 && y <= y1;
      m.probs[y * cells + x] = in ? 1.0f : 0.0f;
      m.probs[cells * cells + y * cells + x] = in ? 0.0f : 1.0f;
    }
  }
  return m;
}

void ExpectBox(const BoundingBox& got, double left, double top, double width, double height, double tolerance) {
  EXPECT_NEAR(got.left, left, tolerance);
  EXPECT_NEAR(got.top, top, tolerance);
  EXPECT_NEAR(got.width, width, tolerance);
  EXPECT_NEAR(got.height, height, tolerance);
}

TEST(LocalizerTest, BoxSpansTheCellsAboveHalfThePeakWithSubCellEdges) {
  // 160 px letterbox, 10x10 cells of 16 px; cells 2-4 (x) and 5-7 (y) hold the label. With
  // bilinear resampling the half-way level falls half a cell outside the outer centres:
  // x in [1.5, 4.5] cells = [32, 80] px, y in [4.5, 7.5] cells = [80, 128] px.
  std::vector<LocationProbabilities> maps = {BlockMap(160, 10, 2, 5, 4, 7)};
  LocalizerOptions options;
  options.grid_cells = 160;
  options.threshold = 0.5;
  options.background_threshold = 0;  // the probability's box alone
  ExpectBox(Localize(maps, 0, 100, 100, options), 0.2, 0.5, 0.3, 0.3, 0.01);
  // A lower threshold grows the box, a higher one shrinks it.
  options.threshold = 0.2;
  EXPECT_GT(Localize(maps, 0, 100, 100, options).width, 0.31);
  options.threshold = 0.8;
  EXPECT_LT(Localize(maps, 0, 100, 100, options).width, 0.29);
}

TEST(LocalizerTest, UndoesTheLetterbox) {
  // A 200x100 image letterboxed at 160 px fills x [0, 160) and y [40, 120).
  const LetterboxPlacement at = PlaceInLetterbox(200, 100, 160);
  ASSERT_EQ(at.x, 0);
  ASSERT_EQ(at.y, 40);
  ASSERT_EQ(at.height, 80);
  // Cells x 2-4 -> [32, 80] px -> 0.2-0.5 of the width; y 4-5 -> [64, 96] px -> 24-56 of
  // the image's 80 letterboxed rows -> 0.3-0.7 of the height.
  std::vector<LocationProbabilities> maps = {BlockMap(160, 10, 2, 4, 4, 5)};
  LocalizerOptions options;
  options.grid_cells = 200;
  options.threshold = 0.5;
  options.background_threshold = 0;
  ExpectBox(Localize(maps, 0, 200, 100, options), 0.2, 0.3, 0.3, 0.4, 0.01);
  // The same layout in a tall image: the letterbox pads left and right instead.
  std::vector<LocationProbabilities> tall = {BlockMap(160, 10, 4, 2, 5, 4)};
  ExpectBox(Localize(tall, 0, 100, 200, options), 0.3, 0.2, 0.4, 0.3, 0.01);
}

TEST(LocalizerTest, KeepsOnlyTheRegionAroundThePeak) {
  LocationProbabilities m = BlockMap(160, 10, 1, 1, 2, 2);
  m.probs[8 * 10 + 8] = 0.9f;  // a weaker, separate blob: not part of the box
  m.probs[100 + 8 * 10 + 8] = 0.1f;
  LocalizerOptions options;
  options.grid_cells = 160;
  options.threshold = 0.5;
  BoundingBox box = Localize({m}, 0, 160, 160, options);
  EXPECT_LT(box.left + box.width, 0.4);
  EXPECT_LT(box.top + box.height, 0.4);
}

TEST(LocalizerTest, CombinesSizesAndCanUseOne) {
  std::vector<LocationProbabilities> maps = {BlockMap(160, 10, 2, 2, 4, 4), BlockMap(320, 20, 10, 10, 15, 15)};
  LocalizerOptions options;
  options.grid_cells = 160;
  options.threshold = 0.5;
  options.background_threshold = 0;
  options.max_over_sizes = false;
  options.sizes = {320};
  // Cells 10-15 of 20 at 16 px, half a cell out: [160, 256] of 320 px.
  ExpectBox(Localize(maps, 0, 100, 100, options), 0.5, 0.5, 0.3, 0.3, 0.01);
  options.sizes = {160};
  ExpectBox(Localize(maps, 0, 100, 100, options), 0.2, 0.2, 0.3, 0.3, 0.01);
  // Two sizes that agree give the box each gives alone, by mean or by max.
  std::vector<LocationProbabilities> agree = {BlockMap(160, 10, 2, 2, 4, 4), BlockMap(320, 20, 4, 4, 9, 9)};
  options.sizes = {};
  ExpectBox(Localize(agree, 0, 100, 100, options), 0.2, 0.2, 0.3, 0.3, 0.01);
  options.max_over_sizes = true;
  ExpectBox(Localize(agree, 0, 100, 100, options), 0.2, 0.2, 0.3, 0.3, 0.01);
}

// Three classes (the label, another label, the background): the label peaks at 0.9 on cell
// (3, 3) and is 0.3 on the rest of cells 2-4 x 2-4, where the other label has the rest and
// the background nothing; the background has everything elsewhere.
LocationProbabilities PartPeakMap() {
  const int cells = 10, n = cells * cells;
  LocationProbabilities m{160, cells, cells, std::vector<float>(3 * n, 0.0f)};
  for (int y = 0; y < cells; ++y) {
    for (int x = 0; x < cells; ++x) {
      const int i = y * cells + x;
      const bool in = x >= 2 && x <= 4 && y >= 2 && y <= 4;
      const float label = !in ? 0.0f : (x == 3 && y == 3 ? 0.9f : 0.3f);
      m.probs[i] = label;
      m.probs[n + i] = in ? 1.0f - label : 0.0f;
      m.probs[2 * n + i] = in ? 0.0f : 1.0f;
    }
  }
  return m;
}

TEST(LocalizerTest, AgainstTheBackgroundBoxesTheWholeLogoNotItsPeak) {
  // Cell c is centred at (c + 0.5) * 16 px of the 160 px letterbox (= the 100 px image).
  // The probability crosses half its peak (0.45) three quarters of the way from cell 3's
  // centre (0.9) to its neighbours' (0.3): [44, 68] px. The label against the background is
  // 1 over cells 2-4 and 0 beyond, half-way between centres: [32, 80] px.
  std::vector<LocationProbabilities> maps = {PartPeakMap()};
  LocalizerOptions options;
  options.grid_cells = 160;
  options.threshold = 0.5;
  options.background_threshold = 0;
  const BoundingBox part = Localize(maps, 0, 100, 100, options);
  ExpectBox(part, 0.275, 0.275, 0.15, 0.15, 0.01);
  options.threshold = 0;
  options.background_threshold = 0.5;
  ExpectBox(Localize(maps, 0, 100, 100, options), 0.2, 0.2, 0.3, 0.3, 0.01);
}

TEST(LocalizerTest, BothBoxesAreAveragedEdgeByEdge) {
  std::vector<LocationProbabilities> maps = {PartPeakMap()};
  LocalizerOptions options;
  options.grid_cells = 160;
  options.threshold = 0.5;
  options.background_threshold = 0;
  const BoundingBox a = Localize(maps, 0, 100, 100, options);
  options.threshold = 0;
  options.background_threshold = 0.5;
  const BoundingBox b = Localize(maps, 0, 100, 100, options);
  options.threshold = 0.5;
  const BoundingBox both = Localize(maps, 0, 100, 100, options);
  EXPECT_NEAR(both.left, (a.left + b.left) / 2, 1e-12);
  EXPECT_NEAR(both.top, (a.top + b.top) / 2, 1e-12);
  EXPECT_NEAR(both.left + both.width, (a.left + a.width + b.left + b.width) / 2, 1e-12);
  EXPECT_NEAR(both.top + both.height, (a.top + a.height + b.top + b.height) / 2, 1e-12);
}

TEST(LocalizerTest, UniformMapGivesTheWholeImage) {
  LocationProbabilities m{224, 14, 14, std::vector<float>(2 * 14 * 14, 0.5f)};
  ExpectBox(Localize({m}, 0, 300, 200, LocalizerOptions{}), 0, 0, 1, 1, 1e-9);
}

TEST(IntersectionOverUnionTest, Basics) {
  BoundingBox a{0.1, 0.1, 0.4, 0.4};
  EXPECT_DOUBLE_EQ(IntersectionOverUnion(a, a), 1.0);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion(a, {0.6, 0.6, 0.2, 0.2}), 0.0);
  EXPECT_NEAR(IntersectionOverUnion({0, 0, 0.2, 0.2}, {0.1, 0, 0.2, 0.2}), 1.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(IntersectionOverUnion({0, 0, 0, 0}, {0, 0, 0, 0}), 0.0);
}

}  // namespace
}  // namespace labelloop::model
