// Feature maps of one image at several input sizes, and their cache encoding (float16,
// so the embedding cache stays small). Images are letterboxed to a square, keeping their
// aspect ratio, so maps at one size always have the same shape and batch together.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/status.h"
#include "vision/backbone.h"

namespace labelloop::model {

using MultiScaleMaps = std::vector<vision::FeatureMap>;  // one map per input size

// Where Letterbox puts an image of `cols` x `rows` in its `size` x `size` square: the
// scaled image's top-left corner and extent, px.
struct LetterboxPlacement {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};
LetterboxPlacement PlaceInLetterbox(int cols, int rows, int size);

// `bgr` scaled so its long side is `size`, centred on a size x size grey square.
cv::Mat Letterbox(const cv::Mat& bgr, int size);

// Runs the backbone on the letterboxed image at each size.
Result<MultiScaleMaps> ExtractMaps(vision::Backbone& backbone, const cv::Mat& bgr, const std::vector<int>& sizes);

// Encoding used in the embedding cache: a small header and float16 values.
std::string EncodeMaps(const MultiScaleMaps& maps);
// DataLoss when the bytes are not a valid encoding (a corrupt cache row is re-computed).
Result<MultiScaleMaps> DecodeMaps(const std::string& bytes);

}  // namespace labelloop::model
