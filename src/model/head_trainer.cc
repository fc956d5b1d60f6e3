#include "model/head_trainer.h"

#include <chrono>
#include <cstring>
#include <map>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>

namespace labelloop::model {
namespace {

// Samples whose maps have the same shapes, stacked per input size: [n, C, h, w].
struct ShapeGroup {
  std::vector<torch::Tensor> stacked;
  std::vector<int> sample_indices;
};

using ShapeKey = std::vector<std::pair<int, int>>;

ShapeKey KeyOf(const MultiScaleMaps& maps) {
  ShapeKey key;
  for (const auto& m : maps) key.emplace_back(m.height, m.width);
  return key;
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Inverted dropout (zero with probability p, scale the rest by 1/(1-p)), like
// torch::dropout but in one pass with the mask drawn 16 bits at a time from SplitMix64:
// libtorch's CPU bernoulli_ draws one mt19937 number per element on one thread, which
// was ~19% of a 10-image training's CPU samples (perf); this is about 3x cheaper.
// REQUIRES: x is a contiguous float tensor that needs no gradient (features are
// constants), 0 < p < 1.
torch::Tensor Dropout(const torch::Tensor& x, double p, std::mt19937_64& rng) {
  TORCH_CHECK(x.is_contiguous() && x.scalar_type() == torch::kFloat32 && !x.requires_grad(),
              "Dropout takes contiguous float features without gradient");
  torch::Tensor out = torch::empty_like(x);
  const float* in = x.data_ptr<float>();
  float* o = out.data_ptr<float>();
  const int64_t n = x.numel();
  const uint64_t threshold = uint64_t(p * 65536.0 + 0.5);
  const float keep = float(1.0 / (1.0 - p));
  auto drop = [&](int64_t i, uint64_t bits) { o[i] = (bits & 0xffff) < threshold ? 0.0f : in[i] * keep; };
  uint64_t state = rng();
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint64_t bits = SplitMix64(state);
    drop(i, bits);
    drop(i + 1, bits >> 16);
    drop(i + 2, bits >> 32);
    drop(i + 3, bits >> 48);
  }
  for (uint64_t bits = SplitMix64(state); i < n; ++i, bits >>= 16) drop(i, bits);
  return out;
}

std::vector<float> ToVector(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous().to(torch::kFloat32);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

Result<HeadWeights> TrainHead(const std::vector<TrainingSample>& samples, int classes,
                              const HeadTrainingOptions& options, HeadTrainingStats* stats,
                              const std::function<void(int, int, double)>& progress) {
  auto start = std::chrono::steady_clock::now();
  if (samples.empty()) return FailedPreconditionError("no training samples");
  if (classes < 2) return InvalidArgumentError("a head needs at least two classes");
  if (!(options.feature_dropout >= 0 && options.feature_dropout < 1)) {
    return InvalidArgumentError(fmt::format("feature dropout {} is outside [0, 1)", options.feature_dropout));
  }
  const int channels = samples[0].maps->at(0).channels;
  for (const auto& s : samples) {
    if (s.class_index < 0 || s.class_index >= classes) return InvalidArgumentError("sample class out of range");
    for (const auto& m : *s.maps) {
      if (m.channels != channels) return InvalidArgumentError("samples have feature maps of different widths");
    }
  }
  try {
    if (options.threads > 0) torch::set_num_threads(options.threads);
    torch::manual_seed(options.seed);

    // Stack samples into shape groups once.
    std::map<ShapeKey, int> group_of_key;
    std::vector<ShapeGroup> groups;
    std::vector<std::pair<int, int>> position(samples.size());  // (group, row)
    for (size_t i = 0; i < samples.size(); ++i) {
      ShapeKey key = KeyOf(*samples[i].maps);
      auto [it, inserted] = group_of_key.emplace(key, int(groups.size()));
      if (inserted) groups.emplace_back();
      position[i] = {it->second, int(groups[it->second].sample_indices.size())};
      groups[it->second].sample_indices.push_back(int(i));
    }
    for (auto& g : groups) {
      const auto& first = *samples[g.sample_indices[0]].maps;
      for (size_t s = 0; s < first.size(); ++s) {
        torch::Tensor t = torch::empty({int64_t(g.sample_indices.size()), channels, first[s].height, first[s].width});
        for (size_t r = 0; r < g.sample_indices.size(); ++r) {
          const auto& m = samples[g.sample_indices[r]].maps->at(s);
          std::memcpy(t[int64_t(r)].data_ptr<float>(), m.data.data(), m.data.size() * sizeof(float));
        }
        g.stacked.push_back(t);
      }
    }

    torch::nn::Conv2d conv1(torch::nn::Conv2dOptions(channels, options.hidden, options.kernel).padding(options.kernel / 2));
    torch::nn::Conv2d conv2(torch::nn::Conv2dOptions(options.hidden, classes, 1));
    std::vector<torch::Tensor> params = conv1->parameters();
    for (auto& p : conv2->parameters()) params.push_back(p);
    torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(options.learning_rate)
                                              .weight_decay(options.weight_decay));

    // Class-balanced sampling: pick a class uniformly, then real or synthetic, then a sample.
    std::vector<std::vector<int>> real_of(classes), synthetic_of(classes);
    for (size_t i = 0; i < samples.size(); ++i) {
      (samples[i].synthetic ? synthetic_of : real_of)[samples[i].class_index].push_back(int(i));
    }
    std::vector<int> present;
    for (int c = 0; c < classes; ++c) {
      if (!real_of[c].empty() || !synthetic_of[c].empty()) present.push_back(c);
    }
    std::mt19937_64 rng(options.seed);
    std::mt19937_64 dropout_rng(options.seed ^ 0x64726f706f7574ull);  // apart, so batches do not depend on masks
    const int average_from = options.steps - int(options.steps * options.average_fraction);
    std::vector<torch::Tensor> averaged;
    int averaged_count = 0;
    const float r = options.lse_sharpness;
    double loss_value = 0;
    for (int step = 0; step < options.steps; ++step) {
      // Cosine learning-rate decay to zero.
      double lr = options.learning_rate * 0.5 * (1 + std::cos(M_PI * step / options.steps));
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

      std::vector<std::vector<int64_t>> rows(groups.size());
      std::vector<std::vector<int64_t>> targets(groups.size());
      for (int b = 0; b < options.batch_size; ++b) {
        int c = present[std::uniform_int_distribution<size_t>(0, present.size() - 1)(rng)];
        bool real = synthetic_of[c].empty() ||
                    (!real_of[c].empty() && std::uniform_real_distribution<double>(0, 1)(rng) < options.real_fraction);
        const std::vector<int>& pool = real ? real_of[c] : synthetic_of[c];
        int i = pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
        rows[position[i].first].push_back(position[i].second);
        targets[position[i].first].push_back(c);
      }
      std::vector<torch::Tensor> logits, labels;
      for (size_t g = 0; g < groups.size(); ++g) {
        if (rows[g].empty()) continue;
        torch::Tensor index = torch::tensor(rows[g], torch::kLong);
        std::vector<torch::Tensor> per_scale;
        for (auto& stacked : groups[g].stacked) {
          torch::Tensor x = stacked.index_select(0, index);
          if (options.feature_dropout > 0) x = Dropout(x, options.feature_dropout, dropout_rng);
          per_scale.push_back(conv2(torch::relu(conv1(x))).flatten(2));  // [b, classes, hw]
        }
        torch::Tensor z = torch::cat(per_scale, 2);
        double n = double(z.size(2));
        logits.push_back((torch::logsumexp(z * r, 2) - std::log(n)) / r);
        labels.push_back(torch::tensor(targets[g], torch::kLong));
      }
      torch::Tensor loss = torch::nn::functional::cross_entropy(torch::cat(logits), torch::cat(labels));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_value = 0.9 * loss_value + 0.1 * loss.item<double>();
      if (step == 0) loss_value = loss.item<double>();
      if (progress && (step % 25 == 0 || step + 1 == options.steps)) progress(step + 1, options.steps, loss_value);
      if (step >= average_from && options.average_fraction > 0) {
        torch::NoGradGuard no_grad;
        if (averaged.empty()) {
          for (auto& p : params) averaged.push_back(p.detach().clone());
        } else {
          for (size_t i = 0; i < params.size(); ++i) averaged[i] += (params[i].detach() - averaged[i]) / (averaged_count + 1);
        }
        ++averaged_count;
      }
    }
    if (!averaged.empty()) {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(averaged[i]);
    }

    HeadWeights w;
    w.in_channels = channels;
    w.hidden = options.hidden;
    w.kernel = options.kernel;
    w.classes = classes;
    w.lse_sharpness = r;
    w.conv1_weight = ToVector(conv1->weight);
    w.conv1_bias = ToVector(conv1->bias);
    w.conv2_weight = ToVector(conv2->weight);
    w.conv2_bias = ToVector(conv2->bias);
    if (stats != nullptr) {
      stats->steps = options.steps;
      stats->final_loss = loss_value;
      stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return w;
  } catch (const c10::Error& e) {
    return InternalError(fmt::format("training the head failed: {}", e.what_without_backtrace()));
  }
}

}  // namespace labelloop::model
