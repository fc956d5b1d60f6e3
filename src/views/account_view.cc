#include "views/account_view.h"

namespace labelloop::views {

Json UserJson(const db::UserRecord& u) {
  return {{"name", u.name}, {"role", u.role}, {"created", TimeValue(u.created_ms)}, {"last_login", TimeValue(u.last_login_ms)}};
}

Json TokenJson(const db::TokenRecord& t) {
  return {{"name", t.name},
          {"role", t.role},
          {"created", TimeValue(t.created_ms)},
          {"last_used", TimeValue(t.last_used_ms)},
          {"revoked", TimeValue(t.revoked_ms)}};
}

Json RoleSchema() { return EnumSchema({"admin", "reviewer", "consumer"}); }

Json UserSchema() {
  return ObjectSchema("A user of the console or the portal.", {{"name", StringSchema()},
                                                               {"role", RoleSchema()},
                                                               {"created", TimeSchema()},
                                                               {"last_login", Nullable(TimeSchema())}});
}

Json TokenSchema() {
  return ObjectSchema("An API token (its secret is shown only when it is created).",
                      {{"name", StringSchema()},
                       {"role", RoleSchema()},
                       {"created", TimeSchema()},
                       {"last_used", Nullable(TimeSchema())},
                       {"revoked", Nullable(TimeSchema("set once; a revoked token never works again"))}});
}

}  // namespace labelloop::views
