#include "model/localizer.h"

#include <algorithm>
#include <cmath>

#include "model/feature_maps.h"

namespace labelloop::model {
namespace {

// Bilinear sample of one class plane at map coordinates (cell centres at integers),
// clamped to the map.
float Sample(const float* plane, int height, int width, double fy, double fx) {
  fx = std::clamp(fx, 0.0, double(width - 1));
  fy = std::clamp(fy, 0.0, double(height - 1));
  const int x0 = int(fx), y0 = int(fy);
  const int x1 = std::min(x0 + 1, width - 1), y1 = std::min(y0 + 1, height - 1);
  const double ax = fx - x0, ay = fy - y0;
  const double top = plane[y0 * width + x0] * (1 - ax) + plane[y0 * width + x1] * ax;
  const double bottom = plane[y1 * width + x0] * (1 - ax) + plane[y1 * width + x1] * ax;
  return float(top * (1 - ay) + bottom * ay);
}

// The class's probability at every grid point (gw x gh over the image), combined over the
// chosen maps.
std::vector<float> ResampleToGrid(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                                  int image_height, int gw, int gh, const LocalizerOptions& options) {
  std::vector<float> grid(size_t(gw) * gh, 0.0f);
  int used = 0;
  for (const auto& m : maps) {
    if (!options.sizes.empty() && std::find(options.sizes.begin(), options.sizes.end(), m.letterbox_size) == options.sizes.end()) {
      continue;
    }
    const LetterboxPlacement at = PlaceInLetterbox(image_width, image_height, m.letterbox_size);
    // A cell's feature is centred on its stride-sized patch of the letterboxed input.
    const double stride_x = double(m.letterbox_size) / m.width, stride_y = double(m.letterbox_size) / m.height;
    const float* plane = m.probs.data() + size_t(class_index) * m.height * m.width;
    std::vector<double> fx(gw);
    for (int i = 0; i < gw; ++i) fx[i] = (at.x + (i + 0.5) * at.width / gw) / stride_x - 0.5;
    for (int j = 0; j < gh; ++j) {
      const double fy = (at.y + (j + 0.5) * at.height / gh) / stride_y - 0.5;
      for (int i = 0; i < gw; ++i) {
        const float v = Sample(plane, m.height, m.width, fy, fx[i]);
        float& g = grid[size_t(j) * gw + i];
        g = options.max_over_sizes ? std::max(g, v) : g + v;
      }
    }
    ++used;
  }
  if (!options.max_over_sizes && used > 1) {
    for (float& g : grid) g /= float(used);
  }
  return grid;
}

}  // namespace

BoundingBox Localize(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                     int image_height, const LocalizerOptions& options) {
  const int long_side = std::max(image_width, image_height);
  const int gw = std::max(1, int(std::lround(double(options.grid_cells) * image_width / long_side)));
  const int gh = std::max(1, int(std::lround(double(options.grid_cells) * image_height / long_side)));
  std::vector<float> grid = ResampleToGrid(maps, class_index, image_width, image_height, gw, gh, options);
  const auto [lo_it, hi_it] = std::minmax_element(grid.begin(), grid.end());
  const float floor = *lo_it, peak = *hi_it;
  const float cut = floor + float(options.threshold) * (peak - floor);
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

double IntersectionOverUnion(const BoundingBox& a, const BoundingBox& b) {
  const double ix = std::max(0.0, std::min(a.left + a.width, b.left + b.width) - std::max(a.left, b.left));
  const double iy = std::max(0.0, std::min(a.top + a.height, b.top + b.height) - std::max(a.top, b.top));
  const double inter = ix * iy;
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace labelloop::model
