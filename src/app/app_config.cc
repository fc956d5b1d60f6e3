#include "app/app_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/json_util.h"

namespace labelloop::app {
namespace fs = std::filesystem;

std::string ResolveDataDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("LABELLOOP_DATA"); env != nullptr && *env != '\0') return env;
  return "labelloop-data";
}

std::string AssetsDir() {
  if (const char* env = std::getenv("LABELLOOP_ASSETS"); env != nullptr && *env != '\0') return env;
  return LABELLOOP_DEFAULT_ASSETS_DIR;
}

// Defaults chosen by measurement on the few-shot benchmark (docs/experiments.md).
static model::ModelServiceOptions DefaultModelOptions() {
  model::ModelServiceOptions o;
  o.backbone.onnx_path = (fs::path(AssetsDir()) / "models" / "mobilenet_v2.onnx").string();
  o.backbone.output_names = {"block_10_project_BN"};
  o.backbone.scale = 1.0 / 255.0;  // [0,1] input, as nsfwjs fine-tuned it (docs/experiments.md)
  o.backbone.mean = 0.0;
  o.backbone.swap_rb = true;
  o.backgrounds_dir = (fs::path(AssetsDir()) / "backgrounds").string();
  o.decoys_dir = (fs::path(AssetsDir()) / "decoys").string();
  return o;
}

Result<AppConfig> LoadAppConfig(const std::string& data_dir) {
  AppConfig c;
  c.data_dir = data_dir;
  c.bucket_dir = (fs::path(data_dir) / "bucket").string();
  c.database_path = (fs::path(data_dir) / "labelloop.db").string();
  c.logs_dir = (fs::path(data_dir) / "logs").string();
  c.model = DefaultModelOptions();
  if (const char* env = std::getenv("LABELLOOP_BACKBONE"); env != nullptr && *env != '\0') c.model.backbone.onnx_path = env;

  fs::path config_path = fs::path(data_dir) / "config.json";
  std::error_code ec;
  if (!fs::exists(config_path, ec)) return c;
  std::ifstream in(config_path);
  std::stringstream text;
  text << in.rdbuf();
  std::string what = config_path.string();
  ASSIGN_OR_RETURN(Json j, ParseJson(text.str(), what));
  try {
    if (j.contains("backbone")) {
      const Json& b = j["backbone"];
      auto& bc = c.model.backbone;
      if (b.contains("onnx")) {
        fs::path p = b["onnx"].get<std::string>();
        bc.onnx_path = (p.is_relative() ? fs::path(data_dir) / p : p).string();
      }
      if (b.contains("outputs")) bc.output_names = b["outputs"].get<std::vector<std::string>>();
      if (b.contains("scale")) bc.scale = b["scale"].get<double>();
      if (b.contains("mean")) bc.mean = b["mean"].get<double>();
      if (b.contains("swap_rb")) bc.swap_rb = b["swap_rb"].get<bool>();
    }
    if (j.contains("sizes")) c.model.classifier.sizes = j["sizes"].get<std::vector<int>>();
    if (j.contains("detect_sizes")) {
      c.model.detect_sizes = j["detect_sizes"].get<std::vector<int>>();
      if (c.model.detect_sizes.empty()) return InvalidArgumentError(what + ": \"detect_sizes\" must not be empty");
    }
    if (j.contains("backgrounds_dir")) c.model.backgrounds_dir = j["backgrounds_dir"].get<std::string>();
    if (j.contains("max_image_pixels")) c.model.decode_limits.max_pixels = j["max_image_pixels"].get<int64_t>();
    if (j.contains("notifications")) {
      Result<notify::NotifyConfig> notify = notify::ParseNotifyConfig(j["notifications"]);
      if (!notify.ok()) return notify.status().WithContext(what);
      c.notify = std::move(notify).value();
    }
  } catch (const Json::exception& e) {
    return InvalidArgumentError(fmt::format("{}: {}", what, e.what()));
  }
  for (const auto* sizes : {&c.model.classifier.sizes, &c.model.detect_sizes}) {
    for (int s : *sizes) {
      if (s < 32 || s > 1024) return InvalidArgumentError(fmt::format("{}: input size {} is outside 32..1024", what, s));
    }
  }
  if (c.model.classifier.sizes.empty()) return InvalidArgumentError(what + ": \"sizes\" must not be empty");
  if (c.model.decode_limits.max_pixels <= 0) return InvalidArgumentError(what + ": \"max_image_pixels\" must be positive");
  return c;
}

}  // namespace labelloop::app
