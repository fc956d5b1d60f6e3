// Backbone: a frozen CNN trunk (ONNX, run by OpenCV dnn) that turns an image into feature
// maps. Configurable: any ONNX model OpenCV runs, with its input size(s), mean/scale and
// output names. Not thread-safe: one Backbone per thread (cv::dnn::Net holds state).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/status.h"

namespace labelloop::vision {

struct BackboneConfig {
  std::string onnx_path;
  std::vector<std::string> output_names;  // feature-map outputs, concatenated on channels
  // Preprocessing: pixel' = (pixel * scale) - mean, per RGB channel after swap.
  double scale = 1.0 / 127.5;
  double mean = 1.0;
  bool swap_rb = true;  // OpenCV decodes BGR; Keras models expect RGB
  int threads = 0;      // 0: OpenCV's default
};

// A C x H x W float feature map (row-major, channel-first).
struct FeatureMap {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<float> data;

  float At(int c, int y, int x) const { return data[(static_cast<size_t>(c) * height + y) * width + x]; }
};

class Backbone {
 public:
  // Loads the ONNX file. NotFound when missing; InvalidArgument when OpenCV rejects it or
  // an output name does not exist.
  static Result<std::unique_ptr<Backbone>> Open(const BackboneConfig& config);

  virtual ~Backbone() = default;

  // Stable id of (model bytes, outputs): part of every embedding-cache key.
  virtual const std::string& id() const = 0;
  // Total channels of the concatenated outputs.
  virtual int channels() const = 0;

  // Runs `bgr` (8-bit, 3 channels) resized to `input_size` (the caller chooses how to keep
  // the aspect ratio). InvalidArgument for an empty image; Internal when OpenCV throws.
  virtual Result<FeatureMap> Extract(const cv::Mat& bgr, cv::Size input_size) = 0;
};

}  // namespace labelloop::vision
