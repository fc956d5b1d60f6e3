#include "model/feature_maps.h"

#include <cstring>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

namespace labelloop::model {
namespace {

constexpr uint32_t kMagic = 0x4c4c464d;  // "LLFM"

template <typename T>
void Append(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
bool Read(const std::string& in, size_t& pos, T& value) {
  if (pos + sizeof(T) > in.size()) return false;
  std::memcpy(&value, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}

}  // namespace

LetterboxPlacement PlaceInLetterbox(int cols, int rows, int size) {
  double s = double(size) / std::max(cols, rows);
  int w = std::max(1, int(std::lround(cols * s)));
  int h = std::max(1, int(std::lround(rows * s)));
  return {(size - w) / 2, (size - h) / 2, w, h};
}

cv::Mat Letterbox(const cv::Mat& bgr, int size) {
  const LetterboxPlacement at = PlaceInLetterbox(bgr.cols, bgr.rows, size);
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(at.width, at.height), 0, 0, size < std::max(bgr.cols, bgr.rows) ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat out(size, size, CV_8UC3, cv::Scalar(127, 127, 127));
  resized.copyTo(out(cv::Rect(at.x, at.y, at.width, at.height)));
  return out;
}

Result<MultiScaleMaps> ExtractMaps(vision::Backbone& backbone, const cv::Mat& bgr, const std::vector<int>& sizes) {
  MultiScaleMaps maps;
  maps.reserve(sizes.size());
  for (int size : sizes) {
    ASSIGN_OR_RETURN(vision::FeatureMap map, backbone.Extract(Letterbox(bgr, size), cv::Size(size, size)));
    maps.push_back(std::move(map));
  }
  return maps;
}

std::string EncodeMaps(const MultiScaleMaps& maps) {
  std::string out;
  Append(out, kMagic);
  Append(out, static_cast<uint32_t>(maps.size()));
  for (const auto& m : maps) {
    Append(out, static_cast<int32_t>(m.channels));
    Append(out, static_cast<int32_t>(m.height));
    Append(out, static_cast<int32_t>(m.width));
    cv::Mat f32(1, static_cast<int>(m.data.size()), CV_32F, const_cast<float*>(m.data.data()));
    cv::Mat f16;
    f32.convertTo(f16, CV_16F);
    out.append(reinterpret_cast<const char*>(f16.data), f16.total() * f16.elemSize());
  }
  return out;
}

Result<MultiScaleMaps> DecodeMaps(const std::string& bytes) {
  size_t pos = 0;
  uint32_t magic = 0, count = 0;
  if (!Read(bytes, pos, magic) || magic != kMagic || !Read(bytes, pos, count) || count > 16) {
    return DataLossError("cached feature maps have a bad header");
  }
  MultiScaleMaps maps(count);
  for (auto& m : maps) {
    int32_t c = 0, h = 0, w = 0;
    if (!Read(bytes, pos, c) || !Read(bytes, pos, h) || !Read(bytes, pos, w) || c <= 0 || h <= 0 || w <= 0 ||
        int64_t(c) * h * w > (1 << 26)) {
      return DataLossError("cached feature maps have a bad shape");
    }
    size_t n = size_t(c) * h * w;
    if (pos + n * 2 > bytes.size()) return DataLossError("cached feature maps are truncated");
    cv::Mat f16(1, int(n), CV_16F, const_cast<char*>(bytes.data() + pos));
    cv::Mat f32;
    f16.convertTo(f32, CV_32F);
    m.channels = c;
    m.height = h;
    m.width = w;
    m.data.assign(f32.ptr<float>(), f32.ptr<float>() + n);
    pos += n * 2;
  }
  if (pos != bytes.size()) return DataLossError(fmt::format("cached feature maps have {} trailing bytes", bytes.size() - pos));
  return maps;
}

}  // namespace labelloop::model
