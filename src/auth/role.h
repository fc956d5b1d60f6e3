// Roles of users and API tokens: admin (everything), reviewer (the labelling portal only),
// consumer (upload and detect through the API with a token). Their names are the ones
// stored in the database and shown in the CLI and API. Thread-safe (stateless).
#pragma once

#include <string_view>

#include "common/status.h"

namespace labelloop::auth {

enum class Role { kAdmin, kReviewer, kConsumer };

// "admin", "reviewer" or "consumer".
std::string_view RoleName(Role role);
// The inverse of RoleName; InvalidArgument naming the value and the accepted names.
Result<Role> ParseRole(std::string_view name);

}  // namespace labelloop::auth
