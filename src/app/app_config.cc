#include "app/app_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <set>

#include "common/json_util.h"
#include "http/client_address.h"

namespace labelloop::app {
namespace fs = std::filesystem;

std::string ResolveDataDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("LABELLOOP_DATA"); env != nullptr && *env != '\0') return env;
  return "labelloop-data";
}

std::string AssetsDir() {
  if (const char* env = std::getenv("LABELLOOP_ASSETS"); env != nullptr && *env != '\0') return env;
  // An installed package keeps them beside the binary: <prefix>/bin/labelloop and
  // <prefix>/share/labelloop (wherever the package was unpacked).
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path packaged = self.parent_path().parent_path() / "share" / "labelloop";
    if (fs::exists(packaged / "models", ec)) return packaged.string();
  }
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

namespace {

// The "metrics" object of config.json: {"open": true} serves GET /metrics without
// credentials (default: any API token or session is needed).
Status ParseMetricsConfig(const Json& m, const std::string& what, AppConfig& c) {
  if (!m.is_object()) return InvalidArgumentError(what + ": \"metrics\" must be an object like {\"open\": true}");
  for (const auto& [key, value] : m.items()) {
    if (key != "open") return InvalidArgumentError(fmt::format("{}: unknown key \"metrics.{}\" (known: open)", what, key));
    if (!value.is_boolean()) return InvalidArgumentError(what + ": \"metrics.open\" must be true or false");
    c.metrics_open = value.get<bool>();
  }
  return OkStatus();
}

// The "review" object of config.json. InvalidArgument naming the field and its range.
Status ParseReviewConfig(const Json& r, const std::string& what, AppConfig& c) {
  if (!r.is_object()) return InvalidArgumentError(what + ": \"review\" must be an object");
  static const std::set<std::string> kKnown = {"reviews_per_task", "claim_hold_seconds", "lifetime_hours",
                                               "keep_none_of_the_above", "agreement_alert_below",
                                               "agreement_min_samples", "random_share"};
  for (const auto& [key, value] : r.items()) {
    if (!kKnown.contains(key)) return InvalidArgumentError(fmt::format("{}: unknown key \"review.{}\"", what, key));
  }
  const auto number = [&](const char* key, double min, double max, double fallback) -> Result<double> {
    if (!r.contains(key)) return fallback;
    if (!r[key].is_number()) return InvalidArgumentError(fmt::format("{}: \"review.{}\" must be a number", what, key));
    const double v = r[key].get<double>();
    if (v < min || v > max) {
      return InvalidArgumentError(fmt::format("{}: \"review.{}\" must be between {} and {}; got {}", what, key, min, max, v));
    }
    return v;
  };
  ASSIGN_OR_RETURN(const double per_task, number("reviews_per_task", 1, 9, c.review.reviews_per_task));
  ASSIGN_OR_RETURN(const double hold_s, number("claim_hold_seconds", 10, 86400, c.review.claim_hold_ms / 1000.0));
  ASSIGN_OR_RETURN(const double lifetime_h, number("lifetime_hours", 1, 24 * 365, c.review.lifetime_ms / 3.6e6));
  ASSIGN_OR_RETURN(const double alert, number("agreement_alert_below", 0, 1, c.flows.agreement_alert_below));
  ASSIGN_OR_RETURN(const double min_samples, number("agreement_min_samples", 1, 1e6, double(c.flows.agreement_min_samples)));
  ASSIGN_OR_RETURN(c.review.random_share, number("random_share", 0, 1, c.review.random_share));
  c.review.reviews_per_task = int(per_task);
  c.review.claim_hold_ms = int64_t(hold_s * 1000);
  c.review.lifetime_ms = int64_t(lifetime_h * 3.6e6);
  c.flows.agreement_alert_below = alert;
  c.flows.agreement_min_samples = int64_t(min_samples);
  if (r.contains("keep_none_of_the_above")) {
    if (!r["keep_none_of_the_above"].is_boolean()) {
      return InvalidArgumentError(what + ": \"review.keep_none_of_the_above\" must be true or false");
    }
    c.flows.keep_none_of_the_above = r["keep_none_of_the_above"].get<bool>();
  }
  return OkStatus();
}

}  // namespace

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
    if (j.contains("geometry")) c.model.geometry = j["geometry"].get<bool>();
    if (j.contains("backgrounds_dir")) c.model.backgrounds_dir = j["backgrounds_dir"].get<std::string>();
    if (j.contains("max_image_pixels")) c.model.decode_limits.max_pixels = j["max_image_pixels"].get<int64_t>();
    if (j.contains("review")) RETURN_IF_ERROR(ParseReviewConfig(j["review"], what, c));
    if (j.contains("metrics")) RETURN_IF_ERROR(ParseMetricsConfig(j["metrics"], what, c));
    if (j.contains("trusted_proxies")) {
      c.trusted_proxies = j["trusted_proxies"].get<std::vector<std::string>>();
      RETURN_IF_ERROR(http::ValidateTrustedProxies(c.trusted_proxies).WithContext(what));
    }
    if (j.contains("notifications")) {
      Result<notify::NotifyConfig> notify = notify::ParseNotifyConfig(j["notifications"]);
      if (!notify.ok()) return notify.status().WithContext(what);
      c.notify = std::move(notify).value();
      c.flows.per_detection_notifications_per_minute = c.notify.per_detection_per_minute;
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
