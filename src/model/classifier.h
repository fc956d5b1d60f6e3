// Classifier: a trained head plus what it needs to run (labels, input sizes), and the
// function that trains one from labelled images. Detection and evaluation both go
// through Classify, so what is measured is what is deployed. Not thread-safe (the
// FeatureSource and Head hold OpenCV nets): one Classifier per worker.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/status.h"
#include "model/evaluation.h"
#include "model/feature_source.h"
#include "model/head.h"
#include "model/head_trainer.h"
#include "model/localizer.h"
#include "model/synthesizer.h"

namespace labelloop::model {

struct ClassifierOptions {
  std::vector<int> sizes = {224, 320, 448};  // letterbox sizes for real images and detection
  // Synthetic scenes are embedded at one size each: this one, or with `synth_cycle_sizes`
  // the detection sizes in turn, so training sees every scale detection pools over.
  int synth_size = 320;
  bool synth_cycle_sizes = true;
  int synth_per_label = 40;                  // composites per label (from its logo files)
  int background_samples = 320;              // background-class scenes
  // Train on each real image's sizes as separate samples (3x cheaper per step) rather
  // than pooling all sizes jointly as detection does.
  bool separate_training_sizes = true;
  // head.batch_size is the largest batch: a batch holds about `batch_slots_per_class`
  // samples per class (labels + background), at least `min_batch_size`. Updates, not
  // samples seen, are what few-class trainings lack: two labels at batch 16 match their
  // accuracy at batch 32 for half the time, while twelve need 32 so that the background
  // class is in every batch a few times.
  HeadTrainingOptions head;
  double batch_slots_per_class = 2.5;
  int min_batch_size = 16;
  // Heads trained with different seeds, each for head.steps / ensemble_size steps (at least
  // min_member_steps); detection averages their probabilities. Same training cost as one
  // head, less seed-to-seed variance, and members disagree (so confidence drops) on
  // images unlike any label.
  int ensemble_size = 6;
  int min_member_steps = 60;
  // Members trained side by side, each computing on its own thread only (0: one per
  // hardware thread). Two heads at once train 1.9x faster than one after the other on 2
  // vCPUs, where libtorch's and OpenBLAS's own thread pools reached 1.5x at best and
  // collapsed whenever anything else was running (both spin while they wait).
  int parallel_heads = 0;
};

// One labelled training image, decoded with its transparency (BGRA).
struct LabeledImage {
  std::string name;          // object key or path, for messages
  std::string content_hash;  // SHA-256 of the encoded bytes
  int class_index = 0;       // index into the label list; its size for a background photo
  cv::Mat bgra;
};

struct ClassifierTrainingStats {
  int real_samples = 0;
  int synthetic_samples = 0;
  int background_samples = 0;  // rendered background-class scenes
  int background_photos = 0;   // real images of none of the labels (none_of_the_above)
  int labels_without_logo_files = 0;  // labels trained from photos only
  int cache_hits = 0;
  int cache_misses = 0;
  double embed_seconds = 0;
  HeadTrainingStats head;
};

using ProgressFn = std::function<void(const std::string& phase, int done, int total)>;

// Trains the heads for `labels` (the background class is added). `images` must cover every
// label; an image with class_index == labels.size() is a real photo of the background
// class (none of the labels) and trains it alongside the rendered background scenes. The
// synthesizer's backgrounds feed both composites and the background class.
Result<std::vector<HeadWeights>> TrainClassifierHeads(const std::vector<LabeledImage>& images, const std::vector<std::string>& labels,
                                        FeatureSource& features, const Synthesizer& synthesizer,
                                        const ClassifierOptions& options, ClassifierTrainingStats* stats,
                                        const ProgressFn& progress = {});

struct LabelConfidence {
  std::string name;
  double confidence_pct = 0;  // 0-100
  std::optional<BoundingBox> geometry;  // where the label is; none when localisation is off
};

// What the ensemble says about one image: class probabilities (labels + background, the
// heads' average) and, when asked for, the per-location probabilities they pool.
struct ImageScores {
  std::vector<float> probabilities;
  std::vector<LocationProbabilities> locations;  // one per input size, in sizes() order
};

class Classifier {
 public:
  static Result<std::unique_ptr<Classifier>> Create(std::vector<HeadWeights> heads, std::vector<std::string> labels,
                                                    std::vector<int> sizes);

  // Confidence per label, highest first (the background class is not reported), each with
  // its geometry unless localisation is off. `content_hash` may be empty (no caching).
  Result<std::vector<LabelConfidence>> Classify(FeatureSource& features, const cv::Mat& bgr,
                                                const std::string& content_hash = "");
  // The scores Classify reports from, at the classifier's temperature; `with_locations`
  // keeps the per-location ones (never tempered: the localiser compares them within a map).
  Result<ImageScores> Score(FeatureSource& features, const cv::Mat& bgr, const std::string& content_hash,
                            bool with_locations);

  // nullopt turns localisation off (Classify reports no geometry and skips its cost).
  void set_localizer(std::optional<LocalizerOptions> options) { localizer_ = std::move(options); }
  // The version's calibration (model/calibration.h, ApplyTemperature); 1 leaves the
  // ensemble's probabilities as they are. REQUIRES: temperature > 0.
  void set_temperature(double temperature) { temperature_ = temperature; }

  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<int>& sizes() const { return sizes_; }

 private:
  Classifier(std::vector<std::unique_ptr<Head>> heads, std::vector<std::string> labels, std::vector<int> sizes)
      : heads_(std::move(heads)), labels_(std::move(labels)), sizes_(std::move(sizes)) {}
  std::vector<std::unique_ptr<Head>> heads_;
  std::vector<std::string> labels_;
  std::vector<int> sizes_;
  std::optional<LocalizerOptions> localizer_ = LocalizerOptions{};
  double temperature_ = 1.0;
};

// A classification as an evaluation record. REQUIRES: `labels` sorted (as everywhere);
// the background's share is what the labels leave of 100.
TestPrediction ToTestPrediction(const std::string& image, int true_class, const std::vector<LabelConfidence>& result,
                                const std::vector<std::string>& labels);

// BGR of a BGRA image composited on white.
cv::Mat CompositeOnWhite(const cv::Mat& bgra);

}  // namespace labelloop::model
