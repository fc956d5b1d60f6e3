// Validation of parameter values against their definitions, shared by every write path
// (ParameterStore, the console's inline checks). Values are text; each type has one
// canonical form, the form that is stored:
//   bool   "true" / "false" (input case-insensitive)
//   int    plain decimal, optional '-', no '+', no leading zeros ("007" -> "7")
//   float  plain decimal with a '.', no exponent, no '+': integer part without leading
//          zeros, fraction without trailing zeros but at least one digit
//          ("70" -> "70.0", ".50" -> "0.5", "-0" -> "0.0"); the decimal text is kept
//          exactly, never rounded through binary
//   json   compact JSON (nlohmann dump) of an object
// Leading and trailing ASCII whitespace is ignored for every type. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "params/parameter_definitions.h"

namespace labelloop::params {

// Checks `value` against `definition` (type, range, length) and returns its canonical form.
// InvalidArgument naming the parameter, the rule and the value, e.g.
//   Minimum-F1-Score must be a number between 0 and 1; got "1.5"
// Does not look at system_only (the system path uses this directly).
Result<std::string> CanonicalParameterValue(const ParameterDefinition& definition, std::string_view value);

// The user path's checks, without writing (for the console's inline validation); same
// errors as ParameterStore::Set: NotFound listing the known names for an unknown
// parameter, PermissionDenied for a system-only one, else CanonicalParameterValue's.
Status ValidateParameterValue(std::string_view name, std::string_view value);

// NotFound: unknown parameter "X"; known parameters: ...
Status UnknownParameterError(std::string_view name);
// PermissionDenied: X is written only by the system
Status SystemOnlyParameterError(std::string_view name);

}  // namespace labelloop::params
