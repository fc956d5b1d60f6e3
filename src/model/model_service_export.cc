// ModelService::ExportOnnx: a trained version as one ONNX file (model/onnx_export.h), with
// what a user of the file needs to know in its metadata.
#include <fmt/format.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "model/model_artifact.h"
#include "model/model_service.h"
#include "model/onnx_export.h"

namespace labelloop::model {
namespace {

// How detection turns an image into the inputs (image_decoder.h, feature_maps.h Letterbox).
Json PreprocessingJson() {
  return {{"layout", "NCHW float32, one input image_<size> per size: [1, 3, size, size]"},
          {"channels", "RGB"},
          {"range", "0-255 (no scaling: the graph applies the backbone's scale and mean)"},
          {"letterbox",
           "scale the image so its long side is <size> (rounded; area interpolation when shrinking, "
           "bilinear when enlarging), centre it on a <size> x <size> square filled with grey 127, 127, 127 "
           "(offset floor((size - w) / 2), floor((size - h) / 2))"},
          {"alpha", "transparent pixels composited on white"},
          {"orientation", "EXIF orientation applied"}};
}

// label -> assumed threshold from the evaluation; empty when the version has none yet
// (NotFound). A stored evaluation that cannot be read is an error, not "no thresholds".
Result<Json> ThresholdsJson(db::MetadataDb& db, const std::string& name) {
  Json thresholds = Json::object();
  Result<std::string> text = db.GetEvaluation(name);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) return thresholds;
  if (!text.ok()) return text.status();
  ASSIGN_OR_RETURN(Json evaluation, ParseJson(*text, "evaluation of " + name));
  for (const auto& l : evaluation.value("labels", Json::array())) {
    if (l.contains("name") && l.contains("assumed_threshold")) thresholds[l["name"].get<std::string>()] = l["assumed_threshold"];
  }
  return thresholds;
}

}  // namespace

Result<std::string> ModelService::ExportOnnx(const std::string& name) {
  ASSIGN_OR_RETURN(db::ModelVersion version, db_->GetModelVersion(name));
  std::unique_ptr<vision::Backbone> backbone;
  ASSIGN_OR_RETURN(ModelArtifact artifact, LoadTrainedArtifact(version, "export needs that backbone", &backbone));
  backbone.reset();  // only checked: the file embeds the backbone's ONNX, not this runtime
  OnnxExportSpec spec;
  ASSIGN_OR_RETURN(spec.backbone_onnx, ReadFileBytes(options_.backbone.onnx_path));
  spec.backbone_outputs = options_.backbone.output_names;
  spec.scale = options_.backbone.scale;
  spec.mean = options_.backbone.mean;
  spec.swap_rb = options_.backbone.swap_rb;
  // The sizes detection runs at, so the file computes what `detect` prints.
  spec.sizes = options_.detect_sizes.empty() ? artifact.sizes : options_.detect_sizes;
  spec.labels = artifact.labels;
  spec.heads = std::move(artifact.heads);
  spec.temperature = artifact.temperature;
  ASSIGN_OR_RETURN(Json thresholds, ThresholdsJson(*db_, name));
  std::vector<std::string> inputs;
  for (int s : spec.sizes) inputs.push_back(OnnxInputName(s));
  spec.metadata = {{"version", name},
                   {"labels", Json(spec.labels).dump()},
                   {"thresholds", thresholds.dump()},
                   {"f1", version.f1 ? fmt::format("{:.6f}", *version.f1) : ""},
                   {"temperature", fmt::format("{}", spec.temperature)},
                   {"input_sizes", Json(spec.sizes).dump()},
                   {"inputs", Json(inputs).dump()},
                   {"output", std::string(kOnnxOutputName) + ": float [1, labels], confidence 0-100 per label, in the order of labels"},
                   {"preprocessing", PreprocessingJson().dump()},
                   {"backbone_id", artifact.backbone_id}};
  return BuildOnnxModel(spec);
}

}  // namespace labelloop::model
