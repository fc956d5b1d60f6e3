// AppConfig: where a labelloop data folder keeps things and how the model is configured.
// Resolved once at start-up from flags, environment and DATA/config.json; immutable after.
//
//   DATA/bucket/        the local bucket (five top-level prefixes)
//   DATA/labelloop.db   the metadata database (SQLite)
//   DATA/logs/          logs of background trainings
//   DATA/config.json    optional overrides: {"backbone": {"onnx": PATH, "outputs": [...],
//                       "scale": S, "mean": M, "swap_rb": B}, "sizes": [...],
//                       "detect_sizes": [...], "backgrounds_dir": DIR,
//                       "max_image_pixels": N, "notifications": {...},
//                       "review": {"reviews_per_task": N, "claim_hold_seconds": S,
//                       "lifetime_hours": H, "keep_none_of_the_above": B,
//                       "agreement_alert_below": F, "agreement_min_samples": N,
//                       "random_share": F},
//                       "metrics": {"open": B},
//                       "trusted_proxies": ["127.0.0.1", ...]}
//   "sizes" are the input sizes new versions train (and by default detect) at;
//   "detect_sizes" overrides the sizes detection runs at, for every version: [320] is
//   the fast setting (about 3.5x the throughput for 4-5 points of top-1 accuracy:
//   labelloop_bench figures 4 and 5).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_service.h"
#include "flows/flow_deps.h"
#include "notify/notify_config.h"
#include "review/review_service.h"

namespace labelloop::app {

struct AppConfig {
  std::string data_dir;
  std::string bucket_dir;
  std::string database_path;
  std::string logs_dir;
  model::ModelServiceOptions model;
  notify::NotifyConfig notify;  // "notifications": e-mail, webhooks, retry (docs/configuration.md)
  review::ReviewOptions review;  // "review": reviews per task, hold, lifetime, random share
  flows::FlowOptions flows;      // "review": None of the Above as background, drift alert level
  bool metrics_open = false;     // "metrics": {"open": true}: GET /metrics without credentials
  // "trusted_proxies": reverse proxies whose X-Forwarded-For names the client (docs/security.md).
  std::vector<std::string> trusted_proxies;
};

// --data, else $LABELLOOP_DATA, else ./labelloop-data.
std::string ResolveDataDir(const std::string& flag_value);

// The directory holding set-up assets (models/, backgrounds/): $LABELLOOP_ASSETS, else
// <bin>/../share/labelloop when it has models/ (an installed package), else the
// repository's var/ folder this binary was built from.
std::string AssetsDir();

// Builds the configuration for `data_dir`, reading DATA/config.json when present.
// InvalidArgument (naming the file and field) for a malformed config.
Result<AppConfig> LoadAppConfig(const std::string& data_dir);

}  // namespace labelloop::app
