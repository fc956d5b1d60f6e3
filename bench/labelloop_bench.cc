// labelloop_bench: how fast labelloop trains and detects, and whether detection memory
// stays flat, measured through the product's own code paths: app::OpenAppContext wires a
// ModelService over a local bucket and SQLite in a temporary data folder exactly as the
// CLI does, and detection runs through app::DetectPool as `labelloop detect` does.
// Prints progress to stderr and a table of figures with their targets to stdout. Exits 1
// when a target is missed, except with --quick: a smoke run checks that everything runs
// (a busy machine's timings are not judged), 2 when something fails.
//
//   labelloop_bench            # every figure (about 5 minutes on 2 cores)
//   labelloop_bench --quick    # smoke run: skips figure 3, shortens figures 4 and 7
#include <malloc.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/app_context.h"
#include "app/detect_pool.h"
#include "bench_util.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "model/feature_maps.h"
#include "store/object_keys.h"
#include "vision/backbone.h"
#include "vision/image_decoder.h"
#include "vision/opencv_threads.h"

namespace fs = std::filesystem;
using namespace labelloop;
using namespace labelloop::bench;

namespace {

struct Options {
  bool quick = false;
  bool keep = false;
  std::string shared_dir = LABELLOOP_SHARED_DIR;
  std::string examples_dir = LABELLOOP_EXAMPLES_DIR;
  std::vector<int> fast_sizes = {320};
};

[[noreturn]] void Die(const Status& s) {
  std::cerr << "labelloop_bench: " << s.ToString() << "\n";
  std::exit(2);
}

template <typename T>
T Check(Result<T> r) {
  if (!r.ok()) Die(r.status());
  return std::move(r).value();
}

void Check(const Status& s) {
  if (!s.ok()) Die(s);
}

std::string ReadFile(const std::string& path) { return Check(ReadFileBytes(path)); }

std::string Join(const std::vector<int>& v) { return fmt::format("{}", fmt::join(v, ",")); }

// A data folder like `labelloop init` makes, opened like every CLI command opens it.
std::unique_ptr<app::AppContext> CreateDataFolder(const std::string& dir) {
  Check(app::InitDataDir(dir));
  return Check(app::OpenAppContext(dir));
}

// `labelloop upload DIR images_labeled_by_folder`: every image under its label folder
// (only those of `label` when given).
int UploadLabelled(app::AppContext& ctx, const std::string& dir, const std::string& label = "") {
  int n = 0;
  for (const auto& f : ListImages(dir)) {
    if (!label.empty() && f.label != label) continue;
    std::string key = fmt::format("{}{}/{}", store::kLabeledPrefix, f.label, fs::path(f.path).filename().string());
    Check(ctx.store->Put(key, ReadFile(f.path)));
    ++n;
  }
  return n;
}

struct Timing {
  double seconds = 0;
  double cpu_seconds = 0;
};

std::string Format(const Timing& t) { return fmt::format("{:.1f} s (cpu {:.1f} s)", t.seconds, t.cpu_seconds); }

// `labelloop train --wait`, timed; the phases' seconds go to stderr.
std::string TrainTimed(app::AppContext& ctx, Timing* timing) {
  const double cpu0 = CpuSeconds();
  Stopwatch watch;
  db::ModelVersion version = Check(ctx.models->CreateVersion());
  std::vector<std::pair<std::string, double>> phases;
  double phase_start = 0;
  Check(ctx.models->TrainVersion(version.name, [&](const std::string& phase, int, int) {
    if (phases.empty() || phases.back().first != phase) {
      double now = watch.Seconds();
      if (!phases.empty()) phases.back().second = now - phase_start;
      phases.emplace_back(phase, 0);
      phase_start = now;
    }
  }));
  timing->seconds = watch.Seconds();
  timing->cpu_seconds = CpuSeconds() - cpu0;
  if (!phases.empty()) phases.back().second = timing->seconds - phase_start;
  for (const auto& [phase, s] : phases) std::cerr << fmt::format("    {:<45} {:6.2f} s\n", phase, s);
  std::cerr << fmt::format("    {:<45} {:6.2f} s, cpu {:.2f} s (load average {:.1f})\n", "total", timing->seconds,
                           timing->cpu_seconds, LoadAverage1m());
  return version.name;
}

// Ten new labelled images: each sample image re-encoded as a smaller, lower-quality JPEG
// (on white where it was transparent), so their bytes and content hashes are new.
void UploadReencodedCopies(app::AppContext& ctx, const std::string& examples_dir) {
  for (const auto& f : ListImages(examples_dir)) {
    if (f.label != "amazon_logo" && f.label != "aws_logo") continue;
    cv::Mat bgr = Check(vision::DecodeImage(ReadFile(f.path), f.path));
    cv::resize(bgr, bgr, cv::Size(), 0.8, 0.8, cv::INTER_AREA);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70});
    std::string key = fmt::format("{}{}/{}-q70.jpg", store::kLabeledPrefix, f.label, fs::path(f.path).stem().string());
    Check(ctx.store->Put(key, std::string(jpeg.begin(), jpeg.end())));
  }
}

struct DetectRun {
  int workers = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  std::vector<double> latencies_ms;
  int errors = 0;
  int scored = 0;   // images whose true label is one of the model's
  int correct = 0;  // ... and whose highest-confidence label is it
  RssMiB rss_before;                           // before the detectors were opened
  std::vector<std::pair<size_t, RssMiB>> rss;  // (images done, memory), every rss_every images
};

// Detects `files` through a DetectPool of `workers` (0: the CLI's default), timing only
// the detection loop (file reading and decoding included, opening the detectors not).
DetectRun Detect(app::AppContext& ctx, const std::string& version, const std::vector<ImageFile>& files, int workers,
                 size_t rss_every = 0) {
  malloc_trim(0);  // what ran before (training) is not detection's
  const RssMiB rss_before = ReadRss();
  app::DetectPool pool = Check(app::DetectPool::Open(*ctx.models, version, false, workers, files.size()));
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.path);
  DetectRun run;
  run.workers = pool.workers();
  run.rss_before = rss_before;
  if (rss_every > 0) {
    if (!ResetPeakRss()) std::cerr << "    (cannot reset VmHWM: the peak includes what ran before)\n";
  }
  const double cpu0 = CpuSeconds();
  Stopwatch watch;
  pool.DetectFiles(paths, 0, 0, [&](size_t i, app::FileDetection r) {
    run.latencies_ms.push_back(r.elapsed_ms);
    if (!r.detection.ok()) {
      if (++run.errors <= 3) std::cerr << "    error: " << r.detection.status().message() << "\n";
    } else if (!r.detection->labels.empty()) {
      const auto& labels = r.detection->labels;
      if (std::any_of(labels.begin(), labels.end(), [&](const auto& l) { return l.name == files[i].label; })) {
        ++run.scored;
        run.correct += labels[0].name == files[i].label;
      }
    }
    if (rss_every > 0 && (i + 1) % rss_every == 0) run.rss.emplace_back(i + 1, ReadRss());
  });
  run.seconds = watch.Seconds();
  run.cpu_seconds = CpuSeconds() - cpu0;
  return run;
}

// "21.3 img/s (cpu 88.1 ms/img)": CPU per image does not depend on how busy the machine is.
std::string Throughput(const DetectRun& r, size_t images) {
  return fmt::format("{:.1f} img/s (cpu {:.1f} ms/img)", images / r.seconds, 1000 * r.cpu_seconds / images);
}

std::string Accuracy(const DetectRun& r) {
  if (r.scored == 0) return "n/a (the model's labels are not the test split's)";
  return fmt::format("{:.1f}% ({}/{})", 100.0 * r.correct / r.scored, r.correct, r.scored);
}

// Median milliseconds of `runs` backbone forwards of `image` letterboxed to `size`.
double MedianForwardMs(vision::Backbone& backbone, const cv::Mat& image, int size, int runs) {
  cv::Mat input = model::Letterbox(image, size);
  for (int i = 0; i < 3; ++i) Check(backbone.Extract(input, cv::Size(size, size)));  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    Stopwatch watch;
    Check(backbone.Extract(input, cv::Size(size, size)));
    ms.push_back(watch.Seconds() * 1000);
  }
  return Percentile(ms, 0.5);
}

// The test images, cycled or thinned to `count` (thinning keeps every label).
std::vector<ImageFile> Take(const std::vector<ImageFile>& files, size_t count) {
  std::vector<ImageFile> out;
  if (count <= files.size()) {
    for (size_t i = 0; i < count; ++i) out.push_back(files[i * files.size() / count]);
  } else {
    for (size_t i = 0; i < count; ++i) out.push_back(files[i % files.size()]);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"labelloop_bench: training and detection speed and detection memory, through the product's code"};
  Options o;
  cli.add_flag("--quick", o.quick, "smoke run: skip figure 3 (train_k20), shorten figures 4 and 7");
  cli.add_option("--shared", o.shared_dir, "folder holding bench/public (train_k20, test)");
  cli.add_option("--examples", o.examples_dir, "folder holding amazon_logo/ and aws_logo/");
  cli.add_option("--fast-sizes", o.fast_sizes, "detect_sizes of the fast setting (figure 5)")->delimiter(',');
  cli.add_flag("--keep", o.keep, "keep the temporary data folders");
  CLI11_PARSE(cli, argc, argv);
  InitLogging("warn");

  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  const fs::path bench_dir = fs::path(o.shared_dir) / "bench" / "public";
  const bool have_shared = fs::is_directory(bench_dir / "train_k20") && fs::is_directory(bench_dir / "test");
  const std::string root = MakeTempDir("labelloop-bench-");
  std::vector<Row> rows;
  std::vector<std::string> notes;
  std::cerr << fmt::format("labelloop_bench{}: {} cores, load average {:.1f}, data folders in {}\n",
                           o.quick ? " --quick" : "", cores, LoadAverage1m(), root);

  // 1. Ten sample images, empty embedding cache.
  std::cerr << "[1] training on the 10 sample images (cold embedding cache)\n";
  auto samples = CreateDataFolder(root + "/samples");
  int uploaded = 0;
  for (const char* label : {"amazon_logo", "aws_logo"}) uploaded += UploadLabelled(*samples, o.examples_dir, label);
  Timing t;
  std::string sample_version = TrainTimed(*samples, &t);
  rows.push_back({fmt::format("1 train {} sample images, cold cache", uploaded), Format(t), "<= 20 s", t.seconds <= 20});

  // 2. Ten more labelled images; the first ten's embeddings are cached. A fresh context,
  //    as a new `labelloop train` process would have (backbone and backgrounds reloaded).
  std::cerr << "[2] retraining with 10 more (re-encoded) images\n";
  samples = Check(app::OpenAppContext(root + "/samples"));
  UploadReencodedCopies(*samples, o.examples_dir);
  sample_version = TrainTimed(*samples, &t);
  rows.push_back({"2 retrain after adding 10 images", Format(t), "<= 10 s", t.seconds <= 10});

  // 3. The few-shot benchmark's train_k20: 240 images, 12 labels, its own cold cache.
  app::AppContext* detect_ctx = samples.get();
  std::string detect_version = sample_version;
  std::unique_ptr<app::AppContext> k20;
  if (o.quick || !have_shared) {
    notes.push_back(o.quick ? "figure 3 skipped (--quick)" : "figure 3 skipped: no " + (bench_dir / "train_k20").string());
  } else {
    std::cerr << "[3] training on train_k20 (cold embedding cache)\n";
    k20 = CreateDataFolder(root + "/train_k20");
    uploaded = UploadLabelled(*k20, (bench_dir / "train_k20").string());
    detect_version = TrainTimed(*k20, &t);
    rows.push_back({fmt::format("3 train train_k20 ({} images, 12 labels), cold", uploaded), Format(t), "<= 120 s",
                    t.seconds <= 120});
    detect_ctx = k20.get();
  }
  Check(detect_ctx->models->StartVersion(detect_version).status());

  std::vector<ImageFile> test = have_shared ? ListImages((bench_dir / "test").string())
                                            : ListImages(o.examples_dir + "/inference_images");
  if (test.empty()) Die(NotFoundError("no test images"));
  const std::vector<int>& default_sizes = detect_ctx->config.model.classifier.sizes;

  // 6 first: the reference every detection figure is compared with.
  const int forward_runs = o.quick ? 10 : 20;
  std::cerr << fmt::format("[6] backbone forward times (median of {})\n", forward_runs);
  std::map<int, double> forward_ms_1;
  {
    auto backbone = Check(vision::Backbone::Open(detect_ctx->config.model.backbone));
    cv::Mat image = Check(vision::DecodeImage(ReadFile(test[0].path), test[0].path));
    std::vector<int> sizes = {224, 320, 448};
    for (int s : default_sizes) sizes.push_back(s);
    for (int s : o.fast_sizes) sizes.push_back(s);
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    for (int s : sizes) {
      vision::SetOpenCvThreads(1);
      forward_ms_1[s] = MedianForwardMs(*backbone, image, s, forward_runs);
      vision::SetOpenCvThreads(0);
      double all = MedianForwardMs(*backbone, image, s, forward_runs);
      rows.push_back({fmt::format("6 backbone forward {}x{}, median of {} (1 / {} threads)", s, s, forward_runs, cores),
                      fmt::format("{:.1f} / {:.1f} ms", forward_ms_1[s], all), "reference", std::nullopt});
    }
    auto limit = [&](const std::vector<int>& sizes) {
      double ms = 0;
      for (int s : sizes) ms += forward_ms_1[s];
      return cores * 1000.0 / ms;
    };
    rows.push_back({fmt::format("6 forward-only limit, {} cores: sizes {} / {}", cores, Join(default_sizes),
                                Join(o.fast_sizes)),
                    fmt::format("{:.1f} / {:.1f} img/s", limit(default_sizes), limit(o.fast_sizes)), "reference",
                    std::nullopt});
  }

  // 4. Default settings: throughput on every core, then single-image latency on one worker.
  std::vector<ImageFile> detect_set = o.quick ? Take(test, 64) : test;
  std::cerr << fmt::format("[4] detecting {} images, default settings\n", detect_set.size());
  DetectRun all = Detect(*detect_ctx, detect_version, detect_set, 0);
  double rate = detect_set.size() / all.seconds;
  rows.push_back({fmt::format("4 detect throughput, sizes {}, {} workers", Join(default_sizes), all.workers),
                  Throughput(all, detect_set.size()), ">= 20 img/s", rate >= 20});
  std::vector<ImageFile> latency_set = o.quick ? Take(test, 32) : detect_set;
  DetectRun one = Detect(*detect_ctx, detect_version, latency_set, 1);
  double p50 = Percentile(one.latencies_ms, 0.5), p95 = Percentile(one.latencies_ms, 0.95);
  rows.push_back({"4 detect latency p50, 1 worker", fmt::format("{:.1f} ms", p50), "<= 80 ms", p50 <= 80});
  rows.push_back({"4 detect latency p95, 1 worker", fmt::format("{:.1f} ms", p95), "", std::nullopt});
  rows.push_back({fmt::format("4 top-1 accuracy, sizes {}", Join(default_sizes)), Accuracy(all), "", std::nullopt});
  if (all.errors + one.errors > 0) notes.push_back(fmt::format("{} detection errors", all.errors + one.errors));

  // 4. The cost of geometry: the same images with config "geometry": false, alternated
  // with the default twice so a load change hits both alike; the faster run of each counts.
  {
    fs::path config = fs::path(detect_ctx->config.data_dir) / "config.json";
    std::ofstream(config) << "{\"geometry\": false}\n";
    auto plain_ctx = Check(app::OpenAppContext(detect_ctx->config.data_dir));
    fs::remove(config);
    std::cerr << fmt::format("[4] geometry on/off, {} images, twice each\n", detect_set.size());
    double with_s = all.seconds, without_s = 1e300;
    for (int round = 0; round < 2; ++round) {
      without_s = std::min(without_s, Detect(*plain_ctx, detect_version, detect_set, 0).seconds);
      if (round == 0) continue;  // the first "with" run is figure 4's own
      with_s = std::min(with_s, Detect(*detect_ctx, detect_version, detect_set, 0).seconds);
    }
    const double cost = 100.0 * (with_s / without_s - 1.0);
    rows.push_back({fmt::format("4 detect throughput with / without geometry, {} workers", all.workers),
                    fmt::format("{:.1f} / {:.1f} img/s ({:+.1f}%)", detect_set.size() / with_s,
                                detect_set.size() / without_s, -cost),
                    "within 5%", cost <= 5});
  }

  // 5. The fast setting: config.json "detect_sizes", read by OpenAppContext like any setting.
  std::cerr << fmt::format("[5] detecting {} images with \"detect_sizes\": [{}]\n", detect_set.size(),
                           Join(o.fast_sizes));
  {
    fs::path config = fs::path(detect_ctx->config.data_dir) / "config.json";
    std::ofstream(config) << fmt::format("{{\"detect_sizes\": [{}]}}\n", Join(o.fast_sizes));
    auto fast_ctx = Check(app::OpenAppContext(detect_ctx->config.data_dir));
    fs::remove(config);
    DetectRun fast = Detect(*fast_ctx, detect_version, detect_set, 0);
    double fast_rate = detect_set.size() / fast.seconds;
    rows.push_back({fmt::format("5 detect throughput, sizes {}, {} workers", Join(o.fast_sizes), fast.workers),
                    Throughput(fast, detect_set.size()), ">= 50 img/s", fast_rate >= 50});
    rows.push_back({fmt::format("5 top-1 accuracy, sizes {}", Join(o.fast_sizes)), Accuracy(fast), "", std::nullopt});
  }

  // 7. Memory over many detections: the peak must not creep up.
  const size_t memory_images = o.quick ? 100 : 1000, every = memory_images / 10;
  std::cerr << fmt::format("[7] memory over {} detections (test images cycled)\n", memory_images);
  DetectRun mem = Detect(*detect_ctx, detect_version, Take(test, memory_images), 0, every);
  std::cerr << fmt::format("    before opening the detectors: VmRSS {:.1f} MiB\n", mem.rss_before.current);
  std::cerr << "    images  VmRSS MiB  VmHWM MiB\n";
  for (const auto& [n, rss] : mem.rss) std::cerr << fmt::format("    {:>6}  {:>9.1f}  {:>9.1f}\n", n, rss.current, rss.peak);
  double first = mem.rss.front().second.peak, last = mem.rss.back().second.peak;
  double growth = 100.0 * (last - first) / first;
  rows.push_back({fmt::format("7 peak RSS after {} -> {} detections, {} workers", mem.rss.front().first,
                              mem.rss.back().first, mem.workers),
                  fmt::format("{:.1f} -> {:.1f} MiB ({:+.1f}%)", first, last, growth), "growth < 5%", growth < 5});
  rows.push_back({"7 RSS added by opening the detectors and detecting",
                  fmt::format("{:.1f} MiB (from {:.1f} MiB)", last - mem.rss_before.current, mem.rss_before.current), "",
                  std::nullopt});

  std::cout << fmt::format("\nlabelloop_bench{} on {} cores (load average {:.1f} at the end)\n\n",
                           o.quick ? " --quick" : "", cores, LoadAverage1m());
  std::cout << FormatRows(rows);
  std::cout << "\nRSS samples (images: VmHWM MiB): ";
  for (const auto& [n, rss] : mem.rss) std::cout << fmt::format("{}: {:.1f}  ", n, rss.peak);
  std::cout << "\n";
  for (const auto& n : notes) std::cout << "note: " << n << "\n";
  if (!o.keep) {
    samples.reset();
    k20.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  bool missed = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.pass == false; });
  return missed && !o.quick ? 1 : 0;
}
