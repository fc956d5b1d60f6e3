// Schema of role checks: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

// detections.requested_by: the user or token that asked for a detection through the API
// ('' for detections of bucket events), so a consumer reads only its own.
// users.must_change_password: 1 for the first admin's printed one-time password, until
// changed; the API refuses everything else for such a session.
const std::string_view kSchemaRoles = R"sql(
ALTER TABLE detections ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
)sql";

}  // namespace labelloop::db::sqlite
