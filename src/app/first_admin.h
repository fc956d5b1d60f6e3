// The first start of a data folder: when there are no users, creates the user "admin"
// with the password in $LABELLOOP_ADMIN_PASSWORD or a random one printed once to `err`.
// Called by `serve` and by the `users` commands. Not thread-safe (reads the environment).
#pragma once

#include <ostream>

#include "auth/auth_service.h"
#include "common/status.h"

namespace labelloop::app {

inline constexpr const char* kAdminPasswordEnv = "LABELLOOP_ADMIN_PASSWORD";

// OK and silent when users exist. InvalidArgument when $LABELLOOP_ADMIN_PASSWORD is set but
// breaks the password rules.
Status EnsureFirstAdmin(auth::AuthService& auth, std::ostream& err);

}  // namespace labelloop::app
