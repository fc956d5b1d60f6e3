#include "model/model_artifact.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "common/content_hash.h"

namespace labelloop::model {
namespace {

constexpr char kName[] = "evaluation/v1/model.bin";

ModelArtifact SmallArtifact() {
  ModelArtifact a;
  a.labels = {"acme", "globex"};
  a.sizes = {224, 320};
  a.backbone_id = "0123456789abcdef";
  a.backbone_config = {{"onnx", "mobilenet_v2.onnx"}, {"outputs", {"block_12_add", "out_relu"}},
                       {"scale", 1 / 127.5}, {"mean", 1.0}, {"swap_rb", true}};
  a.training_stats = {{"images", 12}, {"seconds", 3.5}};
  a.temperature = 1.75;
  a.heads.resize(1);
  a.heads[0].in_channels = 3;
  a.heads[0].hidden = 2;
  a.heads[0].classes = 3;
  a.heads[0].lse_sharpness = 4.5f;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n);
    for (float& x : v) x = dist(rng);
  };
  fill(a.heads[0].conv1_weight, 2 * 3 * 9);
  fill(a.heads[0].conv1_bias, 2);
  fill(a.heads[0].conv2_weight, 3 * 2);
  fill(a.heads[0].conv2_bias, 3);
  // Values a text format would not keep bit for bit.
  a.heads[0].conv1_weight[0] = -0.0f;
  a.heads[0].conv1_weight[1] = std::numeric_limits<float>::denorm_min();
  a.heads[0].conv1_weight[2] = 1.0f / 3.0f;
  a.heads[0].conv2_bias[0] = std::numeric_limits<float>::max();
  return a;
}

bool BitwiseEqual(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Layout: "LLMODEL1", u32 header length, header JSON, float32 weights.
constexpr size_t kHeaderStart = 12;

uint32_t HeaderLength(const std::string& bytes) {
  uint32_t n = 0;
  std::memcpy(&n, bytes.data() + 8, 4);
  return n;
}

Json HeaderOf(const std::string& bytes) { return Json::parse(bytes.substr(kHeaderStart, HeaderLength(bytes))); }
std::string WeightsOf(const std::string& bytes) { return bytes.substr(kHeaderStart + HeaderLength(bytes)); }

// An artifact with any header and weights; the checksum is made to match the weights, so
// only the header's content is wrong.
std::string Assemble(Json header, const std::string& weights, bool fix_checksum = true) {
  if (fix_checksum && header.is_object()) header["weights_sha256"] = Sha256Hex(weights);
  std::string text = header.dump();
  std::string out = "LLMODEL1";
  uint32_t n = uint32_t(text.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  return out + text + weights;
}

void ExpectCorrupt(const std::string& bytes, const std::string& what) {
  Result<ModelArtifact> r = ParseModelArtifact(bytes, kName);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << what << ": " << r.status().ToString();
  EXPECT_NE(r.status().message().find(kName), std::string::npos) << what << ": " << r.status().ToString();
}

TEST(ModelArtifactTest, RoundTrip) {
  const ModelArtifact a = SmallArtifact();
  const std::string bytes = SerializeModelArtifact(a);
  EXPECT_EQ(bytes.substr(0, 8), "LLMODEL1");
  EXPECT_EQ(WeightsOf(bytes).size(), (54 + 2 + 6 + 3) * sizeof(float));
  Result<ModelArtifact> b = ParseModelArtifact(bytes, kName);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->labels, a.labels);
  EXPECT_EQ(b->sizes, a.sizes);
  EXPECT_EQ(b->backbone_id, a.backbone_id);
  EXPECT_EQ(b->backbone_config, a.backbone_config);
  EXPECT_EQ(b->training_stats, a.training_stats);
  EXPECT_EQ(b->temperature, 1.75);
  EXPECT_EQ(b->heads[0].in_channels, 3);
  EXPECT_EQ(b->heads[0].hidden, 2);
  EXPECT_EQ(b->heads[0].classes, 3);
  EXPECT_EQ(b->heads[0].lse_sharpness, 4.5f);
  EXPECT_TRUE(BitwiseEqual(b->heads[0].conv1_weight, a.heads[0].conv1_weight));
  EXPECT_TRUE(BitwiseEqual(b->heads[0].conv1_bias, a.heads[0].conv1_bias));
  EXPECT_TRUE(BitwiseEqual(b->heads[0].conv2_weight, a.heads[0].conv2_weight));
  EXPECT_TRUE(BitwiseEqual(b->heads[0].conv2_bias, a.heads[0].conv2_bias));
  EXPECT_TRUE(std::signbit(b->heads[0].conv1_weight[0]));
  // Serialising the parsed artifact gives the same bytes.
  EXPECT_EQ(SerializeModelArtifact(*b), bytes);

  {  // A header without training_stats gives an empty object.
    Json header = HeaderOf(bytes);
    header.erase("training_stats");
    Result<ModelArtifact> b = ParseModelArtifact(Assemble(header, WeightsOf(bytes)), kName);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->training_stats, Json::object());
  }
  {  // Artefacts from before calibration have no temperature: 1, the probabilities as trained.
    Json header = HeaderOf(bytes);
    header.erase("temperature");
    Result<ModelArtifact> b = ParseModelArtifact(Assemble(header, WeightsOf(bytes)), kName);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->temperature, 1.0);
  }
}

// As in faiss tests/test_io_corrupted.cpp: no prefix of a valid artifact parses, and none
// crashes.
TEST(ModelArtifactCorruptionTest, EveryTruncationIsDataLoss) {
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  ASSERT_TRUE(ParseModelArtifact(bytes, kName).ok());
  for (size_t n = 0; n < bytes.size(); ++n) ExpectCorrupt(bytes.substr(0, n), "truncated to " + std::to_string(n));
}

TEST(ModelArtifactCorruptionTest, FlippedWeightByteFailsTheChecksum) {
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  const size_t weights_start = kHeaderStart + HeaderLength(bytes);
  for (size_t i = weights_start; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    ExpectCorrupt(bad, "flipped byte " + std::to_string(i));
  }
  std::string bad = bytes;
  bad[weights_start + 7] ^= 0x40;
  Result<ModelArtifact> r = ParseModelArtifact(bad, kName);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos) << r.status().ToString();
}

TEST(ModelArtifactCorruptionTest, AnyFlippedByteNeverCrashes) {
  // A flip inside the header may still give a valid header with another value (the header
  // has no checksum); it must then be a valid artifact, or DataLoss.
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      std::string bad = bytes;
      bad[i] = char(uint8_t(bad[i]) ^ mask);
      Result<ModelArtifact> r = ParseModelArtifact(bad, kName);
      if (r.ok()) {
        ASSERT_FALSE(r->heads.empty()) << "byte " << i;
        EXPECT_TRUE(r->heads[0].Validate().ok()) << "byte " << i;
        EXPECT_EQ(r->heads[0].classes, int(r->labels.size()) + 1) << "byte " << i;
      } else {
        EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << "byte " << i << ": " << r.status().ToString();
      }
    }
  }
}

TEST(ModelArtifactCorruptionTest, BadMagicAndHeaderLengthPastTheEnd) {
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  ExpectCorrupt("LLMODEL2" + bytes.substr(8), "LLMODEL2");
  ExpectCorrupt("llmodel1" + bytes.substr(8), "lower case");
  ExpectCorrupt(std::string(bytes.size(), '\0'), "zeros");
  ExpectCorrupt("", "empty");

  {  // Header length past the end.
    const uint32_t past_end = uint32_t(bytes.size() - kHeaderStart + 1);
    for (uint32_t length : {past_end, uint32_t(bytes.size()), 0x7fffffffu, 0xffffffffu}) {
      std::string bad = bytes;
      std::memcpy(bad.data() + 8, &length, 4);
      ExpectCorrupt(bad, "header length " + std::to_string(length));
    }
    // A shorter length cuts the JSON.
    std::string bad = bytes;
    uint32_t shorter = HeaderLength(bytes) - 1;
    std::memcpy(bad.data() + 8, &shorter, 4);
    ExpectCorrupt(bad, "header length one short");
  }
}

TEST(ModelArtifactCorruptionTest, HeaderWithWrongTypesOrMissingFields) {
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  const Json good = HeaderOf(bytes);
  const std::string weights = WeightsOf(bytes);
  ASSERT_TRUE(ParseModelArtifact(Assemble(good, weights), kName).ok());

  std::vector<std::pair<std::string, Json>> cases;
  auto with = [&](const std::string& what, auto change) {
    Json h = good;
    change(h);
    cases.emplace_back(what, h);
  };
  with("labels is a string", [](Json& h) { h["labels"] = "acme"; });
  with("a label is a number", [](Json& h) { h["labels"][1] = 7; });
  with("sizes holds a string", [](Json& h) { h["sizes"][0] = "224"; });
  with("backbone_id is a number", [](Json& h) { h["backbone_id"] = 12; });
  with("no backbone", [](Json& h) { h.erase("backbone"); });
  with("no heads", [](Json& h) { h.erase("heads"); });
  with("no head in heads", [](Json& h) { h["heads"] = Json::array(); });
  with("heads is an object", [](Json& h) { h["heads"] = h["heads"][0]; });
  with("a head is an array", [](Json& h) { h["heads"][0] = Json::array({3, 2, 3}); });
  with("hidden is a string", [](Json& h) { h["heads"][0]["hidden"] = "2"; });
  with("classes is null", [](Json& h) { h["heads"][0]["classes"] = nullptr; });
  with("sharpness is a string", [](Json& h) { h["heads"][0]["lse_sharpness"] = "4.5"; });
  with("no labels", [](Json& h) { h.erase("labels"); });
  with("temperature is a string", [](Json& h) { h["temperature"] = "1.5"; });
  with("temperature is zero", [](Json& h) { h["temperature"] = 0; });
  with("temperature is negative", [](Json& h) { h["temperature"] = -2.0; });
  for (const auto& [what, h] : cases) ExpectCorrupt(Assemble(h, weights), what);

  // The header is not an object, or its checksum is not a string.
  ExpectCorrupt(Assemble(Json::array({1, 2}), weights, false), "header is an array");
  ExpectCorrupt(Assemble(Json("text"), weights, false), "header is a string");
  Json h = good;
  h["weights_sha256"] = 5;
  ExpectCorrupt(Assemble(h, weights, false), "checksum is a number");
  h.erase("weights_sha256");
  ExpectCorrupt(Assemble(h, weights, false), "no checksum");
  // Not JSON at all.
  std::string text = "{not json";
  std::string out = "LLMODEL1";
  uint32_t n = uint32_t(text.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  ExpectCorrupt(out + text + weights, "not JSON");
}

TEST(ModelArtifactCorruptionTest, ShapeThatDoesNotMatchTheWeights) {
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  const Json good = HeaderOf(bytes);
  const std::string weights = WeightsOf(bytes);
  std::vector<std::pair<std::string, Json>> cases;
  auto with = [&](const std::string& what, auto change) {
    Json h = good;
    change(h);
    cases.emplace_back(what, h);
  };
  with("hidden one larger", [](Json& h) { h["heads"][0]["hidden"] = 3; });
  with("in_channels one smaller", [](Json& h) { h["heads"][0]["in_channels"] = 2; });
  with("zero hidden", [](Json& h) { h["heads"][0]["hidden"] = 0; });
  // Negative sizes wrap around in size_t arithmetic: (-1) * (-1) * 9 == 9 floats pass the
  // length check, then the bias vector "needs" 2^64 - 1 floats.
  with("negative in_channels and hidden", [](Json& h) {
    h["heads"][0]["in_channels"] = -1;
    h["heads"][0]["hidden"] = -1;
  });
  with("negative classes", [](Json& h) { h["heads"][0]["classes"] = -3; });
  with("huge hidden", [](Json& h) { h["heads"][0]["hidden"] = 2147483647; });
  with("huge everything", [](Json& h) {
    h["heads"][0]["in_channels"] = 2147483647;
    h["heads"][0]["hidden"] = 2147483647;
    h["heads"][0]["classes"] = 2147483647;
  });
  with("zero sharpness", [](Json& h) { h["heads"][0]["lse_sharpness"] = 0.0; });
  with("negative sharpness", [](Json& h) { h["heads"][0]["lse_sharpness"] = -5.0; });
  // Found by fuzz/model_artifact_fuzzer: 1e39 is float infinity, and a float where an int
  // belongs was converted with a cast that is undefined behaviour (UBSan).
  with("infinite sharpness", [](Json& h) { h["heads"][0]["lse_sharpness"] = 1e39; });
  with("hidden 1e300", [](Json& h) { h["heads"][0]["hidden"] = 1e300; });
  with("hidden 2.0", [](Json& h) { h["heads"][0]["hidden"] = 2.0; });
  with("kernel -1e300", [](Json& h) { h["heads"][0]["kernel"] = -1e300; });
  with("classes 2^40", [](Json& h) { h["heads"][0]["classes"] = int64_t{1} << 40; });
  with("a size 1e300", [](Json& h) { h["sizes"][0] = 1e300; });
  for (const auto& [what, h] : cases) ExpectCorrupt(Assemble(h, weights), what);
  ExpectCorrupt(Assemble(good, weights + std::string(4, '\0')), "extra float after the weights");
  ExpectCorrupt(Assemble(good, weights + "x"), "extra byte after the weights");
  ExpectCorrupt(Assemble(good, weights.substr(0, weights.size() - 4)), "one float missing");
}

TEST(ModelArtifactCorruptionTest, ClassesMustBeLabelsPlusOne) {
  const std::string bytes = SerializeModelArtifact(SmallArtifact());
  Json h = HeaderOf(bytes);
  h["labels"] = {"acme"};
  ExpectCorrupt(Assemble(h, WeightsOf(bytes)), "one label for three classes");
  h["labels"] = {"acme", "globex", "initech"};
  ExpectCorrupt(Assemble(h, WeightsOf(bytes)), "three labels for three classes");
}

}  // namespace
}  // namespace labelloop::model
