// ModelService: the model-version lifecycle over the bucket and the metadata database:
// create (manifest + row), train (features, head, evaluation, artefact), start, stop, and
// detectors for running versions. Statuses follow the seed's custom-labels service.
// Thread-safe for different versions; Train and Detect are heavy and run on the caller's
// thread. At most one version is RUNNING: starting one stops the others.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json_util.h"
#include "common/status.h"
#include "db/metadata_db.h"
#include "model/classifier.h"
#include "model/evaluation.h"
#include "model/synthesizer.h"
#include "store/object_store.h"
#include "vision/backbone.h"
#include "vision/image_decoder.h"

namespace labelloop::model {

struct ModelArtifact;  // model_artifact.h

struct ModelServiceOptions {
  vision::BackboneConfig backbone;
  std::string backgrounds_dir;       // photos for synthetic scenes (may be empty or missing)
  std::string decoys_dir;            // made-up logos for background scenes (may be missing)
  ClassifierOptions classifier;
  // Input sizes detectors run at; empty: each version's own (its training's
  // classifier.sizes). Fewer or smaller sizes trade accuracy for speed: the backbone
  // forward at each size is most of a detection's time (labelloop_bench, figure 5).
  std::vector<int> detect_sizes;
  // Detections report where each label is (its geometry); false skips that step (config
  // "geometry": false), which costs about 1% of a detection (labelloop_bench, figure 4).
  bool geometry = true;
  vision::DecodeLimits decode_limits;
  double test_fraction = 0.2;
  uint64_t split_seed = 42;
  int cross_validation_below = 10;   // fewest images per label under which k-fold CV is reported too
  int cross_validation_steps = 60;   // head steps per CV fold (a quick estimate, not the deployed model)
  // Head steps grow with the number of classes (labels + background), up to
  // classifier.head.steps: two labels converge in far fewer steps than twelve.
  int steps_per_class = 70;
  int min_steps = 600;
};

struct DetectedLabel {
  std::string name;
  double confidence = 0;                // 0-100
  std::optional<BoundingBox> geometry;  // where it is in the image (after EXIF orientation)
  // The label's assumed threshold (0-100) from its version's evaluation, as Rekognition's
  // `assumed threshold`: the confidence that maximised the label's F1 on held-out images.
  // nullopt when the evaluation has none for it.
  std::optional<double> assumed_threshold;
};

// Detect's `min_confidence` when the caller gives none: each label is kept only at or above
// its own assumed threshold (a label without one is kept).
inline constexpr double kEachLabelsThreshold = -1;
// True when `label` is kept under `min_confidence` (0-100, or kEachLabelsThreshold).
bool MeetsMinConfidence(const DetectedLabel& label, double min_confidence);

// A detected label as JSON, the one shape of detect --json, the API and the detection log:
// {"name", "confidence", "geometry": {"left", "top", "width", "height"}, "assumed_threshold"}
// (geometry and threshold when known; fractions 0-1, like Rekognition's BoundingBox).
// `confidence_decimals` < 0: as is.
Json DetectedLabelJson(const DetectedLabel& label, int confidence_decimals = -1);

struct Detection {
  std::string version;
  std::vector<DetectedLabel> labels;  // highest confidence first
};

// Runs one model version. Not thread-safe: one Detector per worker thread.
class Detector {
 public:
  virtual ~Detector() = default;
  virtual const std::string& version() const = 0;
  // `name` identifies the image in errors. Labels below `min_confidence` (or, with
  // kEachLabelsThreshold, below their own assumed threshold) are dropped and at most
  // `max_results` are returned (<= 0: all).
  virtual Result<Detection> Detect(const std::string& bytes, const std::string& name, int max_results,
                                   double min_confidence) = 0;
};

using TrainingProgressFn = std::function<void(const std::string& phase, int done, int total)>;

// The head options a training of `label_count` labels uses: head steps grow with the
// classes (labels + background), from `min_steps` up to classifier.head.steps.
ClassifierOptions TrainingClassifierOptions(const ModelServiceOptions& options, size_t label_count);

// What a version's held-out split says: training's steps 2 and 3 before the deployed heads.
struct HeldOutEvaluation {
  EvaluationResult evaluation;            // labelled held-out images, at `temperature`
  std::vector<TestPrediction> negatives;  // held-out background photos, at `temperature`
  std::vector<TestPrediction> held_out;   // both, as scored (before the temperature)
  double temperature = 1.0;               // fitted on `held_out` (TrainingTemperature)
  size_t train_images = 0;
  size_t test_images = 0;
  ClassifierTrainingStats stats;          // of the training on the train split
};

// Splits `images` (SplitTrainTest with options.test_fraction and split_seed), trains heads
// on the train split with `classifier_options`, scores the test split, fits the temperature
// and evaluates at it, as TrainVersion does; the evaluation's assumed thresholds are those
// detection uses. Benchmarks (bench/labels_curve.cc) call it to train as the product does.
Result<HeldOutEvaluation> EvaluateOnHeldOut(const std::vector<LabeledImage>& images, const std::vector<std::string>& labels,
                                            FeatureSource& features, const Synthesizer& synthesizer,
                                            const ModelServiceOptions& options,
                                            const ClassifierOptions& classifier_options, const ProgressFn& progress = {});

class ModelService {
 public:
  ModelService(store::ObjectStore* store, db::MetadataDb* db, const Clock* clock, ModelServiceOptions options);
  ~ModelService();

  // Lists the labelled images, writes the manifest and creates the version row in
  // TRAINING_IN_PROGRESS. FailedPrecondition when there is nothing to train on. `name`
  // empty: one is made from the time; given: AlreadyExists when taken (callers that
  // must not create twice, like a workflow step re-run after a crash, choose the name).
  Result<db::ModelVersion> CreateVersion(const std::string& name = "");

  // True when `version` is TRAINING_IN_PROGRESS but the process recorded as training it
  // no longer runs (a crash): the caller may train it again with TrainVersion.
  static bool IsTrainingOrphaned(const db::ModelVersion& version);

  // Records `worker` ("pid@host", see common/process.h) as the process training the
  // TRAINING_IN_PROGRESS version `name`: the creating process calls this when it hands the
  // training to a background process and exits, so the version is not taken for
  // interrupted while that process runs. FailedPrecondition when the version is not
  // TRAINING_IN_PROGRESS.
  Status SetTrainingWorker(const std::string& name, const std::string& worker);

  // Trains a created version to TRAINING_COMPLETED or TRAINING_FAILED (the reason goes to
  // its status message; the returned Status is that failure too).
  Status TrainVersion(const std::string& name, const TrainingProgressFn& progress = {});

  // Serving lifecycle (model_lifecycle.cc). A version is RUNNING only while detection
  // serves it; requests are recorded here and completed by whoever serves detection
  // (flows::ServingController):
  //
  //   TRAINING_COMPLETED/STOPPED --RequestStart--> STARTING --serving--> RUNNING
  //   RUNNING/STARTING --RequestStop--> STOPPING --no longer serving--> STOPPED
  //   RUNNING --another version serves--> STOPPED
  //
  // Asks for `name` to serve: TRAINING_COMPLETED, STOPPED or STOPPING -> STARTING, after
  // checking that its artefact loads and matches the configured backbone (a failure
  // leaves the status, records "Start failed: ..." and is returned). RUNNING and STARTING
  // are returned as they are. Any other STARTING version is superseded: STOPPING.
  // FailedPrecondition for a version that did not train.
  Result<db::ModelVersion> RequestStart(const std::string& name);
  // Asks for `name` to stop serving: RUNNING or STARTING -> STOPPING; STOPPING and
  // STOPPED are returned as they are. FailedPrecondition for any other status.
  Result<db::ModelVersion> RequestStop(const std::string& name);
  // Compare-and-set of a version's status (serialised with this process's other
  // transitions): when its status is one of `from`, sets `to` and `message` and returns
  // true; otherwise changes nothing and returns false. NotFound when absent.
  Result<bool> TransitionVersion(const std::string& name, const std::vector<std::string_view>& from,
                                 std::string_view to, const std::string& message);

  // Where no server serves detection (benchmarks, tests): RequestStart, then RUNNING at
  // once, and any other RUNNING or STARTING version STOPPED.
  Result<db::ModelVersion> StartVersion(const std::string& name);
  // Where no server serves detection: RUNNING/STARTING/STOPPING -> STOPPED at once.
  Result<db::ModelVersion> StopVersion(const std::string& name);

  // The RUNNING version, or nullopt.
  Result<std::optional<db::ModelVersion>> FindRunningVersion();

  // OK when the configured backbone loads (it is loaded once and kept): readiness.
  Status CheckBackbone();

  // A detector for `name`, which must be RUNNING unless `allow_not_running`.
  Result<std::unique_ptr<Detector>> OpenDetector(const std::string& name, bool allow_not_running = false);
  // Each label's assumed threshold from the version's evaluation (empty without one).
  Result<std::map<std::string, double>> ReadAssumedThresholds(const db::ModelVersion& version);

  // The trained version as one self-contained ONNX file (model/onnx_export.h) at the sizes
  // detection runs at, with labels, thresholds, sizes, preprocessing and F1 as metadata.
  // NotFound for an unknown version; FailedPrecondition when it has no trained model or
  // the configured backbone is not the one it was trained on. (model_service_export.cc)
  Result<std::string> ExportOnnx(const std::string& name);

  // Marks versions left TRAINING_IN_PROGRESS by a process that no longer runs as
  // TRAINING_FAILED ("interrupted"). Returns how many were marked.
  Result<int> RecoverInterruptedTrainings();

 private:
  struct Shared;
  Result<vision::Backbone*> SharedBackbone();
  // A trained version's artefact, with a backbone of its own (the shared one may be held by
  // a training) in `*backbone`. FailedPrecondition when the version has no model or was
  // trained on another backbone (the message ends with `remedy`).
  Result<ModelArtifact> LoadTrainedArtifact(const db::ModelVersion& version, std::string_view remedy,
                                            std::unique_ptr<vision::Backbone>* backbone);
  const Synthesizer& SharedSynthesizer();
  // Records TRAINING_FAILED with `reason`.
  Status MarkFailed(db::ModelVersion version, const std::string& reason);
  // MarkFailed, then the failure as a FailedPrecondition status for the caller.
  Status Fail(const db::ModelVersion& version, const std::string& reason);

  store::ObjectStore* store_;
  db::MetadataDb* db_;
  const Clock* clock_;
  ModelServiceOptions options_;
  std::mutex mu_;  // serialises trainings, version creation and the shared backbone
  // Serialises serving transitions (RequestStart, RequestStop, TransitionVersion), apart
  // from mu_ so that they do not wait for a training to finish.
  std::mutex lifecycle_mu_;
  std::atomic<bool> backbone_loaded_{false};  // SharedBackbone succeeded once
  std::unique_ptr<Shared> shared_;
};

}  // namespace labelloop::model
