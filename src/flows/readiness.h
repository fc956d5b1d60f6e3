// Readiness of a running server, for GET /api/v1/ready: the database answers, the bucket
// lists, the backbone loads, the workflow engine's workers run, and a model version
// serves detection (RUNNING and deployed). Each component gets one status word, nothing
// more (the route is open). Thread-safe as its sources are.
#pragma once

#include <nlohmann/json.hpp>

#include "db/metadata_db.h"
#include "flows/detection_runner.h"
#include "model/model_service.h"
#include "store/object_store.h"
#include "workflow/engine.h"

namespace labelloop::flows {

struct ReadinessSources {
  db::MetadataDb* metadata;
  store::ObjectStore* bucket;
  model::ModelService* models;
  workflow::Engine* engine;
  DetectionRunner* detection;
};

struct Readiness {
  bool ready = false;
  // {"status": "ready"|"not_ready", "components": {"database", "bucket", "backbone",
  // "engine", "model"}} with "ok" or a word saying what is wrong ("unavailable",
  // "stopped", "none", "starting").
  nlohmann::json body;
};

Readiness CheckReadiness(const ReadinessSources& sources);

}  // namespace labelloop::flows
