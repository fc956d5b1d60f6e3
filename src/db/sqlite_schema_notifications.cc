// Schema of notifications: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaNotifications = R"sql(
SELECT 1;
)sql";

}  // namespace labelloop::db::sqlite
