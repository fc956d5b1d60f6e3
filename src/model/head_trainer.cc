#include "model/head_trainer.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
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

// Scores every location of a batch of maps: [b, classes, h, w] per scale.
std::vector<torch::Tensor> ScoreLocations(torch::nn::Conv2d& conv1, torch::nn::Conv2d& conv2,
                                          const std::vector<torch::Tensor>& per_scale_inputs) {
  std::vector<torch::Tensor> out;
  for (const auto& x : per_scale_inputs) out.push_back(conv2(torch::relu(conv1(x))));
  return out;
}

// The additive location masks of mined photo backgrounds (0 kept, -1e9 masked, over the
// sample's locations of all scales in order), or an undefined tensor for a photo the
// head cannot locate its logo in. `rows` are rows of one shape group, `classes_of_rows`
// their labels.
std::vector<torch::Tensor> MineBackgroundMasks(torch::nn::Conv2d& conv1, torch::nn::Conv2d& conv2,
                                               const std::vector<torch::Tensor>& stacked, const std::vector<int64_t>& rows,
                                               const std::vector<int64_t>& classes_of_rows,
                                               const HeadTrainingOptions& options) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> inputs;
  torch::Tensor index = torch::tensor(rows, torch::kLong);
  for (const auto& t : stacked) inputs.push_back(t.index_select(0, index));
  torch::Tensor label = torch::tensor(classes_of_rows, torch::kLong).view({-1, 1, 1, 1});
  std::vector<torch::Tensor> probability;  // [b, 1, h, w] per scale: the photo's label
  for (auto& z : ScoreLocations(conv1, conv2, inputs)) {
    probability.push_back(torch::softmax(z, 1).gather(1, label.expand({z.size(0), 1, z.size(2), z.size(3)})));
  }
  std::vector<torch::Tensor> flat;
  for (auto& p : probability) flat.push_back(p.flatten(1));
  torch::Tensor all = torch::cat(flat, 1);  // [b, locations]
  const int64_t n = all.size(1);
  torch::Tensor sorted = std::get<0>(all.sort(1));
  int64_t cut = std::clamp<int64_t>(int64_t((1.0 - options.mask_fraction) * double(n)), 0, n - 1);
  torch::Tensor threshold = torch::clamp_max(sorted.select(1, cut), options.mask_probability).view({-1, 1, 1, 1});
  torch::Tensor peak = std::get<0>(all.max(1));
  std::vector<torch::Tensor> kept_flat;
  const int d = options.mask_dilation;
  for (auto& p : probability) {
    torch::Tensor logo = (p >= threshold).to(torch::kFloat32);
    if (d > 0) logo = torch::max_pool2d(logo, {2 * d + 1, 2 * d + 1}, {1, 1}, {d, d});
    kept_flat.push_back((logo < 0.5f).flatten(1));
  }
  torch::Tensor kept = torch::cat(kept_flat, 1);
  std::vector<torch::Tensor> masks(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    if (peak[int64_t(r)].item<float>() < options.min_peak_probability) continue;
    if (kept[int64_t(r)].sum().item<int64_t>() < 4) continue;
    masks[r] = torch::where(kept[int64_t(r)], torch::zeros({n}), torch::full({n}, -1e9f));
  }
  return masks;
}

std::vector<float> ToVector(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous().to(torch::kFloat32);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

void UseCallingThreadBlas() {
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

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

    // The initial weights come from libtorch's global generator: seeded and drawn under a
    // lock, so heads trained side by side start where they would alone.
    static std::mutex init_mutex;
    std::unique_lock init_lock(init_mutex);
    torch::manual_seed(options.seed);
    torch::nn::Conv2d conv1(torch::nn::Conv2dOptions(channels, options.hidden, options.kernel).padding(options.kernel / 2));
    torch::nn::Conv2d conv2(torch::nn::Conv2dOptions(options.hidden, classes, 1));
    init_lock.unlock();
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
    // Mined photo backgrounds: per sample its location mask, and the samples that have one.
    const bool mining = options.background_class >= 0 && options.mined_background_share > 0;
    const int mine_at = int(options.steps * options.mine_after);
    std::vector<torch::Tensor> mined_mask(samples.size());
    std::vector<double> mined_locations(samples.size(), 0.0);  // kept locations per mask
    std::vector<int> mined_pool;
    auto mine = [&]() {
      mined_pool.clear();
      for (auto& g : groups) {
        std::vector<int64_t> rows, labels_of_rows;
        for (size_t r = 0; r < g.sample_indices.size(); ++r) {
          const TrainingSample& sample = samples[g.sample_indices[r]];
          if (sample.synthetic || sample.class_index == options.background_class) continue;
          rows.push_back(int64_t(r));
          labels_of_rows.push_back(sample.class_index);
        }
        for (size_t from = 0; from < rows.size(); from += 64) {  // chunks bound the memory
          size_t to = std::min(rows.size(), from + 64);
          std::vector<int64_t> chunk(rows.begin() + from, rows.begin() + to);
          std::vector<int64_t> chunk_labels(labels_of_rows.begin() + from, labels_of_rows.begin() + to);
          std::vector<torch::Tensor> masks = MineBackgroundMasks(conv1, conv2, g.stacked, chunk, chunk_labels, options);
          for (size_t r = 0; r < chunk.size(); ++r) {
            int i = g.sample_indices[chunk[r]];
            mined_mask[i] = masks[r];
            if (!masks[r].defined()) continue;
            mined_locations[i] = double((masks[r] == 0).sum().item<int64_t>());
            mined_pool.push_back(i);
          }
        }
      }
      std::sort(mined_pool.begin(), mined_pool.end());
    };
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

      if (mining && step == mine_at) mine();
      std::vector<std::vector<int64_t>> rows(groups.size());
      std::vector<std::vector<int64_t>> targets(groups.size());
      std::vector<std::vector<int>> mined_rows(groups.size());  // per row: the mined sample, or -1
      for (int b = 0; b < options.batch_size; ++b) {
        int c = present[std::uniform_int_distribution<size_t>(0, present.size() - 1)(rng)];
        int i = -1;
        if (c == options.background_class && !mined_pool.empty() &&
            std::uniform_real_distribution<double>(0, 1)(rng) < options.mined_background_share) {
          i = mined_pool[std::uniform_int_distribution<size_t>(0, mined_pool.size() - 1)(rng)];
          mined_rows[position[i].first].push_back(i);
        } else {
          bool real = synthetic_of[c].empty() ||
                      (!real_of[c].empty() && std::uniform_real_distribution<double>(0, 1)(rng) < options.real_fraction);
          const std::vector<int>& pool = real ? real_of[c] : synthetic_of[c];
          i = pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
          mined_rows[position[i].first].push_back(-1);
        }
        rows[position[i].first].push_back(position[i].second);
        targets[position[i].first].push_back(c);
      }
      std::vector<torch::Tensor> logits, labels;
      for (size_t g = 0; g < groups.size(); ++g) {
        if (rows[g].empty()) continue;
        torch::Tensor index = torch::tensor(rows[g], torch::kLong);
        std::vector<torch::Tensor> inputs;
        for (auto& stacked : groups[g].stacked) {
          torch::Tensor x = stacked.index_select(0, index);
          if (options.feature_dropout > 0) x = Dropout(x, options.feature_dropout, dropout_rng);
          inputs.push_back(x);
        }
        std::vector<torch::Tensor> per_scale;
        for (auto& z : ScoreLocations(conv1, conv2, inputs)) per_scale.push_back(z.flatten(2));  // [b, classes, hw]
        torch::Tensor z = torch::cat(per_scale, 2);
        const int64_t locations = z.size(2);
        bool any_mined = std::any_of(mined_rows[g].begin(), mined_rows[g].end(), [](int i) { return i >= 0; });
        if (!any_mined) {
          logits.push_back((torch::logsumexp(z * r, 2) - std::log(double(locations))) / r);
        } else {  // a mined photo pools over its background locations only
          torch::Tensor mask = torch::zeros({z.size(0), locations});
          torch::Tensor count = torch::full({z.size(0)}, double(locations));
          for (size_t row = 0; row < mined_rows[g].size(); ++row) {
            int i = mined_rows[g][row];
            if (i < 0) continue;
            mask[int64_t(row)].copy_(mined_mask[i]);
            count[int64_t(row)] = mined_locations[i];
          }
          logits.push_back((torch::logsumexp(z * r + mask.unsqueeze(1), 2) - torch::log(count).unsqueeze(1)) / r);
        }
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
      stats->mined_photos = int(mined_pool.size());
      stats->final_loss = loss_value;
      stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return w;
  } catch (const c10::Error& e) {
    return InternalError(fmt::format("training the head failed: {}", e.what_without_backtrace()));
  }
}

}  // namespace labelloop::model
