#include "model/synthesizer_assets.h"

#include <algorithm>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "vision/image_decoder.h"

namespace labelloop::model {
namespace fs = std::filesystem;

std::vector<cv::Mat> LoadImageFolder(const std::string& dir, bool keep_alpha, int max_side_px) {
  std::vector<cv::Mat> out;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    spdlog::warn("no images in '{}' (run scripts/setup-assets.sh): synthetic scenes use generated images only", dir);
    return out;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file() && vision::HasImageExtension(e.path().filename().string())) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Result<std::string> bytes = ReadFileBytes(f.string());
    Result<cv::Mat> img = !bytes.ok()  ? Result<cv::Mat>(bytes.status())
                          : keep_alpha ? vision::DecodeImageWithAlpha(*bytes, f.string())
                                       : vision::DecodeImage(*bytes, f.string());
    if (!img.ok()) {
      spdlog::warn("skipping {}", img.status().message());
      continue;
    }
    cv::Mat m = *img;
    double s = double(max_side_px) / std::max(m.cols, m.rows);
    if (s < 1) cv::resize(m, m, cv::Size(), s, s, cv::INTER_AREA);
    out.push_back(m);
  }
  return out;
}

Synthesizer LoadSynthesizer(const std::string& backgrounds_dir, const std::string& decoys_dir) {
  return Synthesizer(LoadImageFolder(backgrounds_dir, /*keep_alpha=*/false, 640),
                     LoadImageFolder(decoys_dir, /*keep_alpha=*/true, 400));
}

}  // namespace labelloop::model
