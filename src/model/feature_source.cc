#include "model/feature_source.h"

#include <spdlog/spdlog.h>

namespace labelloop::model {

std::string PreprocessingTag(const std::vector<int>& sizes) {
  std::string tag = "lb";
  for (size_t i = 0; i < sizes.size(); ++i) tag += (i ? "," : "") + std::to_string(sizes[i]);
  return tag;
}

Result<MultiScaleMaps> FeatureSource::Get(const std::string& content_hash, const std::vector<int>& sizes,
                                          const std::function<Result<cv::Mat>()>& render) {
  db::EmbeddingKey key{content_hash, backbone_->id(), PreprocessingTag(sizes)};
  if (cache_ != nullptr) {
    ASSIGN_OR_RETURN(std::optional<std::string> cached, cache_->FindEmbedding(key));
    if (cached.has_value()) {
      Result<MultiScaleMaps> maps = DecodeMaps(*cached);
      if (maps.ok()) {
        ++hits_;
        return maps;
      }
      // A damaged cache row is not fatal: recompute and overwrite it.
      spdlog::warn("embedding cache entry {} is unreadable ({}); recomputing", content_hash.substr(0, 12),
                   maps.status().message());
    }
  }
  ++misses_;
  ASSIGN_OR_RETURN(cv::Mat bgr, render());
  ASSIGN_OR_RETURN(MultiScaleMaps maps, ExtractMaps(*backbone_, bgr, sizes));
  if (cache_ == nullptr) return maps;
  // Serve what the cache will serve next time (float16), so a training sees the same
  // features whether they were computed now or read back.
  std::string encoded = EncodeMaps(maps);
  RETURN_IF_ERROR(cache_->PutEmbedding(key, encoded));
  return DecodeMaps(encoded);
}

}  // namespace labelloop::model
