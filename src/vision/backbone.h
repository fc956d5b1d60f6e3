// Backbone: a frozen CNN trunk (ONNX, run by OpenCV dnn) that turns an image into feature
// maps. Configurable: any ONNX model OpenCV runs, with its input size(s), mean/scale and
// output names. Not thread-safe: one Backbone per thread (cv::dnn::Net holds state).
//
// The default backbone is var/models/mobilenet_v2.onnx (scripts/fetch-backbone.sh): NCHW
// input `input` [1,3,H,W] with any H, W (checked against TF.js at 224, 300, 320, 448),
// outputs block_10_project_BN (96 ch, stride 16), block_12_add (96 ch, stride 16) and
// out_relu (1280 ch, stride 32). Up to block_10 the weights are ImageNet's. Any other layer
// of the graph can be asked for by its Keras name too; layers past the last output do not run.
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
  //   Keras MobileNetV2 / ImageNet, [-1, 1]: scale = 1/127.5, mean = 1 (the default)
  //   nsfwjs' own preprocessing, [0, 1]:     scale = 1/255,   mean = 0
  double scale = 1.0 / 127.5;
  double mean = 1.0;
  bool swap_rb = true;  // OpenCV decodes BGR; Keras models expect RGB
  // cv::setNumThreads value applied before each forward (it is process-wide in OpenCV, so
  // the last Backbone to run sets it). 0: leave OpenCV's setting alone, which is what a
  // process running several backbones wants (it sets vision/opencv_threads.h once).
  int threads = 0;
  // Open runs one forward at this square size to check the outputs, count their channels
  // and warm up.
  int probe_size = 224;
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
  // Loads the ONNX file. NotFound when missing; InvalidArgument when OpenCV rejects it, an
  // output name does not exist, the outputs differ in height/width, or the config is bad
  // (no outputs, scale 0, threads < 0).
  static Result<std::unique_ptr<Backbone>> Open(const BackboneConfig& config);

  virtual ~Backbone() = default;

  // Stable id of (model bytes, outputs, preprocessing): part of every embedding-cache key.
  // 16 hex characters of a SHA-256.
  virtual const std::string& id() const = 0;
  // Total channels of the concatenated outputs.
  virtual int channels() const = 0;

  // Runs `bgr` (8-bit, 3 channels) resized to `input_size` (the caller chooses how to keep
  // the aspect ratio; no resize when it already has that size). Each input size gets a
  // net of its own (the last four sizes used are kept), so alternating sizes costs no
  // re-planning, at the price of memory: about 85 MB more for 224+320+448 than one net. InvalidArgument for an
  // empty or non-BGR image, a non-positive size, or outputs whose height/width differ at
  // this size; Internal when OpenCV throws.
  virtual Result<FeatureMap> Extract(const cv::Mat& bgr, cv::Size input_size) = 0;
};

}  // namespace labelloop::vision
