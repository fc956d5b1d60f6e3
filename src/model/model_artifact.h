// ModelArtifact: everything a process needs to run a trained model version, as one object
// in the bucket: head weights (one or more heads), labels, input sizes, the backbone it was trained on (id and
// preprocessing), the calibration temperature and training stats. Binary layout: "LLMODEL1", u32 JSON length, JSON
// header (with the SHA-256 of the weights), then float32 weights. Thread-safe (values).
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "model/head.h"

namespace labelloop::model {

struct ModelArtifact {
  std::vector<std::string> labels;
  std::vector<int> sizes;
  std::string backbone_id;
  Json backbone_config;  // onnx file name, outputs, scale, mean, swap_rb
  Json training_stats;
  std::vector<HeadWeights> heads;  // an ensemble: detection averages their probabilities
  // Applied to the ensemble's probabilities (model/calibration.h); artefacts written before
  // calibration have none and mean 1.
  double temperature = 1.0;
};

std::string SerializeModelArtifact(const ModelArtifact& artifact);
// DataLoss for truncated or corrupted bytes (bad magic, bad header, checksum mismatch);
// `name` (the object key) appears in the message.
Result<ModelArtifact> ParseModelArtifact(const std::string& bytes, const std::string& name);

}  // namespace labelloop::model
