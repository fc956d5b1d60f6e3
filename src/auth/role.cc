#include "auth/role.h"

#include <fmt/format.h>

namespace labelloop::auth {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kReviewer: return "reviewer";
    case Role::kConsumer: return "consumer";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kAdmin, Role::kReviewer, Role::kConsumer}) {
    if (name == RoleName(role)) return role;
  }
  return InvalidArgumentError(fmt::format("unknown role '{}': use admin, reviewer or consumer", name));
}

}  // namespace labelloop::auth
