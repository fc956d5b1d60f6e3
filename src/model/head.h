// Head: the small per-version classifier over backbone feature maps. A kxk convolution
// (in -> hidden), ReLU, and a 1x1 convolution (hidden -> classes) score every location;
// an image's class scores are the log-sum-exp over all locations of all its maps, and a
// softmax turns them into probabilities. The last class is "background" (none of the
// labels). Inference uses OpenCV only. A Head is immutable; Score is thread-compatible
// (one Head per thread, or guard it: cv::dnn::Net keeps buffers).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/feature_maps.h"

namespace labelloop::model {

struct HeadWeights {
  int in_channels = 0;
  int hidden = 0;
  int classes = 0;              // labels + 1 (background, last)
  int kernel = 3;               // conv1 kernel size (odd): 3 sees neighbours, 1 is 9x cheaper
  float lse_sharpness = 5.0f;   // r in (1/r) log(mean exp(r z)); larger is closer to max
  std::vector<float> conv1_weight;  // [hidden, in_channels, kernel, kernel]
  std::vector<float> conv1_bias;    // [hidden]
  std::vector<float> conv2_weight;  // [classes, hidden]
  std::vector<float> conv2_bias;    // [classes]

  // InvalidArgument when the vector sizes do not match the shape fields.
  Status Validate() const;
};

// One map's per-location class logits: classes x (height*width), row-major by class.
struct LocationLogits {
  int height = 0;
  int width = 0;
  std::vector<float> logits;
};

// Pools per-location scores ([classes] x N locations, row-major by class) into image
// logits, then softmax. Shared by training-time evaluation and inference.
std::vector<float> PoolAndSoftmax(const std::vector<std::vector<float>>& location_scores, float sharpness);
// PoolAndSoftmax over every location of every map.
std::vector<float> PoolLocations(const std::vector<LocationLogits>& locations, int classes, float sharpness);

class Head {
 public:
  static Result<std::unique_ptr<Head>> Create(HeadWeights weights);
  ~Head();

  const HeadWeights& weights() const { return weights_; }

  // Class probabilities (size classes, sums to 1) for one image's maps.
  Result<std::vector<float>> Score(const MultiScaleMaps& maps);
  // The per-location class logits Score pools: one LocationLogits per map, in order.
  Result<std::vector<LocationLogits>> ScoreLocations(const MultiScaleMaps& maps);

 private:
  explicit Head(HeadWeights weights);
  struct Impl;
  HeadWeights weights_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace labelloop::model
