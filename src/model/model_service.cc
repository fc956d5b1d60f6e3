#include "model/model_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "common/content_hash.h"
#include "common/process.h"
#include "model/calibration.h"
#include "model/dataset_split.h"
#include "model/evaluation.h"
#include "model/manifest.h"
#include "model/model_artifact.h"
#include "model/synthesizer_assets.h"
#include "store/object_keys.h"

namespace labelloop::model {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTrainingMarker = "Training in progress (worker ";

Json BackboneConfigJson(const vision::BackboneConfig& c) {
  return {{"onnx_file", fs::path(c.onnx_path).filename().string()},
          {"outputs", c.output_names},
          {"scale", c.scale},
          {"mean", c.mean},
          {"swap_rb", c.swap_rb}};
}

class ClassifierDetector final : public Detector {
 public:
  ClassifierDetector(std::string version, std::unique_ptr<vision::Backbone> backbone,
                     std::unique_ptr<Classifier> classifier, vision::DecodeLimits limits,
                     std::map<std::string, double> assumed_thresholds)
      : version_(std::move(version)),
        backbone_(std::move(backbone)),
        features_(backbone_.get(), nullptr),
        classifier_(std::move(classifier)),
        limits_(limits),
        assumed_thresholds_(std::move(assumed_thresholds)) {}

  const std::string& version() const override { return version_; }

  Result<Detection> Detect(const std::string& bytes, const std::string& name, int max_results,
                           double min_confidence) override {
    ASSIGN_OR_RETURN(cv::Mat bgr, vision::DecodeImage(bytes, name, limits_));
    ASSIGN_OR_RETURN(std::vector<LabelConfidence> scores, classifier_->Classify(features_, bgr));
    Detection d;
    d.version = version_;
    for (const auto& s : scores) {
      DetectedLabel label{s.name, s.confidence_pct, s.geometry, std::nullopt};
      if (auto it = assumed_thresholds_.find(s.name); it != assumed_thresholds_.end()) label.assumed_threshold = it->second;
      if (!MeetsMinConfidence(label, min_confidence)) continue;
      if (max_results > 0 && int(d.labels.size()) >= max_results) break;
      d.labels.push_back(std::move(label));
    }
    return d;
  }

 private:
  std::string version_;
  std::unique_ptr<vision::Backbone> backbone_;
  FeatureSource features_;
  std::unique_ptr<Classifier> classifier_;
  vision::DecodeLimits limits_;
  std::map<std::string, double> assumed_thresholds_;  // label -> 0-100
};

// The held-out none_of_the_above images: how many the model rejects (the background
// wins), and how well the top label confidence, which detection reports, separates the
// labelled test images from them (AUROC, 1 = every labelled image scores higher).
Json NegativesToJson(const EvaluationResult& labelled, const std::vector<TestPrediction>& negatives) {
  auto top = [](const TestPrediction& p) {
    return p.confidence_pct.empty() ? 0.0 : *std::max_element(p.confidence_pct.begin(), p.confidence_pct.end());
  };
  std::vector<double> known, none;
  for (const auto& p : labelled.predictions) known.push_back(top(p));
  int rejected = 0;
  for (const auto& p : negatives) {
    none.push_back(top(p));
    rejected += PredictedClass(p) == int(p.confidence_pct.size());
  }
  return {{"test_images", negatives.size()},
          {"rejected", rejected},
          {"auroc_labelled_vs_none", Auroc(known, none)}};
}

std::vector<TestPrediction> Tempered(std::vector<TestPrediction> predictions, double temperature) {
  for (auto& p : predictions) p = ApplyTemperature(std::move(p), temperature);
  return predictions;
}

double RoundTo(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace

Json DetectedLabelJson(const DetectedLabel& label, int confidence_decimals) {
  Json out = {{"name", label.name},
              {"confidence", confidence_decimals < 0 ? label.confidence : RoundTo(label.confidence, confidence_decimals)}};
  if (label.geometry) {
    // Four decimals: a tenth of a pixel on a 1,000-pixel side.
    const BoundingBox& b = *label.geometry;
    out["geometry"] = {{"left", RoundTo(b.left, 4)}, {"top", RoundTo(b.top, 4)}, {"width", RoundTo(b.width, 4)},
                       {"height", RoundTo(b.height, 4)}};
  }
  if (label.assumed_threshold) out["assumed_threshold"] = RoundTo(*label.assumed_threshold, 3);
  return out;
}

bool MeetsMinConfidence(const DetectedLabel& label, double min_confidence) {
  if (min_confidence == kEachLabelsThreshold) return label.confidence >= label.assumed_threshold.value_or(0);
  return label.confidence >= min_confidence;
}

ClassifierOptions TrainingClassifierOptions(const ModelServiceOptions& options, size_t label_count) {
  ClassifierOptions out = options.classifier;
  out.head.steps = std::clamp(options.steps_per_class * int(label_count + 1), options.min_steps,
                              std::max(options.min_steps, options.classifier.head.steps));
  return out;
}

// Background photos are split too: their test share is not a label to score, but
// negatives whose top confidence should stay low (reported as "none_of_the_above"). The
// temperature is fitted on all of the test split's scores and applied before the
// evaluation, so the assumed thresholds are on the scale detection reports.
Result<HeldOutEvaluation> EvaluateOnHeldOut(const std::vector<LabeledImage>& images, const std::vector<std::string>& labels,
                                            FeatureSource& features, const Synthesizer& synthesizer,
                                            const ModelServiceOptions& options,
                                            const ClassifierOptions& classifier_options, const ProgressFn& progress) {
  std::vector<SplitItem> items;
  for (const auto& img : images) items.push_back({img.content_hash, img.class_index});
  std::vector<bool> is_test = SplitTrainTest(items, options.test_fraction, options.split_seed);
  std::vector<LabeledImage> train, test;
  for (size_t i = 0; i < images.size(); ++i) (is_test[i] ? test : train).push_back(images[i]);
  HeldOutEvaluation out;
  out.train_images = train.size();
  out.test_images = test.size();
  ASSIGN_OR_RETURN(std::vector<HeadWeights> weights,
                   TrainClassifierHeads(train, labels, features, synthesizer, classifier_options, &out.stats, progress));
  ASSIGN_OR_RETURN(std::unique_ptr<Classifier> classifier, Classifier::Create(std::move(weights), labels, options.classifier.sizes));
  std::vector<TestPrediction> scored;
  for (const auto& img : test) {
    ASSIGN_OR_RETURN(std::vector<LabelConfidence> result,
                     classifier->Classify(features, CompositeOnWhite(img.bgra), img.content_hash));
    const bool background = img.class_index == int(labels.size());
    (background ? out.negatives : scored).push_back(ToTestPrediction(img.name, img.class_index, result, labels));
  }
  out.held_out = scored;
  out.held_out.insert(out.held_out.end(), out.negatives.begin(), out.negatives.end());
  out.temperature = TrainingTemperature(out.held_out);
  out.evaluation = Evaluate(labels, Tempered(std::move(scored), out.temperature));
  out.negatives = Tempered(std::move(out.negatives), out.temperature);
  return out;
}

struct ModelService::Shared {
  std::unique_ptr<vision::Backbone> backbone;
  std::unique_ptr<Synthesizer> synthesizer;
};

ModelService::ModelService(store::ObjectStore* store, db::MetadataDb* db, const Clock* clock,
                           ModelServiceOptions options)
    : store_(store), db_(db), clock_(clock), options_(std::move(options)), shared_(std::make_unique<Shared>()) {}

ModelService::~ModelService() = default;

Result<vision::Backbone*> ModelService::SharedBackbone() {
  if (!shared_->backbone) {
    ASSIGN_OR_RETURN(shared_->backbone, vision::Backbone::Open(options_.backbone));
    backbone_loaded_ = true;
  }
  return shared_->backbone.get();
}

const Synthesizer& ModelService::SharedSynthesizer() {
  if (!shared_->synthesizer) shared_->synthesizer = std::make_unique<Synthesizer>(LoadSynthesizer(options_.backgrounds_dir, options_.decoys_dir));
  return *shared_->synthesizer;
}

Result<db::ModelVersion> ModelService::CreateVersion(const std::string& name) {
  ASSIGN_OR_RETURN(LabeledListing listing, ListLabeledImages(*store_));
  for (const auto& why : listing.ignored) spdlog::warn("not used for training: {}", why);
  if (listing.labels.empty()) {  // none_of_the_above alone is no label to train
    return FailedPreconditionError(fmt::format("no labelled images: put images in {}<label>/ folders first",
                                               store::kLabeledPrefix));
  }
  std::lock_guard lock(mu_);
  db::ModelVersion v;
  const int64_t now = clock_->NowMs();
  // Names sort by creation time; a suffix keeps two versions in one second apart.
  std::string base = "labelloop." + FormatCompactUtc(now);
  v.name = name.empty() ? base : name;
  if (!name.empty() && db_->GetModelVersion(name).ok()) {
    return AlreadyExistsError(fmt::format("model version '{}' already exists", name));
  }
  for (int n = 2; name.empty() && db_->GetModelVersion(v.name).ok(); ++n) v.name = fmt::format("{}-{}", base, n);
  v.status = db::kTrainingInProgress;
  v.status_message = fmt::format("{}{}); {} images, {} labels", kTrainingMarker, CurrentWorkerId(),
                                 listing.entries.size(), listing.labels.size());
  v.created_ms = now;
  v.labels = listing.labels;
  v.training_image_count = int64_t(listing.entries.size());
  v.manifest_key = store::ManifestKey(v.name);
  v.backbone_id = "";
  ASSIGN_OR_RETURN(store::ObjectInfo written, store_->Put(v.manifest_key, WriteManifest(listing.entries)));
  (void)written;
  RETURN_IF_ERROR(db_->CreateModelVersion(v));
  return v;
}

Status ModelService::SetTrainingWorker(const std::string& name, const std::string& worker) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  size_t at = version.status_message.find(kTrainingMarker);
  if (version.status != db::kTrainingInProgress || at == std::string::npos) {
    return FailedPreconditionError(fmt::format("version {} is {}, not {}", name, version.status, db::kTrainingInProgress));
  }
  size_t begin = at + kTrainingMarker.size();
  size_t end = version.status_message.find(')', begin);
  version.status_message.replace(begin, end == std::string::npos ? std::string::npos : end - begin, worker);
  return db_->UpdateModelVersion(version);
}

Status ModelService::MarkFailed(db::ModelVersion version, const std::string& reason) {
  version.status = db::kTrainingFailed;
  version.status_message = reason;
  version.finished_ms = clock_->NowMs();
  return db_->UpdateModelVersion(version);
}

Status ModelService::Fail(const db::ModelVersion& version, const std::string& reason) {
  RETURN_IF_ERROR(MarkFailed(version, reason));
  return FailedPreconditionError(fmt::format("training {} failed: {}", version.name, reason));
}

Status ModelService::TrainVersion(const std::string& name, const TrainingProgressFn& progress) {
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  if (version.status != db::kTrainingInProgress) {
    return FailedPreconditionError(fmt::format("version {} is {}, not {}", name, version.status, db::kTrainingInProgress));
  }
  auto started = std::chrono::steady_clock::now();
  auto report = [&](const std::string& phase, int done, int total) {
    if (progress) progress(phase, done, total);
  };

  // 1. Read and decode the manifest's images; unreadable ones are skipped and reported.
  //    none_of_the_above images become background photos (class index labels.size()).
  Result<std::string> manifest_text = store_->Get(version.manifest_key);
  if (!manifest_text.ok()) return Fail(version, "cannot read the manifest: " + manifest_text.status().message());
  Result<std::vector<ManifestEntry>> entries = ParseManifest(*manifest_text);
  if (!entries.ok()) return Fail(version, entries.status().message());
  const std::vector<std::string>& labels = version.labels;
  std::vector<LabeledImage> images;
  std::vector<std::string> skipped;
  int read = 0;
  for (const auto& e : *entries) {
    report("reading images", ++read, int(entries->size()));
    Result<std::string> bytes = store_->Get(e.key);
    if (!bytes.ok()) {
      skipped.push_back(bytes.status().message());
      continue;
    }
    Result<cv::Mat> bgra = vision::DecodeImageWithAlpha(*bytes, e.key, options_.decode_limits);
    if (!bgra.ok()) {
      skipped.push_back(bgra.status().message());
      continue;
    }
    if (e.label == kNoneOfTheAboveLabel) {
      images.push_back({e.key, Sha256Hex(*bytes), int(labels.size()), *bgra});
      continue;
    }
    auto it = std::lower_bound(labels.begin(), labels.end(), e.label);
    if (it == labels.end() || *it != e.label) return Fail(version, "manifest label '" + e.label + "' is not in the version's labels");
    images.push_back({e.key, Sha256Hex(*bytes), int(it - labels.begin()), *bgra});
  }
  std::vector<int> per_label(labels.size() + 1, 0);  // the last: background photos
  for (const auto& img : images) per_label[img.class_index]++;
  for (size_t c = 0; c < labels.size(); ++c) {
    if (per_label[c] == 0) {
      return Fail(version, fmt::format("label '{}' has no readable images{}", labels[c],
                                       skipped.empty() ? "" : " (skipped: " + fmt::format("{}", fmt::join(skipped, "; ")) + ")"));
    }
  }

  std::lock_guard lock(mu_);  // one training at a time uses the shared backbone
  Result<vision::Backbone*> backbone = SharedBackbone();
  if (!backbone.ok()) return Fail(version, "cannot load the backbone: " + backbone.status().message());
  const Synthesizer& synthesizer = SharedSynthesizer();
  FeatureSource features(*backbone, db_);

  // 2. Split, train on the train split, evaluate on the test split (EvaluateOnHeldOut).
  std::vector<SplitItem> items;
  for (const auto& img : images) items.push_back({img.content_hash, img.class_index});
  const ClassifierOptions classifier_options = TrainingClassifierOptions(options_, labels.size());
  Result<HeldOutEvaluation> held = EvaluateOnHeldOut(images, labels, features, synthesizer, options_, classifier_options,
                                                     [&](const std::string& p, int d, int t) { report(p, d, t); });
  if (!held.ok()) return Fail(version, held.status().message());
  ClassifierTrainingStats stats = held->stats;
  const double temperature = held->temperature;
  const EvaluationResult& evaluation = held->evaluation;
  Json evaluation_json = EvaluationToJson(labels, evaluation);
  if (!held->negatives.empty()) evaluation_json["none_of_the_above"] = NegativesToJson(evaluation, held->negatives);
  evaluation_json["calibration"] = CalibrationToJson(held->held_out, temperature);
  // Scores the labelled images of `held_out` (cross-validation's folds).
  auto score = [&](const std::vector<HeadWeights>& w,
                   const std::vector<LabeledImage>& held_out) -> Result<std::vector<TestPrediction>> {
    ASSIGN_OR_RETURN(std::unique_ptr<Classifier> classifier, Classifier::Create(w, labels, options_.classifier.sizes));
    std::vector<TestPrediction> predictions;
    for (const auto& img : held_out) {
      if (img.class_index == int(labels.size())) continue;
      ASSIGN_OR_RETURN(std::vector<LabelConfidence> result,
                       classifier->Classify(features, CompositeOnWhite(img.bgra), img.content_hash));
      predictions.push_back(ToTestPrediction(img.name, img.class_index, result, labels));
    }
    return predictions;
  };

  // 3. Few images per label: a single small test split is noisy, so report k-fold too.
  int fewest = *std::min_element(per_label.begin(), per_label.end() - 1);
  if (fewest < options_.cross_validation_below && fewest >= 2) {
    int folds = std::min(5, fewest);
    std::vector<int> fold = AssignFolds(items, folds, options_.split_seed);
    ClassifierOptions quick = classifier_options;
    quick.head.steps = options_.cross_validation_steps;
    quick.ensemble_size = 1;
    std::vector<double> f1s;
    for (int f = 0; f < folds; ++f) {
      report("cross-validation", f + 1, folds);
      std::vector<LabeledImage> fold_train, fold_test;
      for (size_t i = 0; i < images.size(); ++i) (fold[i] == f ? fold_test : fold_train).push_back(images[i]);
      Result<std::vector<HeadWeights>> w = TrainClassifierHeads(fold_train, labels, features, synthesizer, quick, nullptr);
      if (!w.ok()) return Fail(version, w.status().message());
      Result<std::vector<TestPrediction>> e = score(*w, fold_test);
      if (!e.ok()) return Fail(version, e.status().message());
      f1s.push_back(Evaluate(labels, *std::move(e)).macro_f1);
    }
    double mean = 0, var = 0;
    for (double f : f1s) mean += f / f1s.size();
    for (double f : f1s) var += (f - mean) * (f - mean) / f1s.size();
    evaluation_json["cross_validation"] = {{"folds", folds}, {"macro_f1_per_fold", f1s}, {"macro_f1_mean", mean},
                                           {"macro_f1_std", std::sqrt(var)}};
  }

  // 4. The deployed head is trained on every readable image (the test split measured the
  //    method; with few shots, holding images back from the deployed model costs accuracy).
  Result<std::vector<HeadWeights>> final_weights = TrainClassifierHeads(images, labels, features, synthesizer, classifier_options,
                                                          &stats, [&](const std::string& p, int d, int t) {
                                                            report("final model: " + p, d, t);
                                                          });
  if (!final_weights.ok()) return Fail(version, final_weights.status().message());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  ModelArtifact artifact;
  artifact.labels = labels;
  artifact.sizes = options_.classifier.sizes;
  artifact.backbone_id = (*backbone)->id();
  artifact.backbone_config = BackboneConfigJson(options_.backbone);
  artifact.heads = *final_weights;
  artifact.temperature = temperature;
  artifact.training_stats = {{"images", images.size()},
                             {"train_images", held->train_images},
                             {"test_images", held->test_images},
                             {"skipped_images", skipped},
                             {"synthetic_samples", stats.synthetic_samples},
                             {"background_samples", stats.background_samples},
                             {"background_photos", stats.background_photos},
                             {"labels_without_logo_files", stats.labels_without_logo_files},
                             {"embedding_cache_hits", stats.cache_hits},
                             {"embedding_cache_misses", stats.cache_misses},
                             {"head_steps", stats.head.steps},
                             {"final_loss", stats.head.final_loss},
                             {"training_seconds", seconds}};
  evaluation_json["version"] = name;
  evaluation_json["training"] = artifact.training_stats;

  version.artifact_key = store::ModelArtifactKey(name);
  version.evaluation_key = store::EvaluationKey(name);
  Result<store::ObjectInfo> put = store_->Put(version.artifact_key, SerializeModelArtifact(artifact));
  if (!put.ok()) return Fail(version, "cannot store the model: " + put.status().message());
  put = store_->Put(version.evaluation_key, evaluation_json.dump(2));
  if (!put.ok()) return Fail(version, "cannot store the evaluation: " + put.status().message());
  RETURN_IF_ERROR(db_->PutEvaluation(name, evaluation_json.dump()));

  version.status = db::kTrainingCompleted;
  version.finished_ms = clock_->NowMs();
  version.f1 = evaluation.macro_f1;
  version.training_image_count = int64_t(held->train_images);
  version.test_image_count = int64_t(held->test_images);
  version.backbone_id = artifact.backbone_id;
  version.status_message = fmt::format("Training completed in {:.1f} s on {} images ({} held out for testing)",
                                       seconds, images.size(), held->test_images);
  if (!skipped.empty()) {
    version.status_message += fmt::format("; skipped {} unreadable: {}", skipped.size(), fmt::join(skipped, "; "));
  }
  return db_->UpdateModelVersion(version);
}

Result<std::unique_ptr<Detector>> ModelService::OpenDetector(const std::string& name, bool allow_not_running) {
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  if (!allow_not_running && version.status != db::kRunning) {
    return FailedPreconditionError(fmt::format("version {} is {}, not RUNNING: start it with `labelloop models start {}`",
                                               name, version.status, name));
  }
  std::unique_ptr<vision::Backbone> backbone;
  ASSIGN_OR_RETURN(ModelArtifact artifact, LoadTrainedArtifact(version, "retrain or configure that backbone", &backbone));
  ASSIGN_OR_RETURN(std::unique_ptr<Classifier> classifier,
                   Classifier::Create(std::move(artifact.heads), artifact.labels,
                                      options_.detect_sizes.empty() ? artifact.sizes : options_.detect_sizes));
  if (!options_.geometry) classifier->set_localizer(std::nullopt);
  classifier->set_temperature(artifact.temperature);
  using Thresholds = std::map<std::string, double>;
  ASSIGN_OR_RETURN(Thresholds thresholds, ReadAssumedThresholds(version));
  return std::unique_ptr<Detector>(new ClassifierDetector(name, std::move(backbone), std::move(classifier),
                                                          options_.decode_limits, std::move(thresholds)));
}

Result<ModelArtifact> ModelService::LoadTrainedArtifact(const db::ModelVersion& version, std::string_view remedy,
                                                       std::unique_ptr<vision::Backbone>* backbone) {
  if (version.artifact_key.empty()) {
    return FailedPreconditionError(fmt::format("version {} has no trained model", version.name));
  }
  ASSIGN_OR_RETURN(std::string bytes, store_->Get(version.artifact_key));
  ASSIGN_OR_RETURN(ModelArtifact artifact, ParseModelArtifact(bytes, version.artifact_key));
  ASSIGN_OR_RETURN(*backbone, vision::Backbone::Open(options_.backbone));
  if ((*backbone)->id() != artifact.backbone_id) {
    return FailedPreconditionError(fmt::format("version {} was trained on backbone {}, but the configured backbone is {}: {}",
                                               version.name, artifact.backbone_id, (*backbone)->id(), remedy));
  }
  return artifact;
}

Result<std::map<std::string, double>> ModelService::ReadAssumedThresholds(const db::ModelVersion& version) {
  if (version.evaluation_key.empty()) return std::map<std::string, double>();  // trained before evaluations
  ASSIGN_OR_RETURN(std::string text, store_->Get(version.evaluation_key));
  ASSIGN_OR_RETURN(Json evaluation, ParseJson(text, fmt::format("the evaluation of {}", version.name)));
  return AssumedThresholds(evaluation);
}

namespace {

// The worker recorded in a TRAINING_IN_PROGRESS status message, or "" when none is.
std::string TrainingWorkerOf(const db::ModelVersion& v) {
  if (v.status != db::kTrainingInProgress) return "";
  size_t at = v.status_message.find(kTrainingMarker);
  if (at == std::string::npos) return "";
  std::string worker = v.status_message.substr(at + kTrainingMarker.size());
  return worker.substr(0, worker.find(')'));
}

}  // namespace

bool ModelService::IsTrainingOrphaned(const db::ModelVersion& version) {
  const std::string worker = TrainingWorkerOf(version);
  return !worker.empty() && !IsWorkerAlive(worker);
}

Result<int> ModelService::RecoverInterruptedTrainings() {
  ASSIGN_OR_RETURN(std::vector<db::ModelVersion> all, db_->ListModelVersions());
  int marked = 0;
  for (auto& v : all) {
    if (!IsTrainingOrphaned(v)) continue;
    const std::string worker = TrainingWorkerOf(v);
    RETURN_IF_ERROR(MarkFailed(v, "interrupted: the training process (" + worker + ") stopped before finishing"));
    ++marked;
  }
  return marked;
}

}  // namespace labelloop::model
