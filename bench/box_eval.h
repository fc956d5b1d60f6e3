// Localisation figures for fewshot_eval: the benchmark's ground-truth boxes (images.csv
// `box`, the logo's ink in pixels, and `scale`), and the IoU tally of predicted boxes
// against them (share with IoU >= 0.5, mean IoU), overall and by logo size.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "model/localizer.h"

namespace labelloop::bench {

struct TruthBox {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels
  double scale = 0;                        // images.csv `scale`: the logo's size in the image
};

// images.csv rows that have a box, keyed by their `file` (e.g. "test/atlassian/000.jpg").
// Empty when the file is missing.
std::map<std::string, TruthBox> LoadTruthBoxes(const std::string& csv_path);

// The truth box as fractions of a width x height image.
model::BoundingBox ToFractions(const TruthBox& box, int width, int height);

// Logo-size bins of the `scale` column (three: small, medium, large).
inline const std::vector<double> kScaleBinEdges = {0.0, 0.3, 0.45, 1.01};
int ScaleBin(double scale);
std::string ScaleBinName(int bin);

struct IouTally {
  int images = 0;
  int hits = 0;          // IoU >= 0.5
  double iou_sum = 0;
  void Add(double iou) {
    ++images;
    hits += iou >= 0.5;
    iou_sum += iou;
  }
  double HitShare() const { return images ? double(hits) / images : 0; }
  double MeanIou() const { return images ? iou_sum / images : 0; }
};

// One scored image's per-location maps with its truth, for choosing a localiser without
// retraining (fewshot_eval --loc-dump writes them, loc_replay reads them).
struct LocationRecord {
  std::string path;
  int seed = 0;
  int class_index = 0;
  int width = 0, height = 0;            // the image, px
  model::BoundingBox truth;             // fractions
  double scale = 0;
  std::vector<model::LocationProbabilities> maps;
};
void WriteLocationRecord(std::ostream& out, const LocationRecord& record);
// Every record of a dump; stops at the end or at the first incomplete record.
std::vector<LocationRecord> ReadLocationRecords(std::istream& in);

// Draws the truth box (green) and the predicted box (red) on `bgr` and writes it as PNG.
void DrawBoxes(const cv::Mat& bgr, const model::BoundingBox& truth, const model::BoundingBox& predicted,
               const std::string& caption, const std::string& png_path);

}  // namespace labelloop::bench
