// FeatureSource: feature maps for images, computed by the backbone once and then served
// from the embedding cache (db), keyed by (content hash, backbone id, preprocessing), so a
// retrain never embeds the same image twice. Not thread-safe (owns one Backbone).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/status.h"
#include "db/metadata_db.h"
#include "model/feature_maps.h"
#include "vision/backbone.h"

namespace labelloop::model {

class FeatureSource {
 public:
  // Neither is owned; both outlive this object. `cache` may be nullptr (no caching).
  FeatureSource(vision::Backbone* backbone, db::MetadataDb* cache) : backbone_(backbone), cache_(cache) {}

  // Maps of the image identified by `content_hash` at `sizes`. On a cache miss `render()`
  // produces the BGR image (decoding or synthesising it only when needed).
  Result<MultiScaleMaps> Get(const std::string& content_hash, const std::vector<int>& sizes,
                             const std::function<Result<cv::Mat>()>& render);

  vision::Backbone& backbone() { return *backbone_; }
  int hits() const { return hits_; }
  int misses() const { return misses_; }

 private:
  vision::Backbone* backbone_;
  db::MetadataDb* cache_;
  int hits_ = 0;
  int misses_ = 0;
};

// Preprocessing tag of a list of letterbox sizes: "lb224,320,448".
std::string PreprocessingTag(const std::vector<int>& sizes);

}  // namespace labelloop::model
