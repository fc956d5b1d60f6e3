// Trains a Head (head.h) on cached feature maps with libtorch (AdamW, class-balanced
// batches, cross-entropy on log-sum-exp pooled scores). Deterministic for a given seed
// and thread count. Several heads may train at once on different threads (the initial
// weights are drawn under a lock from libtorch's global generator).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.h"
#include "model/feature_maps.h"
#include "model/head.h"

namespace labelloop::model {

struct TrainingSample {
  const MultiScaleMaps* maps = nullptr;  // not owned; outlives the training
  int class_index = 0;                    // 0..labels-1, or labels for background
  bool synthetic = false;                 // rendered, not a real photo of the label
};

struct HeadTrainingOptions {
  int hidden = 64;
  int kernel = 3;
  int steps = 900;
  int batch_size = 32;
  double learning_rate = 2e-3;
  double weight_decay = 1e-2;
  float lse_sharpness = 5.0f;
  double feature_dropout = 0.1;
  // Within a label, the chance that a batch slot draws a real image rather than a
  // synthetic one (when the label has both): real photos are few but most like the test.
  double real_fraction = 0.5;
  // Weights are averaged over the last `average_fraction` of the steps (stochastic weight
  // averaging): the final head depends less on where the last few batches left it.
  double average_fraction = 0.5;
  // Photo backgrounds mined from the labelled photos themselves: the index of the
  // background class (-1: none). After `mine_after` of the steps, the head's own score
  // map locates each real photo's logo; the locations far from it are real-photo
  // background, which the rendered background scenes (artwork, textures) do not look
  // like. A background batch slot draws such a masked photo with chance
  // `mined_background_share`.
  int background_class = -1;
  double mined_background_share = 0.5;
  double mine_after = 0.3;
  // Locations masked as "the logo": the `mask_fraction` that score the photo's label
  // highest, every location whose label probability exceeds `mask_probability`, and a
  // `mask_dilation`-cell border around them. A photo whose label peaks under
  // `min_peak_probability` is not mined (the head cannot tell where its logo is).
  double mask_fraction = 0.5;
  double mask_probability = 0.05;
  int mask_dilation = 1;
  double min_peak_probability = 0.5;
  uint64_t seed = 1;
  // libtorch intra-op threads for this head (a setting of the calling thread); 0 leaves
  // it alone. TrainClassifierHeads uses 1 and trains heads side by side instead: libtorch's
  // OpenMP threads spin at every barrier, and two spinning pools on two cores slowed a
  // training from 19 s to 6 minutes.
  int threads = 0;
};

struct HeadTrainingStats {
  int steps = 0;
  int mined_photos = 0;  // real photo samples usable as masked backgrounds (last mining)
  double final_loss = 0;
  double seconds = 0;
};

// Makes OpenBLAS (libtorch's BLAS here) compute on the calling thread only. Its own pool
// of worker threads waits in a sched_yield loop, which took a third of the CPU of a
// training and halved the speed of two heads trained side by side. Process-wide: call it
// before heads train, not while one does. No-op when the BLAS is not OpenBLAS.
void UseCallingThreadBlas();

// REQUIRES: every sample's maps have in_channels channels; classes >= 2.
// `progress(step, steps, loss)` is called now and then (may be empty).
Result<HeadWeights> TrainHead(const std::vector<TrainingSample>& samples, int classes,
                              const HeadTrainingOptions& options, HeadTrainingStats* stats,
                              const std::function<void(int, int, double)>& progress = {});

}  // namespace labelloop::model
