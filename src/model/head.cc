#include "model/head.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/dnn.hpp>

namespace labelloop::model {

Status HeadWeights::Validate() const {
  if (in_channels <= 0 || hidden <= 0 || classes < 2 || kernel < 1 || kernel > 7 || kernel % 2 == 0) {
    return InvalidArgumentError(fmt::format("head shape {}->{}->{} is invalid", in_channels, hidden, classes));
  }
  if (conv1_weight.size() != size_t(hidden) * in_channels * kernel * kernel || conv1_bias.size() != size_t(hidden) ||
      conv2_weight.size() != size_t(classes) * hidden || conv2_bias.size() != size_t(classes)) {
    return InvalidArgumentError("head weights do not match the head shape");
  }
  // Finite too: 1e39 in an artifact's header reads as float infinity (found by fuzzing).
  if (!(lse_sharpness > 0) || !std::isfinite(lse_sharpness)) {
    return InvalidArgumentError("head pooling sharpness must be positive and finite");
  }
  return OkStatus();
}

std::vector<float> PoolAndSoftmax(const std::vector<std::vector<float>>& location_scores, float sharpness) {
  const size_t classes = location_scores.size();
  std::vector<double> logits(classes);
  for (size_t c = 0; c < classes; ++c) {
    const auto& z = location_scores[c];
    double max_z = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (float v : z) sum += std::exp(sharpness * (v - max_z));
    logits[c] = max_z + std::log(sum / z.size()) / sharpness;
  }
  double max_logit = *std::max_element(logits.begin(), logits.end());
  double total = 0;
  for (double& l : logits) total += (l = std::exp(l - max_logit));
  std::vector<float> probs(classes);
  for (size_t c = 0; c < classes; ++c) probs[c] = float(logits[c] / total);
  return probs;
}

struct Head::Impl {
  cv::dnn::Net net;
};

Head::Head(HeadWeights weights) : weights_(std::move(weights)), impl_(std::make_unique<Impl>()) {}
Head::~Head() = default;

Result<std::unique_ptr<Head>> Head::Create(HeadWeights weights) {
  RETURN_IF_ERROR(weights.Validate());
  std::unique_ptr<Head> head(new Head(std::move(weights)));
  const HeadWeights& w = head->weights_;
  try {
    auto conv = [](const std::string& name, int kernel, int outputs, const std::vector<float>& weight,
                   const std::vector<float>& bias, int inputs) {
      cv::dnn::LayerParams p;
      p.name = name;
      p.type = "Convolution";
      p.set("kernel_h", kernel);
      p.set("kernel_w", kernel);
      p.set("pad_h", kernel / 2);
      p.set("pad_w", kernel / 2);
      p.set("stride_h", 1);
      p.set("stride_w", 1);
      p.set("num_output", outputs);
      p.set("bias_term", true);
      int shape[] = {outputs, inputs, kernel, kernel};
      p.blobs.push_back(cv::Mat(4, shape, CV_32F, const_cast<float*>(weight.data())).clone());
      p.blobs.push_back(cv::Mat(1, outputs, CV_32F, const_cast<float*>(bias.data())).clone());
      return p;
    };
    cv::dnn::LayerParams relu;
    relu.name = "relu1";
    relu.type = "ReLU";
    auto conv1 = conv("conv1", w.kernel, w.hidden, w.conv1_weight, w.conv1_bias, w.in_channels);
    auto conv2 = conv("conv2", 1, w.classes, w.conv2_weight, w.conv2_bias, w.hidden);
    head->impl_->net.addLayerToPrev(conv1.name, conv1.type, conv1);
    head->impl_->net.addLayerToPrev(relu.name, relu.type, relu);
    head->impl_->net.addLayerToPrev(conv2.name, conv2.type, conv2);
  } catch (const cv::Exception& e) {
    return InternalError(fmt::format("building the head network failed: {}", e.what()));
  }
  return head;
}

Result<std::vector<float>> Head::Score(const MultiScaleMaps& maps) {
  if (maps.empty()) return InvalidArgumentError("no feature maps to score");
  std::vector<std::vector<float>> scores(weights_.classes);
  try {
    for (const auto& m : maps) {
      if (m.channels != weights_.in_channels) {
        return InvalidArgumentError(fmt::format("feature map has {} channels, the head expects {}", m.channels,
                                                weights_.in_channels));
      }
      int shape[] = {1, m.channels, m.height, m.width};
      cv::Mat blob(4, shape, CV_32F, const_cast<float*>(m.data.data()));
      impl_->net.setInput(blob);
      cv::Mat out = impl_->net.forward();  // [1, classes, h, w]
      const size_t n = size_t(m.height) * m.width;
      const float* p = out.ptr<float>();
      for (int c = 0; c < weights_.classes; ++c) scores[c].insert(scores[c].end(), p + c * n, p + (c + 1) * n);
    }
  } catch (const cv::Exception& e) {
    return InternalError(fmt::format("running the head failed: {}", e.what()));
  }
  return PoolAndSoftmax(scores, weights_.lse_sharpness);
}

}  // namespace labelloop::model
