// The rules for user names, API token names and passwords, checked before anything is
// stored. Errors are InvalidArgument and name the rule. Thread-safe (stateless).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace labelloop::auth {

inline constexpr size_t kMaxNameLength = 64;
inline constexpr size_t kMinPasswordChars = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;

// [a-z0-9._-]{1,64}. `what` names the thing in the error ("user name", "API token name").
Status ValidateName(std::string_view name, std::string_view what);
// At least 8 characters (UTF-8 code points), at most 1024 bytes, no NUL or line break.
Status ValidatePassword(std::string_view password);

}  // namespace labelloop::auth
