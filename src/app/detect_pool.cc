#include "app/detect_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/file_util.h"
#include "vision/opencv_threads.h"

namespace labelloop::app {

Result<DetectPool> DetectPool::Open(model::ModelService& models, const std::string& version, bool allow_not_running,
                                    int workers, size_t image_count) {
  int n = workers > 0 ? workers : int(std::max(1u, std::thread::hardware_concurrency()));
  n = int(std::clamp<size_t>(image_count, 1, size_t(n)));
  // Single-threaded workers scale with the cores (whole images in parallel, decoding
  // included); one worker only has OpenCV's per-layer loops, and OpenCV runs one parallel
  // loop per process at a time, so workers sharing its pool would mostly wait.
  vision::SetOpenCvThreads(n > 1 ? 1 : 0);
  std::vector<std::unique_ptr<model::Detector>> detectors;
  for (int w = 0; w < n; ++w) {
    ASSIGN_OR_RETURN(std::unique_ptr<model::Detector> d, models.OpenDetector(version, allow_not_running));
    detectors.push_back(std::move(d));
  }
  return DetectPool(std::move(detectors));
}

DetectPool::DetectPool(std::vector<std::unique_ptr<model::Detector>> detectors) : detectors_(std::move(detectors)) {}

void DetectPool::DetectFiles(const std::vector<std::string>& paths, int max_results, double min_confidence,
                             const ResultFn& on_result) {
  // Workers claim the next index and fill its slot; this thread reports slots in order
  // and empties each one, so memory stays flat however many files there are.
  std::vector<std::optional<FileDetection>> slots(paths.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable filled;

  auto work = [&](model::Detector& detector) {
    for (size_t i = next++; i < paths.size(); i = next++) {
      auto start = std::chrono::steady_clock::now();
      Result<std::string> bytes = ReadFileBytes(paths[i]);
      FileDetection r;
      r.detection = bytes.ok() ? detector.Detect(*bytes, paths[i], max_results, min_confidence)
                               : Result<model::Detection>(bytes.status());
      r.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      {
        std::lock_guard lock(mu);
        slots[i] = std::move(r);
      }
      filled.notify_one();
    }
  };

  // Declared after everything the workers use, so they are joined before it goes away.
  std::vector<std::jthread> threads;
  const size_t used = std::min(detectors_.size(), paths.size());
  for (size_t w = 0; w < used; ++w) threads.emplace_back(work, std::ref(*detectors_[w]));
  for (size_t i = 0; i < paths.size(); ++i) {
    std::optional<FileDetection> r;
    {
      std::unique_lock lock(mu);
      filled.wait(lock, [&] { return slots[i].has_value(); });
      r.swap(slots[i]);
    }
    on_result(i, std::move(*r));
  }
}

}  // namespace labelloop::app
