// Every view's JSON Schema by its name in the OpenAPI document's components
// ("ModelVersion", "Execution", ...). Pure; thread-safe.
#pragma once

#include "views/json_schema.h"

namespace labelloop::views {

// {"ModelVersion": {...}, "Execution": {...}, ...}
Json ViewSchemas();

}  // namespace labelloop::views
