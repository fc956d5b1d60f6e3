#include "model/localizer.h"

#include <algorithm>
#include <cmath>

#include "model/feature_maps.h"

namespace labelloop::model {
namespace {

// What a box is drawn from at each location.
enum class Score { kProbability, kVersusBackground };

// Linear interpolation taps along one axis: map coordinate (cell centres at integers),
// clamped to the map.
struct Tap {
  int lo = 0;
  int hi = 0;
  float weight_hi = 0;
};

Tap TapAt(double f, int cells) {
  f = std::clamp(f, 0.0, double(cells - 1));
  const int lo = int(f);
  return {lo, std::min(lo + 1, cells - 1), float(f - lo)};
}

// One map's score of the class at each of its cells (height * width).
std::vector<float> ScorePlane(const LocationProbabilities& m, int class_index, Score score) {
  const size_t n = size_t(m.height) * m.width;
  const float* p = m.probs.data() + size_t(class_index) * n;
  std::vector<float> plane(p, p + n);
  if (score == Score::kProbability) return plane;
  const float* bg = m.probs.data() + (m.probs.size() / n - 1) * n;  // the background is the last class
  for (size_t i = 0; i < n; ++i) {
    const float both = p[i] + bg[i];
    plane[i] = both > 0 ? p[i] / both : 0.0f;
  }
  return plane;
}

// The score at every grid point (gw x gh over the image), combined over the chosen maps.
// Bilinear, done separably (rows, then columns): a few thousand multiply-adds per label
// and size.
std::vector<float> ResampleToGrid(const std::vector<LocationProbabilities>& maps, int class_index, Score score,
                                  int image_width, int image_height, int gw, int gh, const LocalizerOptions& options) {
  std::vector<float> grid(size_t(gw) * gh, 0.0f);
  std::vector<float> rows;
  int used = 0;
  for (const auto& m : maps) {
    if (!options.sizes.empty() && std::find(options.sizes.begin(), options.sizes.end(), m.letterbox_size) == options.sizes.end()) {
      continue;
    }
    const std::vector<float> plane = ScorePlane(m, class_index, score);
    const LetterboxPlacement at = PlaceInLetterbox(image_width, image_height, m.letterbox_size);
    // A cell's feature is centred on its stride-sized patch of the letterboxed input.
    const double stride_x = double(m.letterbox_size) / m.width, stride_y = double(m.letterbox_size) / m.height;
    std::vector<Tap> xs(gw), ys(gh);
    for (int i = 0; i < gw; ++i) xs[i] = TapAt((at.x + (i + 0.5) * at.width / gw) / stride_x - 0.5, m.width);
    for (int j = 0; j < gh; ++j) ys[j] = TapAt((at.y + (j + 0.5) * at.height / gh) / stride_y - 0.5, m.height);
    rows.assign(size_t(m.height) * gw, 0.0f);
    for (int y = 0; y < m.height; ++y) {
      const float* in = plane.data() + size_t(y) * m.width;
      float* out = rows.data() + size_t(y) * gw;
      for (int i = 0; i < gw; ++i) out[i] = in[xs[i].lo] + xs[i].weight_hi * (in[xs[i].hi] - in[xs[i].lo]);
    }
    for (int j = 0; j < gh; ++j) {
      const float* lo = rows.data() + size_t(ys[j].lo) * gw;
      const float* hi = rows.data() + size_t(ys[j].hi) * gw;
      float* g = grid.data() + size_t(j) * gw;
      const float w = ys[j].weight_hi;
      for (int i = 0; i < gw; ++i) {
        const float v = lo[i] + w * (hi[i] - lo[i]);
        g[i] = options.max_over_sizes ? std::max(g[i], v) : g[i] + v;
      }
    }
    ++used;
  }
  if (!options.max_over_sizes && used > 1) {
    for (float& g : grid) g /= float(used);
  }
  return grid;
}

// The box of one score at one threshold (see LocalizerOptions).
BoundingBox RegionBox(const std::vector<LocationProbabilities>& maps, int class_index, Score score, double threshold,
                      int image_width, int image_height, const LocalizerOptions& options) {
  const int long_side = std::max(image_width, image_height);
  const int gw = std::max(1, int(std::lround(double(options.grid_cells) * image_width / long_side)));
  const int gh = std::max(1, int(std::lround(double(options.grid_cells) * image_height / long_side)));
  std::vector<float> grid = ResampleToGrid(maps, class_index, score, image_width, image_height, gw, gh, options);
  const auto [lo_it, hi_it] = std::minmax_element(grid.begin(), grid.end());
  const float floor = *lo_it, peak = *hi_it;
  const float cut = floor + float(threshold) * (peak - floor);
  // Flood fill (4-connected) from the peak over the points at or above the cut.
  const int start = int(hi_it - grid.begin());
  std::vector<char> seen(grid.size(), 0);
  std::vector<int> stack = {start};
  seen[start] = 1;
  int x0 = gw, y0 = gh, x1 = -1, y1 = -1;
  while (!stack.empty()) {
    const int p = stack.back();
    stack.pop_back();
    const int x = p % gw, y = p / gw;
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    const int neighbours[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
    for (const auto& [nx, ny] : neighbours) {
      if (nx < 0 || ny < 0 || nx >= gw || ny >= gh) continue;
      const int q = ny * gw + nx;
      if (seen[q] || grid[q] < cut) continue;
      seen[q] = 1;
      stack.push_back(q);
    }
  }
  return {double(x0) / gw, double(y0) / gh, double(x1 + 1 - x0) / gw, double(y1 + 1 - y0) / gh};
}

}  // namespace

BoundingBox Localize(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                     int image_height, const LocalizerOptions& options) {
  std::vector<BoundingBox> boxes;
  if (options.threshold > 0) {
    boxes.push_back(RegionBox(maps, class_index, Score::kProbability, options.threshold, image_width, image_height, options));
  }
  if (options.background_threshold > 0) {
    boxes.push_back(RegionBox(maps, class_index, Score::kVersusBackground, options.background_threshold, image_width,
                              image_height, options));
  }
  if (boxes.empty()) return {0, 0, 1, 1};  // no threshold given (REQUIRES): the whole image
  if (boxes.size() == 1) return boxes[0];
  // Edge by edge: left, top, right and bottom each the mean of the boxes'.
  double left = 0, top = 0, right = 0, bottom = 0;
  for (const auto& b : boxes) left += b.left, top += b.top, right += b.left + b.width, bottom += b.top + b.height;
  const double n = double(boxes.size());
  return {left / n, top / n, (right - left) / n, (bottom - top) / n};
}

double IntersectionOverUnion(const BoundingBox& a, const BoundingBox& b) {
  const double ix = std::max(0.0, std::min(a.left + a.width, b.left + b.width) - std::max(a.left, b.left));
  const double iy = std::max(0.0, std::min(a.top + a.height, b.top + b.height) - std::max(a.top, b.top));
  const double inter = ix * iy;
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace labelloop::model
