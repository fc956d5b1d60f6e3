#include "vision/backbone.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include <fmt/format.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "common/content_hash.h"
#include "common/file_util.h"

namespace labelloop::vision {
namespace {

// OpenCV 4.6 names a node's layer "onnx_node!<node name>" ("onnx_node_output_0!<tensor>"
// when the node has no name), and appends one alias layer per graph output, named after
// the tensor, at the END of the net. Forwarding to that alias runs every layer, so the
// node's own layer comes first: for block_10_project_BN that skips blocks 11-16 (about
// 40% of the work). Our converter names nodes after their output tensor (= Keras layer).
std::string ResolveLayerName(cv::dnn::Net& net, const std::string& name) {
  for (const std::string& candidate : {"onnx_node!" + name, "onnx_node_output_0!" + name, name}) {
    if (net.getLayerId(candidate) >= 0) return candidate;
  }
  return "";
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(sep) : "") + parts[i];
  return out;
}

// At most this many input sizes keep a net of their own (see OpenCvBackbone::NetFor).
constexpr size_t kMaxNets = 4;

class OpenCvBackbone final : public Backbone {
 public:
  // `net` was read from `model_bytes`; it serves the probe size first.
  OpenCvBackbone(BackboneConfig config, std::string model_bytes, cv::dnn::Net net,
                 std::vector<std::string> layer_names, std::string id)
      : config_(std::move(config)),
        model_bytes_(std::move(model_bytes)),
        layer_names_(std::move(layer_names)),
        id_(std::move(id)) {
    nets_.push_back({cv::Size(config_.probe_size, config_.probe_size), std::move(net)});
  }

  const std::string& id() const override { return id_; }
  int channels() const override { return channels_; }

  Result<FeatureMap> Extract(const cv::Mat& bgr, cv::Size input_size) override {
    if (bgr.empty()) return InvalidArgumentError("backbone: empty image");
    if (bgr.type() != CV_8UC3) {
      return InvalidArgumentError(fmt::format("backbone: image must be 8-bit BGR (CV_8UC3), got type {} with {} channels",
                                              bgr.type(), bgr.channels()));
    }
    if (input_size.width <= 0 || input_size.height <= 0) {
      return InvalidArgumentError(fmt::format("backbone: bad input size {}x{}", input_size.width, input_size.height));
    }
    std::vector<cv::Mat> outs;
    try {
      if (config_.threads > 0 && cv::getNumThreads() != config_.threads) cv::setNumThreads(config_.threads);
      cv::Mat resized = bgr;
      if (bgr.size() != input_size) {
        const bool shrink = input_size.area() < bgr.size().area();
        cv::resize(bgr, resized, input_size, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
      }
      // blobFromImage computes (pixel - m) * s; ours is pixel * scale - mean.
      cv::Mat blob = cv::dnn::blobFromImage(resized, config_.scale, cv::Size(),
                                            cv::Scalar::all(config_.mean / config_.scale), config_.swap_rb,
                                            /*crop=*/false, CV_32F);
      cv::dnn::Net& net = NetFor(input_size);
      net.setInput(blob);
      net.forward(outs, layer_names_);
    } catch (const cv::Exception& e) {
      return InternalError(fmt::format("backbone {}: forward at {}x{} failed: {}", config_.onnx_path,
                                       input_size.width, input_size.height, e.what()));
    }
    return Concatenate(outs, input_size);
  }

  // Probe forward: checks the outputs agree in height/width and counts channels.
  Status Probe() {
    const int s = config_.probe_size;
    Result<FeatureMap> map = Extract(cv::Mat(s, s, CV_8UC3, cv::Scalar(128, 128, 128)), cv::Size(s, s));
    if (!map.ok()) {
      return InvalidArgumentError(fmt::format("probe forward at {}x{}: {}", s, s, map.status().message()));
    }
    channels_ = map->channels;
    return OkStatus();
  }

 private:
  // The net for `size`, read from the model bytes on first use (OpenCV throws on failure).
  // One net per input size because OpenCV re-plans every layer's buffers whenever a net's
  // input shape changes: forwards alternating 224/320/448, as multi-size detection does,
  // cost ~35% more CPU on one net than on a net per size. Least recently used first out.
  cv::dnn::Net& NetFor(cv::Size size) {
    auto it = std::find_if(nets_.begin(), nets_.end(), [&](const SizedNet& n) { return n.size == size; });
    if (it == nets_.end()) {
      if (nets_.size() >= kMaxNets) nets_.pop_back();
      nets_.insert(nets_.begin(), {size, cv::dnn::readNetFromONNX(model_bytes_.data(), model_bytes_.size())});
    } else if (it != nets_.begin()) {
      std::rotate(nets_.begin(), it, it + 1);
    }
    return nets_.front().net;
  }

  Result<FeatureMap> Concatenate(const std::vector<cv::Mat>& outs, cv::Size input_size) const {
    if (outs.size() != layer_names_.size()) {
      return InternalError(fmt::format("backbone: {} outputs for {} names", outs.size(), layer_names_.size()));
    }
    FeatureMap map;
    for (size_t i = 0; i < outs.size(); ++i) {
      const cv::Mat& o = outs[i];
      // [1, C, H, W]; a pooled [1, C] output counts as C x 1 x 1.
      const bool is_4d = o.dims == 4 && o.size[0] == 1;
      const bool is_2d = o.dims == 2 && o.size[0] == 1;
      if ((!is_4d && !is_2d) || o.type() != CV_32F || !o.isContinuous()) {
        return InvalidArgumentError(fmt::format("backbone: output '{}' is not a [1, C, H, W] float tensor (dims {})",
                                                config_.output_names[i], o.dims));
      }
      const int c = o.size[1];
      const int h = is_4d ? o.size[2] : 1;
      const int w = is_4d ? o.size[3] : 1;
      if (i == 0) {
        map.height = h;
        map.width = w;
        map.data.reserve(static_cast<size_t>(c) * h * w * outs.size());
      } else if (h != map.height || w != map.width) {
        return InvalidArgumentError(fmt::format(
            "backbone: outputs cannot be concatenated at input {}x{}: '{}' is {}x{} but '{}' is {}x{} (height x width)",
            input_size.width, input_size.height, config_.output_names[0], map.height, map.width,
            config_.output_names[i], h, w));
      }
      const float* p = o.ptr<float>();
      map.data.insert(map.data.end(), p, p + static_cast<size_t>(c) * h * w);
      map.channels += c;
    }
    return map;
  }

  struct SizedNet {
    cv::Size size;
    cv::dnn::Net net;
  };

  BackboneConfig config_;
  std::string model_bytes_;               // the ONNX file, for a net per input size
  std::vector<SizedNet> nets_;            // most recently used first, at most kMaxNets
  std::vector<std::string> layer_names_;  // OpenCV's names for config_.output_names (same in every net)
  std::string id_;
  int channels_ = 0;
};

}  // namespace

Result<std::unique_ptr<Backbone>> Backbone::Open(const BackboneConfig& config) {
  if (config.output_names.empty()) return InvalidArgumentError("backbone config: no output names");
  if (config.scale == 0.0) return InvalidArgumentError("backbone config: scale must not be 0");
  if (config.threads < 0) return InvalidArgumentError("backbone config: threads must be >= 0");
  if (config.probe_size <= 0) return InvalidArgumentError("backbone config: probe_size must be positive");
  Result<std::string> read = ReadFileBytes(config.onnx_path);
  if (!read.ok() && read.status().code() == StatusCode::kNotFound) {
    return NotFoundError(fmt::format("backbone model '{}' does not exist (run scripts/fetch-backbone.sh)", config.onnx_path));
  }
  ASSIGN_OR_RETURN(std::string bytes, std::move(read));

  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  } catch (const cv::Exception& e) {
    return InvalidArgumentError(fmt::format("OpenCV rejects backbone model '{}': {}", config.onnx_path, e.what()));
  }
  if (net.empty()) return InvalidArgumentError(fmt::format("backbone model '{}' has no layers", config.onnx_path));

  std::vector<std::string> layer_names;
  for (const std::string& name : config.output_names) {
    std::string layer = ResolveLayerName(net, name);
    if (layer.empty()) {
      std::vector<std::string> outputs;
      try {
        outputs = net.getUnconnectedOutLayersNames();
      } catch (const cv::Exception&) {
      }
      return InvalidArgumentError(fmt::format("backbone model '{}' has no layer '{}' (graph outputs: {})",
                                              config.onnx_path, name, Join(outputs, ", ")));
    }
    layer_names.push_back(std::move(layer));
  }

  // The id covers everything that changes the features: model bytes, outputs, preprocessing.
  std::string identity = bytes;
  identity += fmt::format("\noutputs={}\nscale={:.17g}\nmean={:.17g}\nswap_rb={}", Join(config.output_names, ","),
                          config.scale, config.mean, config.swap_rb ? 1 : 0);
  std::string id = Sha256Hex(identity).substr(0, 16);

  auto backbone = std::make_unique<OpenCvBackbone>(config, std::move(bytes), std::move(net), std::move(layer_names),
                                                   std::move(id));
  Status probed = backbone->Probe();
  if (!probed.ok()) return probed.WithContext(fmt::format("backbone model '{}'", config.onnx_path));
  return std::unique_ptr<Backbone>(std::move(backbone));
}

}  // namespace labelloop::vision
