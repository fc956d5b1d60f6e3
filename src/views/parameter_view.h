// The one JSON view of a parameter (its current value with its definition) and of one
// stored value (history entries), written by the API and by `labelloop params ... --json`,
// with their JSON Schemas. Pure functions; thread-safe.
#pragma once

#include "params/parameter_store.h"
#include "views/json_schema.h"

namespace labelloop::views {

// name, value, version, last_modified (null before the first write), modified_by.
Json ParameterValueJson(const params::ParameterValue& value);
// The value plus its definition: description, type, default, min, max, unit, system_only.
Json ParameterJson(const params::ParameterValue& value);

Json ParameterValueSchema();
Json ParameterSchema();

}  // namespace labelloop::views
