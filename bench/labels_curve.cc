// labels_curve: how many reviewer answers the loop needs to reach a given quality (issue 15,
// item 4). Simulates the loop on a benchmark, through the product's own code for training
// (model::EvaluateOnHeldOut for the temperature and the assumed thresholds, then the deployed
// heads on every labelled image, as ModelService::TrainVersion does), classification
// (model::Classifier at the version's temperature), the review decision
// (review::ReviewThresholdPct: the top label's assumed threshold) and the queue order
// (review::Informativeness, review::PlaceInQueue with review.random_share):
//
//   - start: `--start` labelled images per label from train_k20;
//   - the stream: the rest of train_k20, the test images not held out for scoring, half of
//     none/ (`--score-none` are held out), in a seeded order;
//   - a reviewer who answers with the true label, or None of the Above for a none/ image
//     (kept as a background photo, as review.keep_none_of_the_above does);
//   - a retrain every `--retrain-every` answers (default: one per label), then macro-F1 and
//     the AUROCs on the held-out split (test images per label, none/, unknown/), which the
//     stream never contains.
//
// Two arms from the same start: `random` labels stream images picked uniformly, up to
// `--budget` answers per label; `product` answers the tasks the loop creates (detections
// under their top label's threshold, and every Human-Sampling-Interval-th detection) in
// queue order, after each retrain classifying the whole remaining stream again. The target:
// the product reaches random's F1 at the full budget with <= `--target-share` of its answers.
//
//   labels_curve --bench ../shared/bench/public --retrain-every 24 --png docs/images/labels_curve_public.png
//   labels_curve --quick   # 3 labels, short trainings (the ctest smoke run, about 40 s)
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench_images.h"
#include "bench_util.h"
#include "common/content_hash.h"
#include "common/logging.h"
#include "curve_plot.h"
#include "db/metadata_db.h"
#include "model/evaluation.h"
#include "model/model_service.h"
#include "model/synthesizer_assets.h"
#include "review/review_priority.h"
#include "review/review_service.h"

namespace fs = std::filesystem;
using namespace labelloop;

namespace {

struct Options {
  std::string bench = LABELLOOP_SHARED_DIR "/bench/public";
  std::string backbone = LABELLOOP_SOURCE_DIR "/var/models/mobilenet_v2.onnx";
  std::string backgrounds = LABELLOOP_SOURCE_DIR "/var/backgrounds", decoys = LABELLOOP_SOURCE_DIR "/var/decoys";
  std::string cache = "/tmp/labelloop-bench-cache.db";
  std::string json_out, png_out;
  uint64_t seed = 1;
  int seeds = 1, threads = 2, start = 2, budget = 10, retrain_every = 0;
  int score_per_label = 20, score_none = 100, score_unknown = 200;
  int labels = 0, stream_per_label = 0, stream_none = 0;  // 0: all
  int sampling_interval = 1000;                           // Human-Sampling-Interval's default
  double minimum_pct = 70.0;                              // Minimum-Label-Detection-Confidence's default
  double random_share = review::ReviewOptions{}.random_share;
  double target_share = 0.6;
  bool keep_none = true, full_product = false, quick = false;
  int steps = 0, ensemble = 0, synth = -1, bg = -1;  // overrides of the product's training (smoke runs)
};

// One benchmark image: where it is and what the reviewer would answer (a label's index,
// or labels.size() for None of the Above).
struct Item {
  bench::FileImage file;
  fs::path dir;
  int truth = 0;
};

// What a retrain deploys: the classifier at the version's temperature and each label's
// assumed threshold.
struct Deployed {
  std::unique_ptr<model::Classifier> classifier;
  std::map<std::string, double> thresholds;
};

class Simulation {
 public:
  Simulation(const Options& o, std::vector<std::string> labels, std::vector<Item> items, model::FeatureSource* features,
             const model::Synthesizer* synthesizer)
      : o_(o), labels_(std::move(labels)), items_(std::move(items)), features_(features), synthesizer_(synthesizer) {
    service_.classifier.head.seed = o.seed;
    classifier_options_ = model::TrainingClassifierOptions(service_, labels_.size());
    if (o.steps > 0) classifier_options_.head.steps = o.steps;
    if (o.ensemble > 0) classifier_options_.ensemble_size = o.ensemble;
    if (o.synth >= 0) classifier_options_.synth_per_label = o.synth;
    if (o.bg >= 0) classifier_options_.background_samples = o.bg;
  }

  const std::vector<Item>& items() const { return items_; }

  // Trains as ModelService::TrainVersion does on the labelled (item, class) pairs.
  Result<Deployed> Train(const std::vector<std::pair<int, int>>& labelled) {
    std::vector<model::LabeledImage> images;
    for (const auto& [i, cls] : labelled) {
      ASSIGN_OR_RETURN(cv::Mat bgra, bench::DecodeFileImage(items_[i].dir, items_[i].file));
      images.push_back({items_[i].file.path, items_[i].file.hash, cls, bgra});
    }
    ASSIGN_OR_RETURN(model::HeldOutEvaluation held, model::EvaluateOnHeldOut(images, labels_, *features_, *synthesizer_,
                                                                              service_, classifier_options_));
    Deployed d;
    ASSIGN_OR_RETURN(d.thresholds, model::AssumedThresholds(model::EvaluationToJson(labels_, held.evaluation)));
    ASSIGN_OR_RETURN(auto weights,
                     model::TrainClassifierHeads(images, labels_, *features_, *synthesizer_, classifier_options_, nullptr));
    ASSIGN_OR_RETURN(d.classifier, model::Classifier::Create(std::move(weights), labels_, classifier_options_.sizes));
    d.classifier->set_temperature(held.temperature);
    d.classifier->set_localizer(std::nullopt);  // confidences only: geometry changes none
    return d;
  }

  // The deployed model's labels for an item, highest first. Features come from the cache
  // (WarmCache), so no pixels are needed.
  Result<std::vector<model::LabelConfidence>> Classify(const Deployed& d, int i) {
    return d.classifier->Classify(*features_, cv::Mat(), items_[i].file.hash);
  }

  // Macro-F1 over the held-out labelled items; top-label AUROCs against none/ and unknown/.
  Result<bench::CurvePoint> Score(const Deployed& d, const std::vector<int>& known, const std::vector<int>& none,
                                  const std::vector<int>& unknown) {
    auto predict = [&](const std::vector<int>& set, std::vector<model::TestPrediction>& out) -> Status {
      for (int i : set) {
        ASSIGN_OR_RETURN(auto result, Classify(d, i));
        out.push_back(model::ToTestPrediction(items_[i].file.path, items_[i].truth, result, labels_));
      }
      return OkStatus();
    };
    std::vector<model::TestPrediction> k, n, u;
    RETURN_IF_ERROR(predict(known, k));
    RETURN_IF_ERROR(predict(none, n));
    RETURN_IF_ERROR(predict(unknown, u));
    auto tops = [](const std::vector<model::TestPrediction>& v) {
      std::vector<double> out;
      for (const auto& p : v) out.push_back(*std::max_element(p.confidence_pct.begin(), p.confidence_pct.end()));
      return out;
    };
    bench::CurvePoint p;
    p.macro_f1 = model::Evaluate(labels_, k).macro_f1;
    if (!n.empty()) p.auroc_none = model::Auroc(tops(k), tops(n));
    if (!u.empty()) p.auroc_unknown = model::Auroc(tops(k), tops(u));
    return p;
  }

  // The tasks the loop creates for the `stream` items still unlabelled, in queue order
  // (priority, then oldest first), one per image. `detections` is the sampling cursor.
  Result<std::vector<int>> Queue(const Deployed& d, const std::vector<int>& stream, const std::vector<bool>& answered,
                                 int round, int64_t& detections) {
    struct Task {
      double priority;
      size_t position;
      int item;
    };
    std::vector<Task> tasks;
    for (size_t pos = 0; pos < stream.size(); ++pos) {
      const int i = stream[pos];
      if (answered[i]) continue;
      ASSIGN_OR_RETURN(auto result, Classify(d, i));
      std::vector<double> confidences;
      for (const auto& l : result) confidences.push_back(l.confidence_pct);
      std::optional<double> assumed;
      if (auto it = d.thresholds.find(result.front().name); it != d.thresholds.end()) assumed = it->second;
      const double threshold = review::ReviewThresholdPct(assumed, o_.minimum_pct, false);
      const std::string name = fmt::format("review-s{}-r{}-{}", o_.seed, round, items_[i].file.hash.substr(0, 16));
      if (result.front().confidence_pct < threshold) {
        const review::QueuePlace place = review::PlaceInQueue(name, review::kSourceLowConfidence,
                                                              review::Informativeness(confidences), o_.random_share);
        tasks.push_back({place.priority, pos, i});
      }
      if (++detections % o_.sampling_interval == 0) {
        tasks.push_back({review::PlaceInQueue(name + "-sample", review::kSourceSampling, 0, o_.random_share).priority, pos, i});
      }
    }
    std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
      return a.priority != b.priority ? a.priority > b.priority : a.position < b.position;
    });
    std::vector<int> out;
    std::vector<bool> queued(items_.size(), false);
    for (const Task& t : tasks) {
      if (!queued[t.item]) out.push_back(t.item), queued[t.item] = true;
    }
    return out;
  }

 private:
  const Options& o_;
  std::vector<std::string> labels_;
  std::vector<Item> items_;
  model::FeatureSource* features_;
  const model::Synthesizer* synthesizer_;
  model::ModelServiceOptions service_;
  model::ClassifierOptions classifier_options_;
};

}  // namespace

int RunCurve(const Options& o);

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"labels-to-target curve: reviewer answers against macro-F1, the product's ranking vs random"};
  app.add_option("--bench", o.bench, "benchmark folder");
  app.add_option("--backbone", o.backbone);
  app.add_option("--cache", o.cache, "embedding cache (SQLite)");
  app.add_option("--backgrounds", o.backgrounds);
  app.add_option("--decoys", o.decoys);
  app.add_option("--seed", o.seed, "first seed (start images, splits, stream order, random picks, training)");
  app.add_option("--seeds", o.seeds, "simulate this many seeds");
  app.add_option("--threads", o.threads);
  app.add_option("--start", o.start, "labelled images per label at the start");
  app.add_option("--budget", o.budget, "answers per label the random arm gives");
  app.add_option("--retrain-every", o.retrain_every, "answers between retrains (0: one per label)");
  app.add_option("--score-per-label", o.score_per_label, "test images per label held out for scoring");
  app.add_option("--score-none", o.score_none, "none/ images held out for scoring (the rest stream)");
  app.add_option("--score-unknown", o.score_unknown, "unknown/ images scored (never streamed)");
  app.add_option("--labels", o.labels, "use only the first N labels (0: all)");
  app.add_option("--stream-per-label", o.stream_per_label, "at most N stream images per label (0: all)");
  app.add_option("--stream-none", o.stream_none, "at most N none/ images in the stream (0: all not held out)");
  app.add_option("--sampling-interval", o.sampling_interval, "Human-Sampling-Interval");
  app.add_option("--minimum", o.minimum_pct, "Minimum-Label-Detection-Confidence (used for labels without a threshold)");
  app.add_option("--random-share", o.random_share, "review.random_share");
  app.add_option("--target-share", o.target_share, "share of random's answers the product may use");
  app.add_flag("!--no-keep-none", o.keep_none, "None of the Above answers are not trained on");
  app.add_flag("--full-product", o.full_product, "run the product arm to the full budget (default: stop at the target F1)");
  app.add_option("--steps", o.steps, "head steps (0: the product's)");
  app.add_option("--ensemble", o.ensemble, "heads per model (0: the product's)");
  app.add_option("--synth", o.synth, "synthetic composites per label (-1: the product's)");
  app.add_option("--bg", o.bg, "background scenes (-1: the product's)");
  app.add_option("--json", o.json_out, "append a JSON line per point and one summary line per seed");
  app.add_option("--png", o.png_out, "write the plot here");
  app.add_flag("--quick", o.quick, "a tiny subset with short trainings (the smoke test)");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.labels = 3, o.stream_per_label = 6, o.stream_none = 6, o.score_per_label = 4, o.score_none = 6, o.score_unknown = 6;
    o.budget = 4, o.retrain_every = 6, o.steps = 60, o.ensemble = 2, o.synth = 4, o.bg = 20;
  }
  InitLogging("warn");
  return RunCurve(o);
}

namespace {

// The benchmark split for one seed: indices into the items.
struct Split {
  std::vector<int> start, stream, score_known, score_none, score_unknown;
};

// A seeded shuffle that does not depend on what else is in the set: by the SHA-256 of
// "<seed>/<content hash>".
void SeededOrder(std::vector<int>& v, const std::vector<Item>& items, uint64_t seed) {
  std::map<int, std::string> key;
  for (int i : v) key[i] = Sha256Hex(fmt::format("{}/{}", seed, items[i].file.hash));
  std::sort(v.begin(), v.end(), [&](int a, int b) { return key[a] < key[b]; });
}

// Loads train_k20, test, none/ and unknown/ (hashes only) and splits them for `seed`.
Result<Split> LoadAndSplit(const Options& o, std::vector<std::string>& labels, std::vector<Item>& items) {
  const fs::path root(o.bench);
  std::vector<bench::FileImage> train = bench::LoadTree(root / "train_k20", true, false);
  if (train.empty()) return NotFoundError(fmt::format("no images under {}", (root / "train_k20").string()));
  for (const auto& f : train) labels.push_back(f.label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  if (o.labels > 0 && o.labels < int(labels.size())) labels.resize(o.labels);
  const int none = int(labels.size());
  auto add = [&](const std::string& dir, bool labelled, std::vector<std::vector<int>>& by_class) {
    for (auto& f : bench::LoadTree(root / dir, labelled, false)) {
      int truth = none;
      if (labelled) {
        auto it = std::find(labels.begin(), labels.end(), f.label);
        if (it == labels.end()) continue;
        truth = int(it - labels.begin());
      }
      by_class[truth].push_back(int(items.size()));
      items.push_back({std::move(f), root / dir, truth});
    }
  };
  std::vector<std::vector<int>> train_by(none + 1), test_by(none + 1), none_by(none + 1), unknown_by(none + 1);
  add("train_k20", true, train_by);
  add("test", true, test_by);
  add("none", false, none_by);
  add("unknown", false, unknown_by);
  Split s;
  auto take = [&](std::vector<int> v, int n, std::vector<int>& first, std::vector<int>* rest, int rest_cap) {
    SeededOrder(v, items, o.seed);
    for (size_t j = 0; j < v.size(); ++j) {
      if (int(j) < n) {
        first.push_back(v[j]);
      } else if (rest != nullptr && (rest_cap <= 0 || int(j) - n < rest_cap)) {
        rest->push_back(v[j]);
      }
    }
  };
  for (int c = 0; c < none; ++c) {
    std::vector<int> label_stream;
    take(train_by[c], o.start, s.start, &label_stream, 0);
    take(test_by[c], o.score_per_label, s.score_known, &label_stream, 0);
    SeededOrder(label_stream, items, o.seed);
    if (o.stream_per_label > 0 && int(label_stream.size()) > o.stream_per_label) label_stream.resize(o.stream_per_label);
    s.stream.insert(s.stream.end(), label_stream.begin(), label_stream.end());
  }
  take(none_by[none], o.score_none, s.score_none, &s.stream, o.stream_none);
  take(unknown_by[none], o.score_unknown, s.score_unknown, nullptr, 0);
  SeededOrder(s.stream, items, o.seed);
  return s;
}

// Embeds every image once (decoding it only on a cache miss), so classifications after
// each retrain read features from the cache.
Status WarmCache(model::FeatureSource& features, const std::vector<Item>& items, const Split& s) {
  const std::vector<int> sizes = model::ClassifierOptions{}.sizes;
  std::vector<int> used;
  for (const auto* set : {&s.start, &s.stream, &s.score_known, &s.score_none, &s.score_unknown}) {
    used.insert(used.end(), set->begin(), set->end());
  }
  bench::Stopwatch watch;
  for (size_t n = 0; n < used.size(); ++n) {
    const Item& item = items[used[n]];
    RETURN_IF_ERROR(features
                        .Get(item.file.hash, sizes,
                             [&]() -> Result<cv::Mat> {
                               ASSIGN_OR_RETURN(cv::Mat bgra, bench::DecodeFileImage(item.dir, item.file));
                               return model::CompositeOnWhite(bgra);
                             })
                        .status());
    if ((n + 1) % 200 == 0) std::cerr << fmt::format("  embedded {}/{} ({:.0f} s)\n", n + 1, used.size(), watch.Seconds());
  }
  return OkStatus();
}

// One arm's state: what is labelled (item, class) and which stream items were answered.
struct ArmState {
  std::vector<std::pair<int, int>> labelled;
  std::vector<bool> answered;
  int answers = 0, none_answers = 0;
};

void Answer(const Options& o, const Item& item, int i, int none_class, ArmState& st) {
  st.answered[i] = true;
  ++st.answers;
  if (item.truth == none_class) {
    ++st.none_answers;
    if (!o.keep_none) return;
  }
  st.labelled.push_back({i, item.truth});
}

void WritePoint(const Options& o, const std::string& arm, const bench::CurvePoint& p, const ArmState& st, size_t queue,
                double seconds) {
  std::cerr << fmt::format("  seed {} {:7} answers {:4} ({:.2f}/label, {} none) F1 {:.3f} AUROC none {:.3f} unknown {:.3f} "
                           "queue {} ({:.0f} s)\n",
                           o.seed, arm, p.answers, p.answers_per_label, st.none_answers, p.macro_f1, p.auroc_none,
                           p.auroc_unknown, queue, seconds);
  if (o.json_out.empty()) return;
  Json j = {{"bench", fs::path(o.bench).filename().string()}, {"arm", arm}, {"seed", o.seed},
            {"answers", p.answers}, {"answers_per_label", p.answers_per_label}, {"none_answers", st.none_answers},
            {"labelled", st.labelled.size()}, {"macro_f1", p.macro_f1}, {"auroc_none", p.auroc_none},
            {"auroc_unknown", p.auroc_unknown}, {"queue", queue}, {"seconds", seconds}};
  std::ofstream(o.json_out, std::ios::app) << j.dump() << "\n";
}

// Retrains on the arm's labelled images and scores the held-out split.
Result<bench::CurvePoint> RetrainAndScore(Simulation& sim, const Split& s, const ArmState& st, int label_count,
                                          Deployed& deployed) {
  ASSIGN_OR_RETURN(deployed, sim.Train(st.labelled));
  ASSIGN_OR_RETURN(bench::CurvePoint p, sim.Score(deployed, s.score_known, s.score_none, s.score_unknown));
  p.answers = st.answers;
  p.answers_per_label = double(st.answers) / label_count;
  return p;
}

struct SeedResult {
  bench::Curve product, random;
  double target_f1 = 0;
  int random_answers = 0;
  std::optional<int> product_answers;
};

Result<SeedResult> RunSeed(const Options& o, model::FeatureSource& features, const model::Synthesizer& synthesizer) {
  std::vector<std::string> labels;
  std::vector<Item> items;
  ASSIGN_OR_RETURN(Split split, LoadAndSplit(o, labels, items));
  const int L = int(labels.size());
  std::cerr << fmt::format("seed {}: {} labels, start {}, stream {}, scored {} + {} none + {} unknown\n", o.seed, L,
                           split.start.size(), split.stream.size(), split.score_known.size(), split.score_none.size(),
                           split.score_unknown.size());
  RETURN_IF_ERROR(WarmCache(features, items, split));
  Simulation sim(o, labels, std::move(items), &features, &synthesizer);
  const int budget = o.budget * L, every = o.retrain_every > 0 ? o.retrain_every : L;
  ArmState start;
  start.answered.assign(sim.items().size(), false);
  for (int i : split.start) start.labelled.push_back({i, sim.items()[i].truth});
  SeedResult r;
  r.product = {"product", int(o.seed), {}};
  r.random = {"random", int(o.seed), {}};
  bench::Stopwatch watch;
  Deployed initial;
  ASSIGN_OR_RETURN(bench::CurvePoint p0, RetrainAndScore(sim, split, start, L, initial));
  WritePoint(o, "start", p0, start, split.stream.size(), watch.Seconds());
  r.product.points.push_back(p0), r.random.points.push_back(p0);

  // Random: uniform picks from the stream, i.e. a prefix of a seeded permutation.
  ArmState st = start;
  std::vector<int> order = split.stream;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(o.seed));
  size_t next = 0;
  while (st.answers < budget && next < order.size()) {
    for (int n = 0; n < every && st.answers < budget && next < order.size(); ++n, ++next) {
      Answer(o, sim.items()[order[next]], order[next], L, st);
    }
    Deployed d;
    ASSIGN_OR_RETURN(bench::CurvePoint p, RetrainAndScore(sim, split, st, L, d));
    WritePoint(o, "random", p, st, order.size() - next, watch.Seconds());
    r.random.points.push_back(p);
  }
  r.random_answers = st.answers;
  r.target_f1 = r.random.points.back().macro_f1;

  // Product: the loop's tasks in queue order, the stream classified again after each retrain.
  st = start;
  Deployed current = std::move(initial);
  int64_t detections = 0;
  for (int round = 0; st.answers < budget; ++round) {
    ASSIGN_OR_RETURN(std::vector<int> queue, sim.Queue(current, split.stream, st.answered, round, detections));
    if (queue.empty()) break;  // nothing under a threshold: the loop asks no more
    for (int n = 0; n < every && n < int(queue.size()) && st.answers < budget; ++n) {
      Answer(o, sim.items()[queue[n]], queue[n], L, st);
    }
    ASSIGN_OR_RETURN(bench::CurvePoint p, RetrainAndScore(sim, split, st, L, current));
    WritePoint(o, "product", p, st, queue.size(), watch.Seconds());
    r.product.points.push_back(p);
    if (!o.full_product && p.macro_f1 >= r.target_f1) break;
  }
  r.product_answers = bench::AnswersToReach(r.product, r.target_f1);
  return r;
}

}  // namespace

int RunCurve(const Options& base) {
  cv::setNumThreads(base.threads);
  vision::BackboneConfig bc = model::ModelServiceOptions{}.backbone;
  bc.onnx_path = base.backbone;
  bc.output_names = {"block_10_project_BN"};  // the product's (app_config.cc)
  bc.scale = 1.0 / 255.0, bc.mean = 0.0, bc.threads = base.threads;
  auto backbone = vision::Backbone::Open(bc);
  auto cache = db::OpenSqliteMetadataDb(base.cache);
  if (!backbone.ok() || !cache.ok()) {
    std::cerr << (backbone.ok() ? cache.status() : backbone.status()).ToString() << "\n";
    return 1;
  }
  model::FeatureSource features(backbone->get(), cache->get());
  const model::Synthesizer synthesizer = model::LoadSynthesizer(base.backgrounds, base.decoys);
  std::vector<bench::Curve> curves;
  std::vector<SeedResult> results;
  for (int s = 0; s < base.seeds; ++s) {
    Options o = base;
    o.seed = base.seed + s;
    Result<SeedResult> r = RunSeed(o, features, synthesizer);
    if (!r.ok()) {
      std::cerr << r.status().ToString() << "\n";
      return 1;
    }
    curves.push_back(r->random), curves.push_back(r->product);
    results.push_back(*std::move(r));
  }
  std::cout << bench::FormatCurveTable(curves);
  bool holds = true;
  double target = 0;
  for (const SeedResult& r : results) {
    const double share = r.product_answers ? double(*r.product_answers) / r.random_answers : -1;
    const bool ok = r.product_answers && share <= base.target_share;
    holds = holds && ok;
    target += r.target_f1 / results.size();
    std::cout << fmt::format("seed {}: random reaches F1 {:.3f} with {} answers; the product {} -> target (<= {:.0f}%) {}\n",
                             r.random.seed, r.target_f1, r.random_answers,
                             r.product_answers ? fmt::format("with {} ({:.0f}%)", *r.product_answers, 100 * share)
                                               : std::string("never"),
                             100 * base.target_share, ok ? "HOLDS" : "FAILS");
    if (!base.json_out.empty()) {
      Json j = {{"bench", fs::path(base.bench).filename().string()}, {"summary", true}, {"seed", r.random.seed},
                {"target_f1", r.target_f1}, {"random_answers", r.random_answers},
                {"product_answers", r.product_answers ? Json(*r.product_answers) : Json()}, {"share", share},
                {"holds", ok}};
      std::ofstream(base.json_out, std::ios::app) << j.dump() << "\n";
    }
  }
  std::cout << fmt::format("target {} on {} seed(s)\n", holds ? "HOLDS" : "FAILS", results.size());
  if (!base.png_out.empty()) {
    const std::string title = fmt::format("{}: answers to target ({} seed{})", fs::path(base.bench).filename().string(),
                                          results.size(), results.size() > 1 ? "s" : "");
    Status plotted = bench::PlotCurves(curves, title, target, base.target_share * base.budget, base.png_out);
    if (!plotted.ok()) {
      std::cerr << plotted.ToString() << "\n";
      return 1;
    }
  }
  return 0;
}
