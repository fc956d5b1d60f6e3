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
  // The region is the connected set of grid points, around the peak, at or above
  // floor + threshold * (peak - floor).
  double threshold = 0.3;
  int grid_cells = 64;               // resampling grid over the image's long side
  std::vector<int> sizes;            // letterbox sizes combined (empty: every map)
  bool max_over_sizes = true;        // combine the sizes by maximum (else mean)
};

// The box of class `class_index` in an image of `image_width` x `image_height` px.
// REQUIRES: maps non-empty, each with probs of at least class_index + 1 classes; image
// sides positive.
BoundingBox Localize(const std::vector<LocationProbabilities>& maps, int class_index, int image_width,
                     int image_height, const LocalizerOptions& options);

// Intersection over union (0 when either box is empty).
double IntersectionOverUnion(const BoundingBox& a, const BoundingBox& b);

}  // namespace labelloop::model
