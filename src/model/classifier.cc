#include "model/classifier.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "common/content_hash.h"
#include "model/calibration.h"

namespace labelloop::model {
namespace {

uint64_t SeedOf(const std::string& text) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

TestPrediction ToTestPrediction(const std::string& image, int true_class, const std::vector<LabelConfidence>& result,
                                const std::vector<std::string>& labels) {
  TestPrediction p;
  p.image = image;
  p.true_class = true_class;
  p.confidence_pct.assign(labels.size(), 0);
  double sum = 0;
  for (const auto& lc : result) {
    auto it = std::lower_bound(labels.begin(), labels.end(), lc.name);
    p.confidence_pct[it - labels.begin()] = lc.confidence_pct;
    sum += lc.confidence_pct;
  }
  p.background_pct = std::max(0.0, 100.0 - sum);
  return p;
}

cv::Mat CompositeOnWhite(const cv::Mat& bgra) {
  if (bgra.channels() == 3) return bgra;
  cv::Mat out(bgra.size(), CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const cv::Vec4b* s = bgra.ptr<cv::Vec4b>(y);
    cv::Vec3b* d = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgra.cols; ++x) {
      int a = s[x][3];
      for (int c = 0; c < 3; ++c) d[x][c] = static_cast<uchar>((s[x][c] * a + 255 * (255 - a) + 127) / 255);
    }
  }
  return out;
}

Result<std::vector<HeadWeights>> TrainClassifierHeads(const std::vector<LabeledImage>& images, const std::vector<std::string>& labels,
                                        FeatureSource& features, const Synthesizer& synthesizer,
                                        const ClassifierOptions& options, ClassifierTrainingStats* stats,
                                        const ProgressFn& progress) {
  ClassifierTrainingStats local;
  ClassifierTrainingStats& st = stats ? *stats : local;
  const int num_labels = int(labels.size());
  if (num_labels < 1) return FailedPreconditionError("no labels to train");
  const int hits0 = features.hits(), misses0 = features.misses();
  auto t0 = std::chrono::steady_clock::now();

  // Storage for every sample's maps; samples point into it.
  std::vector<MultiScaleMaps> maps;
  std::vector<int> classes;
  std::vector<bool> synthetic;
  maps.reserve(images.size() * options.sizes.size() + num_labels * options.synth_per_label + options.background_samples);

  // Logo cut-outs per label, with the hash of the file they came from.
  std::vector<std::vector<std::pair<std::string, cv::Mat>>> logos(num_labels);
  for (const auto& image : images) {
    if (image.class_index < 0 || image.class_index > num_labels) return InvalidArgumentError("image label out of range");
    if (image.class_index == num_labels) continue;  // a background photo has no logo to cut out
    if (auto logo = Synthesizer::ExtractLogo(image.bgra)) logos[image.class_index].emplace_back(image.content_hash, *logo);
  }

  const int total = int(images.size()) + num_labels * options.synth_per_label + options.background_samples;
  int done = 0;
  auto report = [&](const char* phase) {
    ++done;
    if (progress && (done % 10 == 0 || done == total)) progress(phase, done, total);
  };

  for (const auto& image : images) {
    ASSIGN_OR_RETURN(MultiScaleMaps m, features.Get(image.content_hash, options.sizes,
                                                    [&]() -> Result<cv::Mat> { return CompositeOnWhite(image.bgra); }));
    if (options.separate_training_sizes) {
      for (auto& single : m) {
        maps.push_back(MultiScaleMaps{std::move(single)});
        classes.push_back(image.class_index);
        synthetic.push_back(false);
      }
    } else {
      maps.push_back(std::move(m));
      classes.push_back(image.class_index);
      synthetic.push_back(false);
    }
    ++(image.class_index == num_labels ? st.background_photos : st.real_samples);
    report("embedding training images");
  }
  // The k-th size in turn. A render's k must follow from its recipe alone, so the same
  // recipe is embedded at the same size, and found in the cache, whatever else changes.
  auto synth_sizes = [&](uint64_t k) {
    return std::vector<int>{options.synth_cycle_sizes ? options.sizes[k % options.sizes.size()] : options.synth_size};
  };
  for (int c = 0; c < num_labels; ++c) {
    if (logos[c].empty()) {
      ++st.labels_without_logo_files;
      done += options.synth_per_label;
      continue;
    }
    for (int j = 0; j < options.synth_per_label; ++j) {
      const auto& [hash, logo] = logos[c][j % logos[c].size()];
      const size_t draw = j / logos[c].size();
      // The recipe names the source file and the draw, so a retrain re-uses these renders
      // (and so does a cross-validation fold, whose labels have fewer logo files): the
      // size cycles with the draw, from a start that depends on the file, never on j.
      std::string recipe = fmt::format("synth/v{}/{}/{}/bg{}d{}", kSynthesizerVersion, hash, draw,
                                       synthesizer.background_count(), synthesizer.decoy_count());
      auto render = [&]() -> Result<cv::Mat> { return synthesizer.Render(&logo, SeedOf(recipe)); };
      ASSIGN_OR_RETURN(MultiScaleMaps m, features.Get(Sha256Hex(recipe), synth_sizes(SeedOf(hash) + draw), render));
      maps.push_back(std::move(m));
      classes.push_back(c);
      synthetic.push_back(true);
      ++st.synthetic_samples;
      report("rendering synthetic images");
    }
  }
  for (int j = 0; j < options.background_samples; ++j) {
    std::string recipe = fmt::format("background/v{}/{}/bg{}d{}", kSynthesizerVersion, j, synthesizer.background_count(),
                                     synthesizer.decoy_count());
    ASSIGN_OR_RETURN(MultiScaleMaps m, features.Get(Sha256Hex(recipe), synth_sizes(j), [&]() -> Result<cv::Mat> {
      return synthesizer.Render(nullptr, SeedOf(recipe));
    }));
    maps.push_back(std::move(m));
    classes.push_back(num_labels);
    synthetic.push_back(true);
    ++st.background_samples;
    report("rendering background images");
  }
  st.embed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  st.cache_hits = features.hits() - hits0;
  st.cache_misses = features.misses() - misses0;

  std::vector<TrainingSample> samples(maps.size());
  for (size_t i = 0; i < maps.size(); ++i) samples[i] = {&maps[i], classes[i], synthetic[i]};
  const int members = std::max(1, options.ensemble_size);
  HeadTrainingOptions member = options.head;
  member.steps = std::max(options.min_member_steps, options.head.steps / members);
  member.background_class = num_labels;
  member.batch_size = std::clamp(int(std::ceil(options.batch_slots_per_class * (num_labels + 1))),
                                 std::min(options.min_batch_size, options.head.batch_size), options.head.batch_size);
  const int workers = std::clamp(options.parallel_heads > 0 ? options.parallel_heads
                                                            : int(std::thread::hardware_concurrency()),
                                 1, members);
  // Plain threads run the members, each computing on its own thread only; see
  // parallel_heads.
  member.threads = 1;
  UseCallingThreadBlas();
  std::vector<Result<HeadWeights>> trained(members, InternalError("not trained"));
  std::vector<HeadTrainingStats> member_stats(members);
  std::mutex progress_mutex;
  std::vector<int> steps_done(members, 0);
  std::atomic<int> next{0};
  auto work = [&] {
    for (int m = next++; m < members; m = next++) {
      HeadTrainingOptions mine = member;
      mine.seed = options.head.seed + uint64_t(m);
      trained[m] = TrainHead(samples, num_labels + 1, mine, &member_stats[m], [&, m](int step, int steps, double) {
        if (!progress) return;
        std::lock_guard lock(progress_mutex);
        steps_done[m] = step;
        progress("training", std::accumulate(steps_done.begin(), steps_done.end(), 0), members * steps);
      });
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int w = 1; w < workers; ++w) threads.emplace_back(work);
    work();
  }
  std::vector<HeadWeights> heads;
  for (int m = 0; m < members; ++m) {
    if (!trained[m].ok()) return trained[m].status();
    st.head.steps += member_stats[m].steps;
    st.head.seconds += member_stats[m].seconds;
    st.head.final_loss = member_stats[m].final_loss;
    st.head.mined_photos = member_stats[m].mined_photos;
    heads.push_back(std::move(*trained[m]));
  }
  return heads;
}

Result<std::unique_ptr<Classifier>> Classifier::Create(std::vector<HeadWeights> heads, std::vector<std::string> labels,
                                                       std::vector<int> sizes) {
  if (heads.empty()) return InvalidArgumentError("a classifier needs at least one head");
  if (sizes.empty()) return InvalidArgumentError("a classifier needs at least one input size");
  std::vector<std::unique_ptr<Head>> built;
  for (auto& w : heads) {
    if (w.classes != int(labels.size()) + 1) {
      return InvalidArgumentError(fmt::format("head has {} classes for {} labels", w.classes, labels.size()));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Head> head, Head::Create(std::move(w)));
    built.push_back(std::move(head));
  }
  return std::unique_ptr<Classifier>(new Classifier(std::move(built), std::move(labels), std::move(sizes)));
}

namespace {

// Adds one head's per-location softmax, weighted by `weight`, to `into`.
void AddLocationSoftmax(const LocationLogits& logits, int classes, float weight, LocationProbabilities& into) {
  const size_t n = size_t(logits.height) * logits.width;
  if (into.probs.empty()) into.probs.assign(size_t(classes) * n, 0.0f);
  std::vector<float> e(classes);
  for (size_t i = 0; i < n; ++i) {
    float max_z = logits.logits[i];
    for (int c = 1; c < classes; ++c) max_z = std::max(max_z, logits.logits[c * n + i]);
    float total = 0;
    for (int c = 0; c < classes; ++c) total += (e[c] = std::exp(logits.logits[c * n + i] - max_z));
    for (int c = 0; c < classes; ++c) into.probs[c * n + i] += weight * e[c] / total;
  }
}

}  // namespace

Result<ImageScores> Classifier::Score(FeatureSource& features, const cv::Mat& bgr, const std::string& content_hash,
                                      bool with_locations) {
  Result<MultiScaleMaps> maps = content_hash.empty()
      ? ExtractMaps(features.backbone(), bgr, sizes_)
      : features.Get(content_hash, sizes_, [&]() -> Result<cv::Mat> { return bgr; });
  if (!maps.ok()) return maps.status();
  const int classes = int(labels_.size()) + 1;
  const float weight = 1.0f / float(heads_.size());
  ImageScores scores;
  scores.probabilities.assign(classes, 0.0f);
  if (with_locations) {
    for (size_t s = 0; s < maps->size(); ++s) {
      scores.locations.push_back({sizes_[s], (*maps)[s].height, (*maps)[s].width, {}});
    }
  }
  for (auto& head : heads_) {
    ASSIGN_OR_RETURN(std::vector<LocationLogits> logits, head->ScoreLocations(*maps));
    std::vector<float> p = PoolLocations(logits, classes, head->weights().lse_sharpness);
    for (int c = 0; c < classes; ++c) scores.probabilities[c] += p[c] * weight;
    if (!with_locations) continue;
    for (size_t s = 0; s < logits.size(); ++s) AddLocationSoftmax(logits[s], classes, weight, scores.locations[s]);
  }
  ApplyTemperature(scores.probabilities, temperature_);
  return scores;
}

Result<std::vector<LabelConfidence>> Classifier::Classify(FeatureSource& features, const cv::Mat& bgr,
                                                          const std::string& content_hash) {
  ASSIGN_OR_RETURN(ImageScores scores, Score(features, bgr, content_hash, localizer_.has_value()));
  std::vector<LabelConfidence> out;
  for (size_t i = 0; i < labels_.size(); ++i) {
    LabelConfidence label{labels_[i], 100.0 * scores.probabilities[i], std::nullopt};
    if (localizer_) label.geometry = Localize(scores.locations, int(i), bgr.cols, bgr.rows, *localizer_);
    out.push_back(std::move(label));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.confidence_pct > b.confidence_pct; });
  return out;
}

}  // namespace labelloop::model
