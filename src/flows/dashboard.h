// The console dashboard's one JSON document: running version and its F1, images per
// label, untrained images against Minimum-Untrained-Images, schedules with their next
// fire times, pending reviews, agreement on samples, recent executions and notifications.
// Reads only; each part that fails is reported inside the document ("error"), so one
// broken source does not blank the dashboard.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "db/metadata_db.h"
#include "flows/detection_runner.h"
#include "notify/notifier.h"
#include "params/parameter_store.h"
#include "review/review_service.h"
#include "review/sampling_service.h"
#include "schedule/scheduler.h"
#include "store/object_store.h"
#include "workflow/engine.h"

namespace labelloop::flows {

struct DashboardSources {
  store::ObjectStore* bucket;
  db::MetadataDb* metadata;
  params::ParameterStore* params;
  schedule::Scheduler* schedules;
  review::ReviewService* reviews;
  review::SamplingService* sampling;
  workflow::Engine* engine;
  notify::Notifier* notifier;
  DetectionRunner* detection;
};

Result<nlohmann::json> BuildDashboard(const DashboardSources& sources);

}  // namespace labelloop::flows
