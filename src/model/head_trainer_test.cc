#include "model/head_trainer.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace labelloop::model {
namespace {

constexpr int kChannels = 6;
constexpr int kClasses = 3;  // two labels and background (last)

// Toy feature maps: noise everywhere; label k lights up channel k at one random location;
// background lights up nothing.
MultiScaleMaps ToyMaps(std::mt19937& rng, int class_index, int side = 8) {
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::uniform_int_distribution<int> pos(0, side - 1);
  vision::FeatureMap m{kChannels, side, side, std::vector<float>(size_t(kChannels) * side * side)};
  for (float& v : m.data) v = noise(rng);
  if (class_index < kClasses - 1) {
    int y = pos(rng), x = pos(rng);
    m.data[(size_t(class_index) * side + y) * side + x] += 3.0f;
  }
  return {m};
}

struct ToySet {
  std::vector<MultiScaleMaps> maps;
  std::vector<int> classes;

  std::vector<TrainingSample> Samples() const {
    std::vector<TrainingSample> out;
    for (size_t i = 0; i < maps.size(); ++i) out.push_back({&maps[i], classes[i]});
    return out;
  }
};

ToySet MakeToySet(uint32_t seed, int per_class, bool mixed_sizes) {
  std::mt19937 rng(seed);
  ToySet set;
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < kClasses; ++c) {
      set.maps.push_back(ToyMaps(rng, c, mixed_sizes && i % 2 ? 6 : 8));
      set.classes.push_back(c);
    }
  }
  return set;
}

HeadTrainingOptions FastOptions() {
  HeadTrainingOptions o;
  o.hidden = 16;
  o.steps = 150;
  o.batch_size = 32;
  o.learning_rate = 1e-2;  // the default 2e-3 needs more steps than a unit test should take
  o.seed = 3;
  o.threads = 1;
  return o;
}

TEST(HeadTrainerTest, LearnsWhichChannelLightsUp) {
  ToySet train = MakeToySet(1, 40, /*mixed_sizes=*/true);  // two shape groups
  HeadTrainingStats stats;
  int progress_calls = 0, last_step = 0;
  auto progress = [&](int step, int steps, double loss) {
    ++progress_calls;
    last_step = step;
    EXPECT_EQ(steps, 150);
    EXPECT_TRUE(std::isfinite(loss));
  };
  Result<HeadWeights> w = TrainHead(train.Samples(), kClasses, FastOptions(), &stats, progress);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->in_channels, kChannels);
  EXPECT_EQ(w->hidden, 16);
  EXPECT_EQ(w->classes, kClasses);
  EXPECT_TRUE(w->Validate().ok());
  EXPECT_EQ(stats.steps, 150);
  EXPECT_LT(stats.final_loss, 0.4);
  EXPECT_GT(progress_calls, 1);
  EXPECT_EQ(last_step, 150);

  // Held-out samples, scored by the OpenCV inference path.
  ToySet test = MakeToySet(2, 40, /*mixed_sizes=*/false);
  auto head = Head::Create(*w);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  int correct = 0;
  for (size_t i = 0; i < test.maps.size(); ++i) {
    Result<std::vector<float>> p = (*head)->Score(test.maps[i]);
    ASSERT_TRUE(p.ok());
    int predicted = int(std::max_element(p->begin(), p->end()) - p->begin());
    correct += predicted == test.classes[i];
  }
  EXPECT_GE(correct, int(0.95 * test.maps.size())) << correct << " of " << test.maps.size();
}

TEST(HeadTrainerTest, SameSeedGivesTheSameWeights) {
  ToySet train = MakeToySet(4, 6, false);
  HeadTrainingOptions o = FastOptions();
  o.steps = 10;
  Result<HeadWeights> a = TrainHead(train.Samples(), kClasses, o, nullptr);
  Result<HeadWeights> b = TrainHead(train.Samples(), kClasses, o, nullptr);
  o.seed = 4;
  Result<HeadWeights> c = TrainHead(train.Samples(), kClasses, o, nullptr);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->conv1_weight, b->conv1_weight);
  EXPECT_EQ(a->conv2_bias, b->conv2_bias);
  EXPECT_NE(a->conv1_weight, c->conv1_weight);
}

TEST(HeadTrainerTest, RejectsBadInput) {
  ToySet train = MakeToySet(5, 2, false);
  HeadTrainingOptions o = FastOptions();
  o.steps = 2;
  EXPECT_EQ(TrainHead({}, kClasses, o, nullptr).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(TrainHead(train.Samples(), 1, o, nullptr).status().code(), StatusCode::kInvalidArgument);

  std::vector<TrainingSample> samples = train.Samples();
  samples[1].class_index = kClasses;
  EXPECT_EQ(TrainHead(samples, kClasses, o, nullptr).status().code(), StatusCode::kInvalidArgument);
  samples[1].class_index = -1;
  EXPECT_EQ(TrainHead(samples, kClasses, o, nullptr).status().code(), StatusCode::kInvalidArgument);

  MultiScaleMaps narrow = {vision::FeatureMap{kChannels - 1, 8, 8, std::vector<float>(size_t(kChannels - 1) * 64)}};
  samples = train.Samples();
  samples.push_back({&narrow, 0});
  EXPECT_EQ(TrainHead(samples, kClasses, o, nullptr).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace labelloop::model
