// fewshot_eval: trains the classifier on a few-shot benchmark split and reports macro F1
// and open-set AUROCs, exactly through the product's training and classification code.
// Every figure in docs/experiments.md comes from this program (see scripts/experiments.sh).
//
//   fewshot_eval --bench ../shared/bench/public --k 10            # test split
//   fewshot_eval --bench ../shared/bench/public --k 10 --validate # train_k10 vs the rest of train_k20
//   fewshot_eval --k 10 --none-reserve 100 --none-train 100      # 100 none/ photos as background
//                                                                # photos (none_of_the_above), the other 100 evaluated
//   fewshot_eval --k 10 --validate --loc-sweep                   # localiser settings compared on validation
//   fewshot_eval --k 10 --calibrate                              # also the figures after training's
//                                                                # temperature scaling (model/calibration.h)
//   fewshot_eval --k 10 --temperature-sweep                      # the figures at a grid of temperatures
//
// Calibration: ECE is the expected calibration error (15 bins, points) of the top class over
// the labels and the background, on the test images (ECE(test)), with none/ too, whose
// truth is the background (ECE, the headline), and with unknown/ too (ECE(open)).
//
// Localisation: for the evaluated images whose top label is right and that have a `box` in
// images.csv, the share whose predicted box has IoU >= 0.5 with it and the mean IoU, overall
// and by logo size (`scale`).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "bench_images.h"
#include "box_eval.h"
#include "common/content_hash.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "db/metadata_db.h"
#include "model/calibration.h"
#include "model/classifier.h"
#include "model/dataset_split.h"
#include "model/evaluation.h"
#include "model/model_service.h"
#include "model/synthesizer.h"
#include "model/synthesizer_assets.h"
#include "vision/backbone.h"
#include "vision/image_decoder.h"

namespace fs = std::filesystem;
using namespace labelloop;

namespace {

using bench::FileImage;
using bench::LoadTree;
using bench::ParseInts;
using bench::ParseStrings;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"few-shot benchmark for the labelloop classifier"};
  std::string bench = "../shared/bench/public", backbone_path = "var/models/mobilenet_v2.onnx";
  std::string outputs = "block_10_project_BN", sizes = "224,320,448", cache_path = "/tmp/labelloop-bench-cache.db";
  std::string backgrounds_dir = "var/backgrounds", decoys_dir = "var/decoys", json_out, dump_dir, scores_out;
  int k = 10, threads = 2, seeds = 1, none_reserve = 0, none_train = 0;
  uint64_t base_seed = 1;
  bool validate = false, no_open_set = false, none_unseen_photos = false, loc_sweep = false, calibrate = false;
  bool temperature_sweep = false;
  model::TemperatureRange temperature_range;
  std::string loc_sizes, boxes_dir, loc_dump;
  model::LocalizerOptions localizer;
  double scale = 1.0 / 255.0, mean = 0.0;
  model::ClassifierOptions options;
  app.add_option("--bench", bench, "benchmark folder");
  app.add_option("--k", k, "shots per label (train_k<k>)");
  app.add_flag("--validate", validate, "evaluate on train_k20 minus train_k<k> instead of test (for choices)");
  app.add_option("--backbone", backbone_path);
  app.add_option("--outputs", outputs, "backbone outputs, comma-separated");
  app.add_option("--scale", scale);
  app.add_option("--mean", mean);
  app.add_option("--sizes", sizes, "letterbox sizes");
  app.add_option("--synth-size", options.synth_size);
  app.add_flag("!--no-synth-cycle", options.synth_cycle_sizes, "embed every synthetic scene at --synth-size");
  app.add_option("--synth", options.synth_per_label, "synthetic composites per label");
  app.add_option("--bg", options.background_samples, "background-class scenes");
  app.add_option("--steps", options.head.steps, "head steps in all (split over the ensemble)");
  app.add_option("--ensemble", options.ensemble_size, "heads per model");
  app.add_option("--parallel-heads", options.parallel_heads, "heads trained side by side (0: one per hardware thread)");
  app.add_option("--batch", options.head.batch_size, "largest batch");
  app.add_option("--min-batch", options.min_batch_size);
  app.add_option("--batch-per-class", options.batch_slots_per_class);
  app.add_option("--hidden", options.head.hidden);
  app.add_option("--kernel", options.head.kernel);
  app.add_flag("--separate-sizes,!--joint-sizes", options.separate_training_sizes, "train on each size separately (default) or pooled jointly");
  app.add_option("--lr", options.head.learning_rate);
  app.add_option("--wd", options.head.weight_decay);
  app.add_option("--lse", options.head.lse_sharpness);
  app.add_option("--average", options.head.average_fraction, "fraction of steps whose weights are averaged");
  app.add_option("--dropout", options.head.feature_dropout);
  app.add_option("--real-fraction", options.head.real_fraction);
  app.add_option("--mined-bg", options.head.mined_background_share, "share of background slots drawn from mined photo backgrounds");
  app.add_option("--mine-after", options.head.mine_after);
  app.add_option("--mask-fraction", options.head.mask_fraction);
  app.add_option("--mask-probability", options.head.mask_probability);
  app.add_option("--mask-dilation", options.head.mask_dilation);
  app.add_option("--min-peak", options.head.min_peak_probability);
  app.add_option("--seed", base_seed, "first training seed");
  app.add_option("--seeds", seeds, "train this many times (seeds seed..seed+n-1) and report mean ± sd");
  app.add_option("--threads", threads);
  app.add_option("--cache", cache_path, "embedding cache (SQLite); empty for none");
  app.add_option("--backgrounds", backgrounds_dir);
  app.add_option("--decoys", decoys_dir, "made-up logos for background scenes; empty for none");
  app.add_flag("--no-open-set", no_open_set, "skip none/ and unknown/");
  app.add_option("--none-reserve", none_reserve,
                 "hold the first R none/ images (in content-hash order) out of the evaluation: the pool of --none-train");
  app.add_option("--none-train", none_train,
                 "train on N of the reserved none/ images as background photos, as the product does with "
                 "images_labeled_by_folder/none_of_the_above/ (reserves N when --none-reserve is smaller)");
  app.add_flag("--none-unseen-photos", none_unseen_photos,
               "evaluate only none/ images whose background photo (images.csv bg_file) no reserved image uses");
  app.add_option("--dump", dump_dir, "write example synthetic renders to this folder and exit");
  app.add_option("--scores", scores_out, "write each evaluated image's top confidence to this file (TSV, last seed)");
  app.add_option("--loc-threshold", localizer.threshold, "localiser: share of the way from floor to peak of the probability (0: no such box)");
  app.add_option("--loc-bg-threshold", localizer.background_threshold,
                 "localiser: the same on the label against the background (0: no such box)");
  app.add_option("--loc-grid", localizer.grid_cells, "localiser: grid cells over the long side");
  app.add_option("--loc-sizes", loc_sizes, "localiser: letterbox sizes combined (default: all)");
  app.add_flag("--loc-max,!--loc-mean", localizer.max_over_sizes, "localiser: combine sizes by max (default) or mean");
  app.add_flag("--loc-sweep", loc_sweep, "also report a grid of localiser settings (thresholds x sizes x combination)");
  app.add_option("--loc-dump", loc_dump, "write the per-location maps of the scored images to this file (bench/loc_replay reads it)");
  app.add_option("--boxes", boxes_dir, "draw truth (green) and predicted (red) boxes of a few images into this folder (last seed)");
  app.add_flag("--calibrate", calibrate,
               "fit a temperature as training does (a model trained on 80% of the training images, its held-out "
               "20%) and report the figures after it too");
  app.add_option("--min-temperature", temperature_range.min, "lowest temperature --calibrate may fit");
  app.add_option("--max-temperature", temperature_range.max, "highest temperature --calibrate may fit");
  app.add_flag("--temperature-sweep", temperature_sweep, "also print every seed's figures at a grid of temperatures");
  app.add_option("--json", json_out, "append a JSON line with the results to this file");
  CLI11_PARSE(app, argc, argv);
  InitLogging("warn");
  cv::setNumThreads(threads);
  options.sizes = ParseInts(sizes);
  if (!loc_sizes.empty()) localizer.sizes = ParseInts(loc_sizes);

  vision::BackboneConfig bc;
  bc.onnx_path = backbone_path;
  bc.output_names = ParseStrings(outputs);
  bc.scale = scale;
  bc.mean = mean;
  bc.threads = threads;
  auto backbone = vision::Backbone::Open(bc);
  if (!backbone.ok()) {
    std::cerr << backbone.status().ToString() << "\n";
    return 1;
  }
  std::unique_ptr<db::MetadataDb> cache;
  if (!cache_path.empty()) {
    auto opened = db::OpenSqliteMetadataDb(cache_path);
    if (!opened.ok()) {
      std::cerr << opened.status().ToString() << "\n";
      return 1;
    }
    cache = std::move(*opened);
  }
  model::FeatureSource features(backbone->get(), cache.get());
  model::Synthesizer synthesizer = model::LoadSynthesizer(backgrounds_dir, decoys_dir);

  fs::path root(bench);
  std::vector<FileImage> train = LoadTree(root / fmt::format("train_k{}", k), true);
  std::vector<FileImage> test;
  if (validate) {
    std::set<std::string> seen;
    for (const auto& t : train) seen.insert(t.hash);
    for (auto& f : LoadTree(root / "train_k20", true)) {
      if (!seen.count(f.hash)) test.push_back(std::move(f));
    }
  } else {
    test = LoadTree(root / "test", true);
  }
  const std::string test_dir = validate ? "train_k20" : "test";
  const std::map<std::string, bench::TruthBox> truth = bench::LoadTruthBoxes((root / "images.csv").string());
  // Localiser settings measured: the chosen one first, then (--loc-sweep) the grid.
  std::vector<model::LocalizerOptions> loc_configs = {localizer};
  if (loc_sweep) {
    std::vector<std::vector<int>> size_sets = {{}};
    for (int s : options.sizes) size_sets.push_back({s});
    for (bool use_max : {false, true}) {
      for (const auto& set : size_sets) {
        for (double t : {0.2, 0.3, 0.4, 0.5, 0.6, 0.7}) {
          model::LocalizerOptions c = localizer;
          c.threshold = t, c.sizes = set, c.max_over_sizes = use_max;
          loc_configs.push_back(c);
        }
      }
    }
  }
  auto describe = [](const model::LocalizerOptions& c) {
    std::string sizes = "all";
    if (!c.sizes.empty()) sizes = fmt::format("{}", fmt::join(c.sizes, "+"));
    return fmt::format("t={:.2f} bt={:.2f} sizes={} {} grid={}", c.threshold, c.background_threshold, sizes,
                       c.max_over_sizes ? "max" : "mean", c.grid_cells);
  };
  std::vector<std::string> labels;
  for (const auto& t : train) labels.push_back(t.label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  std::map<std::string, int> index;
  for (size_t i = 0; i < labels.size(); ++i) index[labels[i]] = int(i);

  if (!dump_dir.empty()) {  // a look at what training sees: renders of the first logo and backgrounds
    fs::create_directories(dump_dir);
    std::optional<cv::Mat> logo;
    for (const auto& t : train) {
      if ((logo = model::Synthesizer::ExtractLogo(t.bgra))) break;
    }
    for (int j = 0; j < 12; ++j) {
      if (logo) cv::imwrite(fmt::format("{}/logo_{:02}.jpg", dump_dir, j), synthesizer.Render(&*logo, j));
      cv::imwrite(fmt::format("{}/background_{:02}.jpg", dump_dir, j), synthesizer.Render(nullptr, j));
    }
    return 0;
  }
  std::vector<model::LabeledImage> images;
  for (const auto& t : train) images.push_back({t.path, t.hash, index[t.label], t.bgra});
  // Open-set images are loaded once; every seed classifies them again with its own head.
  std::vector<FileImage> none_images, unknown_images;
  none_reserve = std::max(none_reserve, none_train);
  if ((!no_open_set && !validate) || none_reserve > 0) none_images = LoadTree(root / "none", false);
  if (!no_open_set && !validate) unknown_images = LoadTree(root / "unknown", false);
  // Reserved none/ images are never evaluated, whether or not they are trained on, so runs
  // with and without --none-train are scored on the same photos.
  std::sort(none_images.begin(), none_images.end(), [](const auto& a, const auto& b) { return a.hash < b.hash; });
  none_reserve = std::min(none_reserve, int(none_images.size()));
  none_train = std::min(none_train, none_reserve);
  for (int i = 0; i < none_train; ++i) {
    const FileImage& f = none_images[i];
    images.push_back({f.path, f.hash, int(labels.size()), f.bgra});
  }
  if (none_unseen_photos) {  // crops of one photo recur in none/: keep only photos training cannot have seen
    std::map<std::string, std::string> photo_of;  // none/<file> -> its background photo, when it has one
    std::ifstream csv(root / "images.csv");
    for (std::string line; std::getline(csv, line);) {
      std::vector<std::string> cells = ParseStrings(line);  // file,split,label,idx,H,W,badge,bg,bg_file,...
      if (cells.size() > 8 && cells[0].rfind("none/", 0) == 0 && cells[7] == "photo") photo_of[cells[0].substr(5)] = cells[8];
    }
    std::set<std::string> reserved_photos;
    for (int i = 0; i < none_reserve; ++i) {
      if (photo_of.count(none_images[i].path)) reserved_photos.insert(photo_of[none_images[i].path]);
    }
    auto seen = [&](const FileImage& f) { return photo_of.count(f.path) && reserved_photos.count(photo_of[f.path]); };
    none_images.erase(std::remove_if(none_images.begin() + none_reserve, none_images.end(), seen), none_images.end());
  }
  // Reserved images not trained on are a validation set for known-vs-none choices: the
  // rest of none/ stays the reported (test) figure.
  std::vector<FileImage> none_val(none_images.begin() + none_train, none_images.begin() + none_reserve);
  none_images.erase(none_images.begin(), none_images.begin() + none_reserve);
  if (no_open_set || validate) none_images.clear();
  // One seed's evaluation records; open-set images have the background as their truth.
  struct Records {
    std::vector<model::TestPrediction> known, none, none_val, unknown;
  };
  struct Figures {
    double f1 = 0, auroc_none = -1, auroc_unknown = -1, auroc_none_val = -1;
    double ece_test = 0, ece = 0, ece_open = 0;  // test; test + none/; test + none/ + unknown/
  };
  struct Run {
    Figures raw, calibrated;  // at temperature 1, and at the fitted one (--calibrate)
    double temperature, train_s, ms_per_image;
    double hindsight_temperature;  // fitted on the evaluated images themselves: a reference, never a result
    std::vector<bench::IouTally> loc;        // per localiser setting
    std::vector<std::vector<bench::IouTally>> loc_scale;  // per setting, per logo-size bin
  };
  auto top = [](const model::TestPrediction& p) { return *std::max_element(p.confidence_pct.begin(), p.confidence_pct.end()); };
  auto figures_at = [&](double temperature, const Records& records) {
    auto tempered = [&](const std::vector<model::TestPrediction>& v) {
      std::vector<model::TestPrediction> out;
      for (const auto& p : v) out.push_back(model::ApplyTemperature(p, temperature));
      return out;
    };
    auto tops = [&](const std::vector<model::TestPrediction>& v) {
      std::vector<double> out;
      for (const auto& p : v) out.push_back(top(p));
      return out;
    };
    const auto known = tempered(records.known), none = tempered(records.none), unknown = tempered(records.unknown);
    Figures f;
    f.f1 = model::Evaluate(labels, known).macro_f1;
    if (!none.empty()) f.auroc_none = model::Auroc(tops(known), tops(none));
    if (!records.none_val.empty()) f.auroc_none_val = model::Auroc(tops(known), tops(tempered(records.none_val)));
    if (!unknown.empty()) f.auroc_unknown = model::Auroc(tops(known), tops(unknown));
    std::vector<model::TestPrediction> all = known;
    f.ece_test = model::ExpectedCalibrationError(all);
    all.insert(all.end(), none.begin(), none.end());
    f.ece = model::ExpectedCalibrationError(all);
    all.insert(all.end(), unknown.begin(), unknown.end());
    f.ece_open = model::ExpectedCalibrationError(all);
    return f;
  };
  // Training's temperature (ModelService::TrainVersion): the heads trained on the product's
  // train split of the training images, scored on its held-out split.
  const model::ModelServiceOptions product;
  auto fit_temperature = [&]() -> Result<double> {
    std::vector<model::SplitItem> items;
    for (const auto& img : images) items.push_back({img.content_hash, img.class_index});
    std::vector<bool> is_test = model::SplitTrainTest(items, product.test_fraction, product.split_seed);
    std::vector<model::LabeledImage> train_split, held_out;
    for (size_t i = 0; i < images.size(); ++i) (is_test[i] ? held_out : train_split).push_back(images[i]);
    ASSIGN_OR_RETURN(auto weights, model::TrainClassifierHeads(train_split, labels, features, synthesizer, options, nullptr));
    ASSIGN_OR_RETURN(auto classifier, model::Classifier::Create(std::move(weights), labels, options.sizes));
    classifier->set_localizer(std::nullopt);
    std::vector<model::TestPrediction> scored;
    for (const auto& img : held_out) {
      ASSIGN_OR_RETURN(auto result, classifier->Classify(features, model::CompositeOnWhite(img.bgra), img.content_hash));
      scored.push_back(model::ToTestPrediction(img.name, img.class_index, result, labels));
    }
    return model::TrainingTemperature(scored, temperature_range);
  };
  std::vector<Run> runs;
  model::ClassifierTrainingStats stats;
  std::ofstream dump;
  if (!loc_dump.empty()) dump.open(loc_dump, std::ios::binary);
  for (int s = 0; s < seeds; ++s) {
    options.head.seed = base_seed + s;
    double temperature = 1.0;
    if (calibrate) {
      Result<double> fitted = fit_temperature();
      if (!fitted.ok()) {
        std::cerr << fitted.status().ToString() << "\n";
        return 1;
      }
      temperature = *fitted;
    }
    stats = {};
    auto t0 = std::chrono::steady_clock::now();
    auto weights = model::TrainClassifierHeads(images, labels, features, synthesizer, options, &stats);
    double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!weights.ok()) {
      std::cerr << weights.status().ToString() << "\n";
      return 1;
    }
    auto classifier = model::Classifier::Create(*weights, labels, options.sizes);
    if (!classifier.ok()) {
      std::cerr << classifier.status().ToString() << "\n";
      return 1;
    }
    std::vector<bench::IouTally> loc(loc_configs.size());
    std::vector<std::vector<bench::IouTally>> loc_scale(loc_configs.size(),
                                                        std::vector<bench::IouTally>(bench::kScaleBinEdges.size() - 1));
    int boxes_drawn = 0;
    // Boxes are scored for right top labels only; the per-location maps are kept for those.
    auto localize = [&](const FileImage& f, const cv::Mat& bgr, const model::ImageScores& scores, int true_class) {
      auto it = truth.find(test_dir + "/" + f.path);
      if (it == truth.end()) return;
      const model::BoundingBox want = bench::ToFractions(it->second, bgr.cols, bgr.rows);
      if (dump.is_open()) {
        bench::WriteLocationRecord(dump, {f.path, int(options.head.seed), true_class, bgr.cols, bgr.rows, want,
                                          it->second.scale, scores.locations});
      }
      for (size_t c = 0; c < loc_configs.size(); ++c) {
        model::BoundingBox got = model::Localize(scores.locations, true_class, bgr.cols, bgr.rows, loc_configs[c]);
        const double iou = model::IntersectionOverUnion(got, want);
        loc[c].Add(iou);
        loc_scale[c][bench::ScaleBin(it->second.scale)].Add(iou);
        if (c != 0) continue;
        if (!boxes_dir.empty() && s + 1 == seeds && boxes_drawn < 24 && std::hash<std::string>{}(f.path) % 20 == 0) {
          fs::create_directories(boxes_dir);
          std::string name = f.path;
          std::replace(name.begin(), name.end(), '/', '_');
          bench::DrawBoxes(bgr, want, got, fmt::format("{} IoU {:.2f}", f.label, iou),
                           fmt::format("{}/{}.png", boxes_dir, name.substr(0, name.rfind('.'))));
          ++boxes_drawn;
        }
      }
    };
    auto classify = [&](const FileImage& f, model::TestPrediction& p) -> bool {
      const cv::Mat bgr = model::CompositeOnWhite(f.bgra);
      auto scores = (*classifier)->Score(features, bgr, f.hash, p.true_class >= 0);
      if (!scores.ok()) {
        std::cerr << f.path << ": " << scores.status().ToString() << "\n";
        return false;
      }
      std::vector<model::LabelConfidence> result;
      for (size_t i = 0; i < labels.size(); ++i) result.push_back({labels[i], 100.0 * scores->probabilities[i], std::nullopt});
      p = model::ToTestPrediction(f.path, p.true_class, result, labels);
      if (p.true_class >= 0 && model::PredictedClass(p) == p.true_class) localize(f, bgr, *scores, p.true_class);
      return true;
    };
    auto t1 = std::chrono::steady_clock::now();
    Records records;
    std::ofstream scores;
    if (!scores_out.empty() && s + 1 == seeds) scores.open(scores_out);
    auto record = [&](const char* set, const FileImage& f, const model::TestPrediction& p) {
      if (!scores.is_open()) return;
      size_t best = std::max_element(p.confidence_pct.begin(), p.confidence_pct.end()) - p.confidence_pct.begin();
      scores << set << '\t' << f.path << '\t' << f.label << '\t' << labels[best] << '\t' << p.confidence_pct[best] << '\t' << p.background_pct << '\n';
    };
    for (const auto& f : test) {
      if (!index.count(f.label)) continue;
      model::TestPrediction p;
      p.true_class = index[f.label];
      if (!classify(f, p)) continue;
      record("known", f, p);
      records.known.push_back(std::move(p));
    }
    double test_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    auto open_set = [&](const char* set, const std::vector<FileImage>& files) {
      std::vector<model::TestPrediction> out;
      for (const auto& f : files) {
        model::TestPrediction p;
        p.true_class = -1;  // no box to score
        if (!classify(f, p)) continue;
        p.true_class = int(labels.size());  // the background is the right answer
        record(set, f, p);
        out.push_back(std::move(p));
      }
      return out;
    };
    records.none = open_set("none", none_images);
    if (!validate) records.none_val = open_set("none_val", none_val);
    records.unknown = open_set("unknown", unknown_images);
    std::vector<model::TestPrediction> evaluated = records.known;
    evaluated.insert(evaluated.end(), records.none.begin(), records.none.end());
    Run r{figures_at(1.0, records), figures_at(temperature, records), temperature, train_s,
          records.known.empty() ? 0.0 : 1000.0 * test_s / records.known.size(),
          model::FitTemperature(evaluated, {0.05, 20}), loc, loc_scale};
    runs.push_back(r);
    for (double t : {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3}) {
      if (!temperature_sweep) break;
      const Figures at = figures_at(t, records);
      std::cerr << fmt::format("  seed {} T={:.2f}: ECE={:.2f} ECE(test)={:.2f} ECE(open)={:.2f} AUROC(none)={:.4f} "
                               "AUROC(unknown)={:.4f} macroF1={:.4f}\n",
                               options.head.seed, t, at.ece, at.ece_test, at.ece_open, at.auroc_none, at.auroc_unknown, at.f1);
    }
    std::cerr << fmt::format("  seed {}: macroF1={:.3f} AUROC(none)={:.3f} AUROC(none, reserved)={:.3f} AUROC(unknown)={:.3f} "
                             "ECE={:.2f} IoU>=0.5={:.3f} meanIoU={:.3f} (of {}) train={:.1f}s\n",
                             options.head.seed, r.raw.f1, r.raw.auroc_none, r.raw.auroc_none_val, r.raw.auroc_unknown,
                             r.raw.ece, loc[0].HitShare(), loc[0].MeanIou(), loc[0].images, r.train_s);
    if (calibrate) {
      std::cerr << fmt::format("  seed {} at T={:.3f}: macroF1={:.3f} AUROC(none)={:.3f} AUROC(unknown)={:.3f} ECE={:.2f} "
                               "(hindsight T={:.3f}: ECE={:.2f})\n",
                               options.head.seed, temperature, r.calibrated.f1, r.calibrated.auroc_none,
                               r.calibrated.auroc_unknown, r.calibrated.ece, r.hindsight_temperature,
                               figures_at(r.hindsight_temperature, records).ece);
    }
  }
  // Mean and sd over seeds of a figure: a Run member, or a function of a Run.
  auto mean_std = [&](auto field) {
    double m = 0, v = 0;
    for (const auto& r : runs) m += std::invoke(field, r) / runs.size();
    for (const auto& r : runs) v += (std::invoke(field, r) - m) * (std::invoke(field, r) - m) / runs.size();
    return std::make_pair(m, std::sqrt(v));
  };
  auto [f1, f1_sd] = mean_std([](const Run& r) { return r.raw.f1; });
  auto [an, an_sd] = mean_std([](const Run& r) { return r.raw.auroc_none; });
  auto [au, au_sd] = mean_std([](const Run& r) { return r.raw.auroc_unknown; });
  auto [av, av_sd] = mean_std([](const Run& r) { return r.raw.auroc_none_val; });
  auto [tr, tr_sd] = mean_std(&Run::train_s);
  auto [ms, ms_sd] = mean_std(&Run::ms_per_image);
  // The calibration figures at one temperature, printed and as JSON.
  auto calibration_json = [&](Figures Run::*at) {
    Json j;
    auto put = [&](const char* name, double Figures::*field) {
      auto [m, sd] = mean_std([&](const Run& r) { return (r.*at).*field; });
      j[name] = m, j[std::string(name) + "_std"] = sd;
    };
    put("macro_f1", &Figures::f1);
    put("auroc_none", &Figures::auroc_none);
    put("auroc_unknown", &Figures::auroc_unknown);
    put("ece", &Figures::ece);
    put("ece_test", &Figures::ece_test);
    put("ece_open", &Figures::ece_open);
    return j;
  };
  auto calibration_line = [](const Json& j) {
    auto pm = [&](const char* name) { return fmt::format("{:.2f}±{:.2f}", j[name].get<double>(), j[std::string(name) + "_std"].get<double>()); };
    return fmt::format("ECE={} ECE(test)={} ECE(open)={} (points, {} bins)", pm("ece"), pm("ece_test"), pm("ece_open"),
                       model::kCalibrationBins);
  };
  const Json raw_calibration = calibration_json(&Run::raw);
  std::cout << fmt::format(
      "k={} {} seeds={} macroF1={:.3f}±{:.3f} AUROC(none)={:.3f}±{:.3f} AUROC(none,reserved)={:.3f}±{:.3f} "
      "AUROC(unknown)={:.3f}±{:.3f} {} | real={} synth={} "
      "bg={} bg_photos={} mined={} nologo_labels={} none_evaluated={} | embed={:.1f}s train={:.1f}s | {:.1f} ms/test image "
      "(cached features)\n",
      k, validate ? "val" : "test", runs.size(), f1, f1_sd, an, an_sd, av, av_sd, au, au_sd, calibration_line(raw_calibration),
      stats.real_samples, stats.synthetic_samples, stats.background_samples, stats.background_photos, stats.head.mined_photos,
      stats.labels_without_logo_files, none_images.size(), stats.embed_seconds, tr, ms);
  Json calibrated = nullptr;
  if (calibrate) {
    calibrated = calibration_json(&Run::calibrated);
    auto [t, t_sd] = mean_std(&Run::temperature);
    calibrated["temperature"] = t, calibrated["temperature_std"] = t_sd;
    std::vector<double> temperatures;
    for (const auto& r : runs) temperatures.push_back(r.temperature);
    calibrated["temperatures"] = temperatures;
    std::vector<double> hindsight;
    for (const auto& r : runs) hindsight.push_back(r.hindsight_temperature);
    calibrated["hindsight_temperatures"] = hindsight;
    std::cout << fmt::format("  calibrated: T={:.3f}±{:.3f} macroF1={:.3f}±{:.3f} AUROC(none)={:.3f}±{:.3f} "
                             "AUROC(unknown)={:.3f}±{:.3f} {}\n",
                             t, t_sd, calibrated["macro_f1"].get<double>(), calibrated["macro_f1_std"].get<double>(),
                             calibrated["auroc_none"].get<double>(), calibrated["auroc_none_std"].get<double>(),
                             calibrated["auroc_unknown"].get<double>(), calibrated["auroc_unknown_std"].get<double>(),
                             calibration_line(calibrated));
  }
  // Localisation: mean ± sd over seeds of the IoU >= 0.5 share and the mean IoU.
  auto tally_stats = [&](auto pick) {
    std::vector<double> hit, iou;
    int images = 0;
    for (const auto& r : runs) {
      const bench::IouTally& t = pick(r);
      hit.push_back(t.HitShare()), iou.push_back(t.MeanIou()), images += t.images;
    }
    auto ms2 = [](const std::vector<double>& v) {
      double m = 0, var = 0;
      for (double x : v) m += x / v.size();
      for (double x : v) var += (x - m) * (x - m) / v.size();
      return std::make_pair(m, std::sqrt(var));
    };
    auto [h, h_sd] = ms2(hit);
    auto [i, i_sd] = ms2(iou);
    return Json{{"iou50", h}, {"iou50_std", h_sd}, {"mean_iou", i}, {"mean_iou_std", i_sd},
                {"images_per_seed", runs.empty() ? 0 : images / int(runs.size())}};
  };
  auto loc_line = [](const Json& t) {
    return fmt::format("IoU>=0.5 {:.3f}±{:.3f} meanIoU {:.3f}±{:.3f} ({} images/seed)", t["iou50"].get<double>(),
                       t["iou50_std"].get<double>(), t["mean_iou"].get<double>(), t["mean_iou_std"].get<double>(),
                       t["images_per_seed"].get<int>());
  };
  auto by_scale = [&](size_t c) {
    Json out = Json::object();
    for (size_t b = 0; b + 1 < bench::kScaleBinEdges.size(); ++b) {
      out[bench::ScaleBinName(int(b))] = tally_stats([&](const Run& r) -> const bench::IouTally& { return r.loc_scale[c][b]; });
    }
    return out;
  };
  Json loc_json = Json::array();
  for (size_t c = 0; c < loc_configs.size(); ++c) {
    Json t = tally_stats([&](const Run& r) -> const bench::IouTally& { return r.loc[c]; });
    std::cout << fmt::format("  boxes {}: {}\n", describe(loc_configs[c]), loc_line(t));
    t["localizer"] = describe(loc_configs[c]);
    t["by_scale"] = by_scale(c);
    if (c == 0) {
      for (const auto& [bin, figures] : t["by_scale"].items()) std::cout << fmt::format("    {}: {}\n", bin, loc_line(figures));
    }
    loc_json.push_back(t);
  }
  const Json scale_json = loc_json[0]["by_scale"];
  if (!json_out.empty()) {
    Json j = {{"boxes", loc_json[0]}, {"boxes_by_scale", scale_json}, {"boxes_sweep", loc_sweep ? loc_json : Json()},{"k", k}, {"split", validate ? "val" : "test"}, {"seeds", runs.size()}, {"macro_f1", f1},
              {"macro_f1_std", f1_sd}, {"auroc_none", an}, {"auroc_none_std", an_sd}, {"auroc_unknown", au},
              {"auroc_unknown_std", au_sd}, {"auroc_none_reserved", av}, {"auroc_none_reserved_std", av_sd}, {"none_train", none_train}, {"none_reserved", none_reserve},
              {"none_evaluated", none_images.size()}, {"train_seconds", tr},
              {"ece", raw_calibration["ece"]}, {"ece_std", raw_calibration["ece_std"]},
              {"ece_test", raw_calibration["ece_test"]}, {"ece_open", raw_calibration["ece_open"]},
              {"calibrated", calibrated},
              {"args", std::vector<std::string>(argv + 1, argv + argc)}};
    std::ofstream(json_out, std::ios::app) << j.dump() << "\n";
  }
  return 0;
}
