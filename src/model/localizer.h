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

// Two views of where a label is, which fail in opposite directions, averaged edge by edge:
// the label's probability peaks on the logo's most telling part (its box is too small on
// large logos), the label against the background (p / (p + p_background)) is high over the
// whole logo and its surroundings (its box is too big, most on small logos). Defaults chosen
// on the validation split (train_k10 models, the other train_k20 images, 2 seeds): IoU >= 0.5
// for 70.0% of public and 57.2% of lookalike images, against 61.4% and 48.5% for the
// probability box at 0.3 alone. docs/experiments.md, "Where is it".
struct LocalizerOptions {
  // Each box is the extent of the connected set of grid points, around its score's peak, at
  // or above floor + threshold * (peak - floor); a threshold <= 0 leaves that box out.
  double threshold = 0.25;             // on the label's probability
  double background_threshold = 0.55;  // on p(label) / (p(label) + p(background))
  int grid_cells = 64;                 // resampling grid over the image's long side
  std::vector<int> sizes;              // letterbox sizes combined (empty: every map)
  bool max_over_sizes = true;          // combine the sizes by maximum (else mean)
};

// The box of class `class_index` in an image of `image_width` x `image_height` px.
// REQUIRES: maps non-empty, each with probs of at least class_index + 2 classes (the
// background is the last); image sides positive; a positive threshold.
BoundingBox Localize(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                     int image_height, const LocalizerOptions& options);

// Intersection over union (0 when either box is empty).
double IntersectionOverUnion(const BoundingBox& a, const BoundingBox& b);

}  // namespace labelloop::model
