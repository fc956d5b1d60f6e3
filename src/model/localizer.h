// Localizer: where in an image a label is, from the head's per-location class
// probabilities alone (the head never saw a box). Each size's map is resampled onto a grid
// over the image as the user sees it (the letterbox undone), the sizes are combined, and
// the box is the extent of the region around the label's peak that stays above a share of
// the way from the map's floor to that peak. Pure functions; thread-safe.
#pragma once

#include <vector>

namespace labelloop::model {

// Like Rekognition's BoundingBox: fractions (0-1) of the image's width and height.
struct BoundingBox {
  double left = 0;
  double top = 0;
  double width = 0;
  double height = 0;
};

// One letterbox size's per-location probabilities of every class (softmax over the
// classes at each location, averaged over the ensemble's heads).
struct LocationProbabilities {
  int letterbox_size = 0;     // side of the square the image was letterboxed into, px
  int height = 0;             // map cells
  int width = 0;
  std::vector<float> probs;   // classes x (height * width), row-major by class
};

// Defaults chosen on the validation split (train_k10 model, the other train_k20 images,
// 12 brands): threshold 0.3 with the sizes combined by maximum put 67.5% of the correctly
// labelled images at IoU >= 0.5 (mean IoU 0.56); 0.5 by mean, 32.5% (boxes too small, worst
// on large logos); one size alone at most 57%. docs/experiments.md, "Where is it".
struct LocalizerOptions {
  // What is mapped at each location.
  enum class Score {
    kProbability,        // the label's probability
    kVersusBackground,   // p(label) / (p(label) + p(background)): the background class is the last
    kLogRatio,           // log p(label) - log p(background)
  };
  // The region is the connected set of grid points, around the peak, at or above
  // floor + threshold * (peak - floor).
  double threshold = 0.3;
  int grid_cells = 64;               // resampling grid over the image's long side
  std::vector<int> sizes;            // letterbox sizes combined (empty: every map)
  bool max_over_sizes = true;        // combine the sizes by maximum (else mean)
  Score score = Score::kProbability;
  // Of the chosen sizes, only the n where the label's score peaks highest (0: all).
  int best_sizes = 0;
  bool normalize_sizes = false;      // each size's map scaled to its own floor..peak first
  // Box edges where the score crosses the cut between grid points (else whole points).
  bool subcell_edges = false;
  // Each edge then moves in by this share of the image's long side: the maps are blurred
  // by their receptive field and the resampling, a margin that does not grow with the logo.
  double edge_inset = 0;
  // Hysteresis: every point at or above floor + seed_threshold * (peak - floor) seeds the
  // region (1: the peak alone), so a logo whose parts light up apart is boxed whole.
  double seed_threshold = 1.0;
  // Points this many grid points apart (a gap below the cut between them) still connect.
  int bridge = 0;
  // When positive, the box is the region's weighted centroid ± moment_sigmas standard
  // deviations along each axis (weights: score - cut), instead of its extremes; a uniform
  // block has its edges at sqrt(3) = 1.73.
  double moment_sigmas = 0;
  // Where a map cell's feature sits, in cells past the centre of its stride-sized patch.
  double cell_shift = 0;
};

// The box of class `class_index` in an image of `image_width` x `image_height` px.
// REQUIRES: maps non-empty, each with probs of at least class_index + 1 classes; image
// sides positive.
BoundingBox Localize(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                     int image_height, const LocalizerOptions& options);

// Intersection over union (0 when either box is empty).
double IntersectionOverUnion(const BoundingBox& a, const BoundingBox& b);

}  // namespace labelloop::model
