#include "app/first_admin.h"

#include <cstdlib>

#include <fmt/format.h>

namespace labelloop::app {

Status EnsureFirstAdmin(auth::AuthService& auth, std::ostream& err) {
  const char* env = std::getenv(kAdminPasswordEnv);
  std::optional<std::string> env_password;
  if (env != nullptr && *env != '\0') env_password = std::string(env);
  ASSIGN_OR_RETURN(std::optional<std::string> password, auth.BootstrapAdmin(env_password));
  if (password) {
    err << fmt::format(
        "created user '{0}' (role admin) with the one-time password:\n\n    {1}\n\n"
        "It is shown only now and works once: the first sign-in asks for a new password\n"
        "(or set one now: `labelloop users passwd {0}`).\n",
        auth::kBootstrapAdminName, *password);
  }
  return OkStatus();
}

}  // namespace labelloop::app
