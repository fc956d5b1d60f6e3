// DetectPool: detects labels in many local image files on N threads, one model::Detector
// (single-threaded) per thread, and hands the results back in input order, each as soon
// as it and every earlier one are done. An unreadable or undecodable file is an error
// result, never a crash. DetectFiles runs on one caller thread at a time (not reentrant).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_service.h"

namespace labelloop::app {

struct FileDetection {
  Result<model::Detection> detection = NotFoundError("not detected");
  double elapsed_ms = 0;  // read + decode + classify of this file on its worker thread
};

class DetectPool {
 public:
  // `workers` detectors of `version` (0: one per core), never more than `image_count`
  // (but at least one), and OpenCV's process-wide thread count to match: every core for
  // a single worker, one thread each (their own) for several. Fails as
  // ModelService::OpenDetector does.
  static Result<DetectPool> Open(model::ModelService& models, const std::string& version, bool allow_not_running,
                                 int workers, size_t image_count);

  // One worker thread per detector. REQUIRES: !detectors.empty().
  explicit DetectPool(std::vector<std::unique_ptr<model::Detector>> detectors);

  int workers() const { return int(detectors_.size()); }

  // Detects every file (see model::Detector::Detect for `max_results` and
  // `min_confidence`) and calls `on_result(index, result)` on the calling thread for
  // index 0, 1, ... in order. Returns when all are reported.
  using ResultFn = std::function<void(size_t index, FileDetection result)>;
  void DetectFiles(const std::vector<std::string>& paths, int max_results, double min_confidence,
                   const ResultFn& on_result);

 private:
  std::vector<std::unique_ptr<model::Detector>> detectors_;
};

}  // namespace labelloop::app
