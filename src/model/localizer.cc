#include "model/localizer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "model/feature_maps.h"

namespace labelloop::model {
namespace {

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

// One map's score plane of the class (height * width), as the options ask.
std::vector<float> ScorePlane(const LocationProbabilities& m, int class_index, const LocalizerOptions& options) {
  const size_t n = size_t(m.height) * m.width;
  const float* p = m.probs.data() + size_t(class_index) * n;
  std::vector<float> plane(p, p + n);
  if (options.score == LocalizerOptions::Score::kProbability) return plane;
  const int classes = int(m.probs.size() / n);
  const float* bg = m.probs.data() + size_t(classes - 1) * n;
  constexpr float kTiny = 1e-6f;  // probabilities of a softmax average are never 0; a guard only
  for (size_t i = 0; i < n; ++i) {
    plane[i] = options.score == LocalizerOptions::Score::kLogRatio ? std::log(p[i] + kTiny) - std::log(bg[i] + kTiny)
                                                                   : p[i] / (p[i] + bg[i] + kTiny);
  }
  return plane;
}

// The maps the options combine, with their score planes.
std::vector<std::pair<const LocationProbabilities*, std::vector<float>>> ChosenPlanes(
    const std::vector<LocationProbabilities>& maps, int class_index, const LocalizerOptions& options) {
  std::vector<std::pair<const LocationProbabilities*, std::vector<float>>> out;
  for (const auto& m : maps) {
    if (!options.sizes.empty() && std::find(options.sizes.begin(), options.sizes.end(), m.letterbox_size) == options.sizes.end()) {
      continue;
    }
    out.emplace_back(&m, ScorePlane(m, class_index, options));
  }
  auto peak = [](const auto& e) { return *std::max_element(e.second.begin(), e.second.end()); };
  if (options.best_sizes > 0 && int(out.size()) > options.best_sizes) {
    std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return peak(a) > peak(b); });
    out.resize(options.best_sizes);
  }
  if (options.normalize_sizes) {
    for (auto& [m, plane] : out) {
      const auto [lo, hi] = std::minmax_element(plane.begin(), plane.end());
      const float floor = *lo, range = *hi - *lo;
      for (float& v : plane) v = range > 0 ? (v - floor) / range : 0.0f;
    }
  }
  return out;
}

// The score at every grid point (gw x gh over the image), combined over the chosen maps.
// Bilinear, done separably (rows, then columns): a few thousand multiply-adds per label
// and size.
std::vector<float> ResampleToGrid(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                                  int image_height, int gw, int gh, const LocalizerOptions& options) {
  const auto planes = ChosenPlanes(maps, class_index, options);
  std::vector<float> grid(size_t(gw) * gh, options.max_over_sizes ? -INFINITY : 0.0f);
  if (planes.empty()) std::fill(grid.begin(), grid.end(), 0.0f);
  std::vector<float> rows;
  for (const auto& [m, plane] : planes) {
    const LetterboxPlacement at = PlaceInLetterbox(image_width, image_height, m->letterbox_size);
    // A cell's feature is centred on its stride-sized patch of the letterboxed input.
    const double stride_x = double(m->letterbox_size) / m->width, stride_y = double(m->letterbox_size) / m->height;
    std::vector<Tap> xs(gw), ys(gh);
    const double centre = 0.5 + options.cell_shift;
    for (int i = 0; i < gw; ++i) xs[i] = TapAt((at.x + (i + 0.5) * at.width / gw) / stride_x - centre, m->width);
    for (int j = 0; j < gh; ++j) ys[j] = TapAt((at.y + (j + 0.5) * at.height / gh) / stride_y - centre, m->height);
    rows.assign(size_t(m->height) * gw, 0.0f);
    for (int y = 0; y < m->height; ++y) {
      const float* in = plane.data() + size_t(y) * m->width;
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
  }
  if (!options.max_over_sizes && planes.size() > 1) {
    for (float& g : grid) g /= float(planes.size());
  }
  return grid;
}

// Where, between grid point `inside` (at or above the cut) and its neighbour `outside`
// (below it, or off the grid), the score crosses the cut: an offset from `inside`'s
// centre towards `outside`, in points (0-1). Linear, as the resampling is.
double Crossing(float inside, float outside, float cut) {
  if (inside <= outside) return 0.5;
  return std::clamp(double(inside - cut) / double(inside - outside), 0.0, 1.0);
}

struct Region {
  int x0, y0, x1, y1;  // inclusive grid points
};

// Sub-cell edges: each side of the region moves to where the score crosses the cut along
// the row or column of the region's strongest point on that side (else the side is the
// edge of its outermost points, half a point beyond their centres).
BoundingBox Edges(const std::vector<float>& grid, const std::vector<char>& in, int gw, int gh, const Region& r,
                  float cut, bool subcell) {
  double left = r.x0, right = r.x1 + 1.0, top = r.y0, bottom = r.y1 + 1.0;
  if (subcell) {
    auto at = [&](int x, int y) { return grid[size_t(y) * gw + x]; };
    // The strongest region point of a column (or row) on the side, and its outer neighbour.
    auto side = [&](bool vertical, int line, int step, int count) {
      float best = -INFINITY, beyond = -INFINITY;
      for (int k = 0; k < count; ++k) {
        const int x = vertical ? line : k, y = vertical ? k : line;
        if (!in[size_t(y) * gw + x] || at(x, y) <= best) continue;
        best = at(x, y);
        const int nx = vertical ? x + step : x, ny = vertical ? y : y + step;
        beyond = (nx < 0 || ny < 0 || nx >= gw || ny >= gh) ? best : at(nx, ny);
      }
      return (beyond >= best) ? 0.5 : Crossing(best, beyond, cut);
    };
    left = r.x0 + 0.5 - side(true, r.x0, -1, gh);
    right = r.x1 + 0.5 + side(true, r.x1, +1, gh);
    top = r.y0 + 0.5 - side(false, r.y0, -1, gw);
    bottom = r.y1 + 0.5 + side(false, r.y1, +1, gw);
  }
  return {left / gw, top / gh, (right - left) / gw, (bottom - top) / gh};
}

// The region's weighted centroid ± `sigmas` standard deviations per axis (weights: how far
// above the cut each point is), clamped to the image.
BoundingBox MomentBox(const std::vector<float>& grid, const std::vector<char>& in, int gw, int gh, float cut,
                      double sigmas) {
  double w = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
  for (int y = 0; y < gh; ++y) {
    for (int x = 0; x < gw; ++x) {
      const size_t p = size_t(y) * gw + x;
      if (!in[p]) continue;
      const double v = std::max(1e-9, double(grid[p] - cut)), cx = x + 0.5, cy = y + 0.5;
      w += v, sx += v * cx, sy += v * cy, sxx += v * cx * cx, syy += v * cy * cy;
    }
  }
  const double mx = sx / w, my = sy / w;
  // At least half a point each side: a single point is boxed as itself.
  const double hx = std::max(0.5, sigmas * std::sqrt(std::max(0.0, sxx / w - mx * mx)));
  const double hy = std::max(0.5, sigmas * std::sqrt(std::max(0.0, syy / w - my * my)));
  const double x0 = std::max(0.0, mx - hx), x1 = std::min(double(gw), mx + hx);
  const double y0 = std::max(0.0, my - hy), y1 = std::min(double(gh), my + hy);
  return {x0 / gw, y0 / gh, (x1 - x0) / gw, (y1 - y0) / gh};
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
  // Flood fill from the seeds over the points at or above the cut: 4-connected, or within
  // `bridge` + 1 points (Chebyshev) when gaps are bridged.
  const float seed_cut = std::max(cut, floor + float(options.seed_threshold) * (peak - floor));
  std::vector<char> seen(grid.size(), 0);
  std::vector<int> stack = {int(hi_it - grid.begin())};
  seen[stack[0]] = 1;
  for (size_t p = 0; p < grid.size(); ++p) {
    if (!seen[p] && grid[p] >= seed_cut) seen[p] = 1, stack.push_back(int(p));
  }
  const int reach = options.bridge + 1;
  Region r{gw, gh, -1, -1};
  while (!stack.empty()) {
    const int p = stack.back();
    stack.pop_back();
    const int x = p % gw, y = p / gw;
    r.x0 = std::min(r.x0, x), r.x1 = std::max(r.x1, x), r.y0 = std::min(r.y0, y), r.y1 = std::max(r.y1, y);
    for (int ny = std::max(0, y - reach); ny <= std::min(gh - 1, y + reach); ++ny) {
      for (int nx = std::max(0, x - reach); nx <= std::min(gw - 1, x + reach); ++nx) {
        if (reach == 1 && nx != x && ny != y) continue;  // 4-connected
        const int q = ny * gw + nx;
        if (seen[q] || grid[q] < cut) continue;
        seen[q] = 1;
        stack.push_back(q);
      }
    }
  }
  BoundingBox box = options.moment_sigmas > 0 ? MomentBox(grid, seen, gw, gh, cut, options.moment_sigmas)
                                              : Edges(grid, seen, gw, gh, r, cut, options.subcell_edges);
  if (options.edge_inset > 0) {
    // Never below one grid point a side, kept centred.
    auto inset = [&](double& start, double& extent, double share, int points) {
      const double kept = std::max(extent - 2 * share, std::min(extent, 1.0 / points));
      start += (extent - kept) / 2, extent = kept;
    };
    inset(box.left, box.width, options.edge_inset * long_side / image_width, gw);
    inset(box.top, box.height, options.edge_inset * long_side / image_height, gh);
  }
  return box;
}

double IntersectionOverUnion(const BoundingBox& a, const BoundingBox& b) {
  const double ix = std::max(0.0, std::min(a.left + a.width, b.left + b.width) - std::max(a.left, b.left));
  const double iy = std::max(0.0, std::min(a.top + a.height, b.top + b.height) - std::max(a.top, b.top));
  const double inter = ix * iy;
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace labelloop::model
