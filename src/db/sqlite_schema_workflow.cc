// Schema of workflow executions: see sqlite_schema.h.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaWorkflow = R"sql(
SELECT 1;
)sql";

}  // namespace labelloop::db::sqlite
