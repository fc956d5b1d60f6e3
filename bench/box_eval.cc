#include "box_eval.h"

#include <cstdint>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace labelloop::bench {

std::map<std::string, TruthBox> LoadTruthBoxes(const std::string& csv_path) {
  std::map<std::string, TruthBox> out;
  std::ifstream csv(csv_path);
  std::string line;
  auto read_line = [&]() {
    if (!std::getline(csv, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the benchmark's CSV has CRLF line ends
    return true;
  };
  if (!read_line()) return out;
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string cell; std::getline(hs, cell, ',');) header.push_back(cell);
  auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return int(i);
    }
    return -1;
  };
  const int file = column("file"), box = column("box"), scale = column("scale");
  if (file < 0 || box < 0 || scale < 0) return out;
  while (read_line()) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (int(cells.size()) <= std::max(box, scale) || cells[box].empty()) continue;
    TruthBox t;
    std::stringstream bs(cells[box]);
    if (!(bs >> t.x0 >> t.y0 >> t.x1 >> t.y1)) continue;
    t.scale = cells[scale].empty() ? 0 : std::stod(cells[scale]);
    out[cells[file]] = t;
  }
  return out;
}

model::BoundingBox ToFractions(const TruthBox& box, int width, int height) {
  return {box.x0 / width, box.y0 / height, (box.x1 - box.x0) / width, (box.y1 - box.y0) / height};
}

int ScaleBin(double scale) {
  for (size_t b = 1; b < kScaleBinEdges.size(); ++b) {
    if (scale < kScaleBinEdges[b]) return int(b - 1);
  }
  return int(kScaleBinEdges.size()) - 2;
}

std::string ScaleBinName(int bin) {
  static const char* kNames[] = {"small (scale < 0.30)", "medium (0.30-0.45)", "large (>= 0.45)"};
  return kNames[bin];
}

namespace {

template <typename T>
void Put(std::ostream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
bool Get(std::istream& in, T& v) {
  return bool(in.read(reinterpret_cast<char*>(&v), sizeof(T)));
}

}  // namespace

// Native byte order: a dump is read back on the machine that wrote it.
void WriteLocationRecord(std::ostream& out, const LocationRecord& r) {
  Put(out, uint32_t(r.path.size()));
  out.write(r.path.data(), std::streamsize(r.path.size()));
  for (int v : {r.seed, r.class_index, r.width, r.height}) Put(out, int32_t(v));
  for (double v : {r.truth.left, r.truth.top, r.truth.width, r.truth.height, r.scale}) Put(out, v);
  Put(out, uint32_t(r.maps.size()));
  for (const auto& m : r.maps) {
    for (int v : {m.letterbox_size, m.height, m.width}) Put(out, int32_t(v));
    Put(out, uint64_t(m.probs.size()));
    out.write(reinterpret_cast<const char*>(m.probs.data()), std::streamsize(m.probs.size() * sizeof(float)));
  }
}

std::vector<LocationRecord> ReadLocationRecords(std::istream& in) {
  std::vector<LocationRecord> out;
  for (;;) {
    LocationRecord r;
    uint32_t n = 0;
    if (!Get(in, n)) break;
    r.path.resize(n);
    if (!in.read(r.path.data(), n)) break;
    int32_t ints[4];
    double doubles[5];
    uint32_t maps = 0;
    if (!Get(in, ints) || !Get(in, doubles) || !Get(in, maps)) break;
    r.seed = ints[0], r.class_index = ints[1], r.width = ints[2], r.height = ints[3];
    r.truth = {doubles[0], doubles[1], doubles[2], doubles[3]};
    r.scale = doubles[4];
    bool ok = true;
    for (uint32_t i = 0; i < maps && ok; ++i) {
      model::LocationProbabilities m;
      int32_t dims[3];
      uint64_t floats = 0;
      ok = Get(in, dims) && Get(in, floats);
      if (!ok) break;
      m.letterbox_size = dims[0], m.height = dims[1], m.width = dims[2];
      m.probs.resize(floats);
      ok = bool(in.read(reinterpret_cast<char*>(m.probs.data()), std::streamsize(floats * sizeof(float))));
      r.maps.push_back(std::move(m));
    }
    if (!ok) break;
    out.push_back(std::move(r));
  }
  return out;
}

void DrawBoxes(const cv::Mat& bgr, const model::BoundingBox& truth, const model::BoundingBox& predicted,
               const std::string& caption, const std::string& png_path) {
  cv::Mat canvas = bgr.clone();
  const int thickness = std::max(2, std::max(canvas.cols, canvas.rows) / 200);
  auto rect = [&](const model::BoundingBox& b) {
    return cv::Rect(cv::Point(int(b.left * canvas.cols), int(b.top * canvas.rows)),
                    cv::Point(int((b.left + b.width) * canvas.cols), int((b.top + b.height) * canvas.rows)));
  };
  cv::rectangle(canvas, rect(truth), cv::Scalar(0, 200, 0), thickness);
  cv::rectangle(canvas, rect(predicted), cv::Scalar(0, 0, 255), thickness);
  const double font = std::max(0.5, canvas.cols / 700.0);
  cv::putText(canvas, caption, cv::Point(8, int(24 * font)), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(255, 255, 255), 4);
  cv::putText(canvas, caption, cv::Point(8, int(24 * font)), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(0, 0, 0), 1);
  cv::imwrite(png_path, canvas);
}

}  // namespace labelloop::bench
