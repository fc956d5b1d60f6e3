// The one JSON view of a model version, written by the API (GET /api/v1/models...) and by
// `labelloop models ... --json`, with the JSON Schema the OpenAPI description uses.
// "version" names the version everywhere; "name" is kept as its alias because
// `models --json` printed it before the views were shared. Pure functions; thread-safe.
#pragma once

#include "db/metadata_db.h"
#include "views/json_schema.h"

namespace labelloop::views {

Json ModelVersionJson(const db::ModelVersion& version);
// The version plus "evaluation": the stored evaluation JSON, or null before training ended.
Json ModelVersionDetailJson(const db::ModelVersion& version, Json evaluation);

Json ModelVersionSchema();
Json ModelVersionDetailSchema();
Json EvaluationSchema();

}  // namespace labelloop::views
