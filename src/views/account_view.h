// The one JSON view of a user and of an API token (never a password hash or a token
// secret), written by the API and by `labelloop users|tokens list --json`, with their JSON
// Schemas. Pure functions; thread-safe.
#pragma once

#include "db/auth_db.h"
#include "views/json_schema.h"

namespace labelloop::views {

Json UserJson(const db::UserRecord& user);
Json TokenJson(const db::TokenRecord& token);

Json UserSchema();
Json TokenSchema();
Json RoleSchema();

}  // namespace labelloop::views
