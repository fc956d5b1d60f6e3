// ParameterStore: the versioned parameters of labelloop over a db::ParamDb. Every write
// is validated against ParameterDefinitions() and stored in canonical form
// (parameter_validation.h) as a new version, also when the value equals the current one
// (like a parameter store: each save is a recorded change and becomes one event).
// Thread-safe: it holds no mutable state of its own; the ParamDb serialises.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "db/param_db.h"
#include "params/parameter_definitions.h"
#include "params/parameter_validation.h"

namespace labelloop::params {

inline constexpr std::string_view kSystemActor = "system";

struct ParameterValue {
  std::string name;
  std::string value;  // canonical form
  // 1, 2, ...; 0 when the parameter was never written and `value` is its default
  // (before EnsureDefaults has run).
  int64_t version = 0;
  int64_t last_modified_ms = 0;  // 0 when version is 0
  std::string modified_by;       // "system", "cli:alice", ...; "" when version is 0

  bool operator==(const ParameterValue&) const = default;
};

class ParameterStore {
 public:
  // `db` and `clock` must outlive the store.
  ParameterStore(db::ParamDb* db, const Clock* clock);

  // Writes version 1 = the default (modified_by "system") of every parameter never
  // written; leaves written ones alone. Idempotent, safe with other processes doing the
  // same; reads only when every parameter exists already.
  Status EnsureDefaults();

  // Every parameter, in definition order.
  Result<std::vector<ParameterValue>> List();
  // NotFound (listing the known names) for an unknown name.
  Result<ParameterValue> Get(std::string_view name);

  // The user path: NotFound for an unknown name, PermissionDenied for a system-only
  // parameter, InvalidArgument for a bad value (see CanonicalParameterValue), and
  // InvalidArgument for an empty actor. Returns the new version; nothing changes on error.
  Result<ParameterValue> Set(std::string_view name, std::string_view value, std::string_view actor);
  // The system path (modified_by "system"): any parameter, including For-System-Use-Only,
  // same validation otherwise.
  Result<ParameterValue> SetSystem(std::string_view name, std::string_view value);

  // Every version, newest first; empty when never written. NotFound for an unknown name.
  Result<std::vector<ParameterValue>> History(std::string_view name);

  // Typed reads of the current value. NotFound for an unknown name; InvalidArgument when
  // the parameter has another type (e.g. GetBool on an int); DataLoss when the stored text
  // does not satisfy the definition (a database edited by hand).
  Result<bool> GetBool(std::string_view name);
  Result<int64_t> GetInt(std::string_view name);
  Result<double> GetDouble(std::string_view name);  // kFloat, and kInt widened
  Result<nlohmann::json> GetJson(std::string_view name);

 private:
  Result<ParameterValue> Write(const ParameterDefinition& definition, std::string_view value, std::string_view actor);
  // The current value of `definition` checked against it, for the typed reads.
  Result<std::string> CurrentCanonical(std::string_view name, ParameterType type);

  db::ParamDb* const db_;
  const Clock* const clock_;
};

}  // namespace labelloop::params
