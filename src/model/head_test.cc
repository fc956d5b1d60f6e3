#include "model/head.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

namespace labelloop::model {
namespace {

HeadWeights RandomWeights(std::mt19937& rng, int in, int hidden, int classes, float sharpness) {
  std::normal_distribution<float> dist(0.0f, 0.5f);
  HeadWeights w;
  w.in_channels = in;
  w.hidden = hidden;
  w.classes = classes;
  w.lse_sharpness = sharpness;
  auto fill = [&](std::vector<float>& v, size_t n) {
    v.resize(n);
    for (float& x : v) x = dist(rng);
  };
  fill(w.conv1_weight, size_t(hidden) * in * 9);
  fill(w.conv1_bias, hidden);
  fill(w.conv2_weight, size_t(classes) * hidden);
  fill(w.conv2_bias, classes);
  return w;
}

vision::FeatureMap RandomMap(std::mt19937& rng, int c, int h, int w) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  vision::FeatureMap m{c, h, w, {}};
  for (int i = 0; i < c * h * w; ++i) m.data.push_back(dist(rng));
  return m;
}

// The head written out by hand: 3x3 convolution with zero padding, ReLU, 1x1 convolution,
// then (1/r) log(mean exp(r z)) over every location of every map, then softmax.
std::vector<double> ReferenceScore(const HeadWeights& w, const MultiScaleMaps& maps) {
  std::vector<std::vector<double>> z(w.classes);
  for (const auto& m : maps) {
    for (int y = 0; y < m.height; ++y) {
      for (int x = 0; x < m.width; ++x) {
        std::vector<double> hidden(w.hidden);
        for (int h = 0; h < w.hidden; ++h) {
          double sum = w.conv1_bias[h];
          for (int c = 0; c < w.in_channels; ++c) {
            for (int dy = -1; dy <= 1; ++dy) {
              for (int dx = -1; dx <= 1; ++dx) {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= m.height || xx < 0 || xx >= m.width) continue;
                sum += double(w.conv1_weight[((size_t(h) * w.in_channels + c) * 3 + (dy + 1)) * 3 + (dx + 1)]) *
                       m.At(c, yy, xx);
              }
            }
          }
          hidden[h] = std::max(0.0, sum);
        }
        for (int k = 0; k < w.classes; ++k) {
          double s = w.conv2_bias[k];
          for (int h = 0; h < w.hidden; ++h) s += double(w.conv2_weight[size_t(k) * w.hidden + h]) * hidden[h];
          z[k].push_back(s);
        }
      }
    }
  }
  const double r = w.lse_sharpness;
  std::vector<double> logits(w.classes);
  for (int k = 0; k < w.classes; ++k) {
    double mean = 0;
    for (double v : z[k]) mean += std::exp(r * v) / z[k].size();
    logits[k] = std::log(mean) / r;
  }
  double total = 0;
  for (double l : logits) total += std::exp(l);
  std::vector<double> probs;
  for (double l : logits) probs.push_back(std::exp(l) / total);
  return probs;
}

TEST(HeadTest, ScoreMatchesAHandWrittenReference) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    HeadWeights w = RandomWeights(rng, 5, 4, 3, seed == 3 ? 1.0f : 5.0f);
    MultiScaleMaps maps = {RandomMap(rng, 5, 6, 7), RandomMap(rng, 5, 3, 3)};
    Result<std::unique_ptr<Head>> head = Head::Create(w);
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    // Score twice: the network keeps buffers between calls and must not carry state.
    for (int round = 0; round < 2; ++round) {
      Result<std::vector<float>> probs = (*head)->Score(maps);
      ASSERT_TRUE(probs.ok()) << probs.status().ToString();
      std::vector<double> expected = ReferenceScore(w, maps);
      ASSERT_EQ(probs->size(), expected.size());
      for (size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR((*probs)[k], expected[k], 1e-4) << "seed " << seed;
    }
    // A single map, and the maps in the other order (pooling does not care about order).
    MultiScaleMaps one = {maps[1]};
    std::vector<double> expected_one = ReferenceScore(w, one);
    Result<std::vector<float>> probs_one = (*head)->Score(one);
    ASSERT_TRUE(probs_one.ok());
    for (size_t k = 0; k < expected_one.size(); ++k) EXPECT_NEAR((*probs_one)[k], expected_one[k], 1e-4);
    MultiScaleMaps swapped = {maps[1], maps[0]};
    Result<std::vector<float>> a = (*head)->Score(maps), b = (*head)->Score(swapped);
    for (size_t k = 0; k < a->size(); ++k) EXPECT_NEAR((*a)[k], (*b)[k], 1e-6);
  }
}

TEST(HeadTest, ScoreRejectsWrongInputs) {
  std::mt19937 rng(4);
  auto head = Head::Create(RandomWeights(rng, 5, 4, 3, 5.0f));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ((*head)->Score({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*head)->Score({RandomMap(rng, 4, 3, 3)}).status().code(), StatusCode::kInvalidArgument);
}

TEST(PoolAndSoftmaxTest, SumsToOneAndIsPlainSoftmaxForOneLocation) {
  std::mt19937 rng(6);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  for (float sharpness : {0.1f, 1.0f, 5.0f, 50.0f}) {
    std::vector<std::vector<float>> scores(4, std::vector<float>(30));
    for (auto& row : scores) {
      for (float& v : row) v = dist(rng);
    }
    std::vector<float> p = PoolAndSoftmax(scores, sharpness);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-6);
    for (float v : p) EXPECT_GE(v, 0.0f);
  }

  {  // One location: plain softmax.
    std::vector<float> p = PoolAndSoftmax({{1.0f}, {2.0f}, {0.0f}}, 5.0f);
    double total = std::exp(1.0) + std::exp(2.0) + 1.0;
    EXPECT_NEAR(p[0], std::exp(1.0) / total, 1e-6);
    EXPECT_NEAR(p[1], std::exp(2.0) / total, 1e-6);
    EXPECT_NEAR(p[2], 1.0 / total, 1e-6);
  }
}

TEST(PoolAndSoftmaxTest, ApproachesMaxPoolingAsSharpnessGrows) {
  // Class 0 peaks at one location (3), class 1 is flat (1): max pooling gives logits (3, 1).
  const std::vector<std::vector<float>> scores = {{3, 0, 0, 0}, {1, 1, 1, 1}};
  const double max_pooled = std::exp(3.0) / (std::exp(3.0) + std::exp(1.0));
  // Sharpness 1 by hand: logit0 = log((e^3 + 3) / 4), logit1 = 1.
  double l0 = std::log((std::exp(3.0) + 3) / 4);
  EXPECT_NEAR(PoolAndSoftmax(scores, 1.0f)[0], std::exp(l0) / (std::exp(l0) + std::exp(1.0)), 1e-6);
  double previous_gap = 1;
  for (float sharpness : {1.0f, 5.0f, 20.0f, 100.0f, 1000.0f}) {
    double gap = std::abs(PoolAndSoftmax(scores, sharpness)[0] - max_pooled);
    EXPECT_LT(gap, previous_gap) << "sharpness " << sharpness;
    previous_gap = gap;
  }
  EXPECT_LT(previous_gap, 1e-3);

  {  // Large scores do not overflow.
    std::vector<float> p = PoolAndSoftmax({{1000.0f, -1000.0f}, {990.0f, 990.0f}}, 50.0f);
    for (float v : p) EXPECT_TRUE(std::isfinite(v));
    EXPECT_NEAR(p[0] + p[1], 1.0, 1e-6);
    EXPECT_GT(p[0], 0.99f);
  }
}

TEST(HeadWeightsTest, ValidateRejectsMismatchedSizes) {
  std::mt19937 rng(8);
  const HeadWeights good = RandomWeights(rng, 5, 4, 3, 5.0f);
  EXPECT_TRUE(good.Validate().ok());

  std::vector<std::pair<std::string, HeadWeights>> bad;
  auto with = [&](const std::string& what, auto change) {
    HeadWeights w = good;
    change(w);
    bad.emplace_back(what, w);
  };
  with("conv1_weight short", [](HeadWeights& w) { w.conv1_weight.pop_back(); });
  with("conv1_bias long", [](HeadWeights& w) { w.conv1_bias.push_back(0); });
  with("conv2_weight short", [](HeadWeights& w) { w.conv2_weight.pop_back(); });
  with("conv2_bias empty", [](HeadWeights& w) { w.conv2_bias.clear(); });
  with("hidden changed", [](HeadWeights& w) { w.hidden = 5; });
  with("in_channels changed", [](HeadWeights& w) { w.in_channels = 4; });
  with("one class", [](HeadWeights& w) {
    w.classes = 1;
    w.conv2_weight.resize(4);
    w.conv2_bias.resize(1);
  });
  with("zero shape", [](HeadWeights& w) { w = HeadWeights{}; });
  with("zero sharpness", [](HeadWeights& w) { w.lse_sharpness = 0; });
  with("NaN sharpness", [](HeadWeights& w) { w.lse_sharpness = std::nanf(""); });
  for (const auto& [what, w] : bad) {
    Status s = w.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << what;
    EXPECT_EQ(Head::Create(w).status().code(), StatusCode::kInvalidArgument) << what;
  }
}

}  // namespace
}  // namespace labelloop::model
