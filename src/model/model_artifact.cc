#include "model/model_artifact.h"

#include <cstring>

#include <fmt/format.h>

#include "common/content_hash.h"

namespace labelloop::model {
namespace {

constexpr std::string_view kMagic = "LLMODEL1";

void AppendFloats(std::string& out, const std::vector<float>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

}  // namespace

std::string SerializeModelArtifact(const ModelArtifact& a) {
  std::string weights;
  AppendFloats(weights, a.head.conv1_weight);
  AppendFloats(weights, a.head.conv1_bias);
  AppendFloats(weights, a.head.conv2_weight);
  AppendFloats(weights, a.head.conv2_bias);
  Json header = {{"labels", a.labels},
                 {"sizes", a.sizes},
                 {"backbone_id", a.backbone_id},
                 {"backbone", a.backbone_config},
                 {"training_stats", a.training_stats},
                 {"head", {{"in_channels", a.head.in_channels}, {"hidden", a.head.hidden}, {"kernel", a.head.kernel},
                           {"classes", a.head.classes}, {"lse_sharpness", a.head.lse_sharpness}}},
                 {"weights_sha256", Sha256Hex(weights)}};
  std::string text = header.dump();
  std::string out(kMagic);
  uint32_t length = static_cast<uint32_t>(text.size());
  out.append(reinterpret_cast<const char*>(&length), sizeof(length));
  out += text;
  out += weights;
  return out;
}

Result<ModelArtifact> ParseModelArtifact(const std::string& bytes, const std::string& name) {
  auto corrupt = [&](std::string_view why) {
    return DataLossError(fmt::format("model artifact '{}' is corrupt: {}", name, why));
  };
  if (bytes.size() < kMagic.size() + 4 || bytes.compare(0, kMagic.size(), kMagic) != 0) return corrupt("bad magic");
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + kMagic.size(), sizeof(length));
  size_t pos = kMagic.size() + sizeof(length);
  if (length > bytes.size() - pos) return corrupt("header runs past the end");
  Result<Json> header = ParseJson(std::string_view(bytes).substr(pos, length), "model artifact header");
  if (!header.ok()) return corrupt(header.status().message());
  pos += length;
  std::string_view weights = std::string_view(bytes).substr(pos);
  try {
    const Json& h = *header;
    if (h.at("weights_sha256").get<std::string>() != Sha256Hex(weights)) return corrupt("weights checksum mismatch");
    ModelArtifact a;
    a.labels = h.at("labels").get<std::vector<std::string>>();
    a.sizes = h.at("sizes").get<std::vector<int>>();
    a.backbone_id = h.at("backbone_id").get<std::string>();
    a.backbone_config = h.at("backbone");
    a.training_stats = h.value("training_stats", Json::object());
    const Json& head = h.at("head");
    a.head.in_channels = head.at("in_channels").get<int>();
    a.head.hidden = head.at("hidden").get<int>();
    a.head.kernel = head.value("kernel", 3);
    if (a.head.kernel < 1 || a.head.kernel > 7) return corrupt("bad head kernel size");
    a.head.classes = head.at("classes").get<int>();
    a.head.lse_sharpness = head.at("lse_sharpness").get<float>();
    // Check the shape before sizing vectors by it: negative or huge fields would wrap the
    // size_t arithmetic below and pass the length check (then resize throws).
    constexpr int kMaxDimension = 1 << 20;
    if (a.head.in_channels < 1 || a.head.hidden < 1 || a.head.classes < 2 || a.head.in_channels > kMaxDimension ||
        a.head.hidden > kMaxDimension || a.head.classes > kMaxDimension) {
      return corrupt(fmt::format("bad head shape {}->{}->{}", a.head.in_channels, a.head.hidden, a.head.classes));
    }
    const size_t sizes[] = {size_t(a.head.hidden) * a.head.in_channels * a.head.kernel * a.head.kernel, size_t(a.head.hidden),
                            size_t(a.head.classes) * a.head.hidden, size_t(a.head.classes)};
    std::vector<float>* targets[] = {&a.head.conv1_weight, &a.head.conv1_bias, &a.head.conv2_weight,
                                     &a.head.conv2_bias};
    size_t offset = 0;
    for (int i = 0; i < 4; ++i) {
      if ((offset + sizes[i]) * sizeof(float) > weights.size()) return corrupt("weights are truncated");
      targets[i]->resize(sizes[i]);
      std::memcpy(targets[i]->data(), weights.data() + offset * sizeof(float), sizes[i] * sizeof(float));
      offset += sizes[i];
    }
    if (offset * sizeof(float) != weights.size()) return corrupt("unexpected bytes after the weights");
    if (a.head.classes != int(a.labels.size()) + 1) return corrupt("label count does not match the head");
    if (Status valid = a.head.Validate(); !valid.ok()) return corrupt(valid.message());  // DataLoss, as documented
    return a;
  } catch (const Json::exception& e) {
    return corrupt(e.what());
  }
}

}  // namespace labelloop::model
