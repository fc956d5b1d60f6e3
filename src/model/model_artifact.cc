#include "model/model_artifact.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

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
  Json heads = Json::array();
  for (const HeadWeights& head : a.heads) {
    AppendFloats(weights, head.conv1_weight);
    AppendFloats(weights, head.conv1_bias);
    AppendFloats(weights, head.conv2_weight);
    AppendFloats(weights, head.conv2_bias);
    heads.push_back({{"in_channels", head.in_channels}, {"hidden", head.hidden}, {"kernel", head.kernel},
                     {"classes", head.classes}, {"lse_sharpness", head.lse_sharpness}});
  }
  Json header = {{"labels", a.labels},
                 {"sizes", a.sizes},
                 {"backbone_id", a.backbone_id},
                 {"backbone", a.backbone_config},
                 {"training_stats", a.training_stats},
                 {"heads", heads},
                 {"temperature", a.temperature},
                 {"weights_sha256", Sha256Hex(weights)}};
  std::string text = header.dump();
  std::string out(kMagic);
  uint32_t length = static_cast<uint32_t>(text.size());
  out.append(reinterpret_cast<const char*>(&length), sizeof(length));
  out += text;
  out += weights;
  return out;
}

namespace {

// An integer that fits an int. nlohmann's get<int> converts a float such as 1e300 with a
// cast that is undefined behaviour (UBSan, in the fuzz build), so a float is refused here.
Result<int> IntValue(const Json& value, std::string_view what) {
  if (!value.is_number_integer() || value < std::numeric_limits<int>::min() ||
      value > std::numeric_limits<int>::max()) {
    return InvalidArgumentError(fmt::format("{} must be an integer, got {}", what, value.dump()));
  }
  return value.get<int>();
}

// The member `key` as IntValue; `fallback` when it is absent and one is given.
Result<int> IntMember(const Json& object, const char* key, std::optional<int> fallback = std::nullopt) {
  auto it = object.find(key);
  if (it == object.end() && fallback) return *fallback;
  if (it == object.end()) return InvalidArgumentError(fmt::format("no \"{}\"", key));
  return IntValue(*it, fmt::format("\"{}\"", key));
}

Result<std::vector<int>> IntArray(const Json& array, std::string_view what) {
  if (!array.is_array()) return InvalidArgumentError(fmt::format("{} must be an array", what));
  std::vector<int> out;
  for (const Json& item : array) {
    ASSIGN_OR_RETURN(int value, IntValue(item, fmt::format("{} item", what)));
    out.push_back(value);
  }
  return out;
}

}  // namespace

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
    Result<std::vector<int>> sizes = IntArray(h.at("sizes"), "\"sizes\"");
    if (!sizes.ok()) return corrupt(sizes.status().message());
    a.sizes = *std::move(sizes);
    a.backbone_id = h.at("backbone_id").get<std::string>();
    a.backbone_config = h.at("backbone");
    a.training_stats = h.value("training_stats", Json::object());
    const Json temperature = h.value("temperature", Json(1.0));
    if (!temperature.is_number() || !(temperature.get<double>() > 0) || !std::isfinite(temperature.get<double>())) {
      return corrupt("the temperature must be a positive number");
    }
    a.temperature = temperature.get<double>();
    const Json& shapes = h.at("heads");
    if (!shapes.is_array() || shapes.empty() || shapes.size() > 16) return corrupt("expected 1 to 16 heads");
    size_t offset = 0;
    for (const Json& shape : shapes) {
      HeadWeights head;
      Result<int> fields[] = {IntMember(shape, "in_channels"), IntMember(shape, "hidden"),
                              IntMember(shape, "kernel", 3), IntMember(shape, "classes")};
      for (const Result<int>& field : fields) {
        if (!field.ok()) return corrupt("head " + field.status().message());
      }
      head.in_channels = *fields[0];
      head.hidden = *fields[1];
      head.kernel = *fields[2];
      head.classes = *fields[3];
      head.lse_sharpness = shape.at("lse_sharpness").get<float>();
      // Check the shape before sizing vectors by it: negative or huge fields would wrap the
      // size_t arithmetic below and pass the length check (then resize throws).
      constexpr int kMaxDimension = 1 << 20;
      if (head.kernel < 1 || head.kernel > 7) return corrupt("bad head kernel size");
      if (head.in_channels < 1 || head.hidden < 1 || head.classes < 2 || head.in_channels > kMaxDimension ||
          head.hidden > kMaxDimension || head.classes > kMaxDimension) {
        return corrupt(fmt::format("bad head shape {}->{}->{}", head.in_channels, head.hidden, head.classes));
      }
      const size_t sizes[] = {size_t(head.hidden) * head.in_channels * head.kernel * head.kernel, size_t(head.hidden),
                              size_t(head.classes) * head.hidden, size_t(head.classes)};
      std::vector<float>* targets[] = {&head.conv1_weight, &head.conv1_bias, &head.conv2_weight, &head.conv2_bias};
      for (int i = 0; i < 4; ++i) {
        if ((offset + sizes[i]) * sizeof(float) > weights.size()) return corrupt("weights are truncated");
        targets[i]->resize(sizes[i]);
        std::memcpy(targets[i]->data(), weights.data() + offset * sizeof(float), sizes[i] * sizeof(float));
        offset += sizes[i];
      }
      if (head.classes != int(a.labels.size()) + 1) return corrupt("label count does not match the head");
      if (Status valid = head.Validate(); !valid.ok()) return corrupt(valid.message());  // DataLoss, as documented
      a.heads.push_back(std::move(head));
    }
    if (offset * sizeof(float) != weights.size()) return corrupt("unexpected bytes after the weights");
    return a;
  } catch (const Json::exception& e) {
    return corrupt(e.what());
  }
}

}  // namespace labelloop::model
