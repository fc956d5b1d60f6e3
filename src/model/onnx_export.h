// OnnxExport: a trained model version as one self-contained ONNX file (opset 10, what
// OpenCV 4.6's importer reads), so the model runs outside labelloop: the backbone up to the
// layer(s) the heads read, the head ensemble, log-sum-exp pooling over every location of
// every input size, each member's softmax, their mean and the version's temperature
// (model/calibration.h). Its output is what `detect`
// prints: one confidence (0-100) per label. Letterboxing stays outside the graph (OpenCV's
// INTER_AREA shrink has no ONNX operator): one input per size, documented in the metadata
// and docs/export.md. Built with libonnx (whose types stay in onnx_export.cc) and checked
// with its checker before it is returned. Thread-safe (pure function).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "model/head.h"

namespace labelloop::model {

struct OnnxExportSpec {
  std::string backbone_onnx;              // the backbone's ONNX bytes
  std::vector<std::string> backbone_outputs;  // layers the heads read, concatenated on channels
  // The backbone's preprocessing (vision::BackboneConfig): x' = x * scale - mean, with the
  // input's RGB order swapped to BGR first when !swap_rb (the backbone wants BGR then).
  double scale = 1.0 / 127.5;
  double mean = 1.0;
  bool swap_rb = true;
  std::vector<int> sizes;                 // one input `image_<size>` per size
  std::vector<std::string> labels;        // sorted, as in the artefact
  std::vector<HeadWeights> heads;         // the ensemble; classes = labels + 1 (background)
  double temperature = 1.0;               // the artefact's; 1 adds no node
  std::vector<std::pair<std::string, std::string>> metadata;  // model metadata_props
};

// The input name for one size: "image_<size>".
std::string OnnxInputName(int size);
// The output tensor's name: "confidences", float [1, labels].
inline constexpr const char* kOnnxOutputName = "confidences";

// The serialized ModelProto. InvalidArgument when the backbone bytes are not an ONNX model,
// an output layer is missing from it, or the heads do not fit the labels; Internal when
// the built model fails the ONNX checker (a bug here).
Result<std::string> BuildOnnxModel(const OnnxExportSpec& spec);

}  // namespace labelloop::model
