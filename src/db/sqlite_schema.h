// The SQL of each numbered migration after the first, one constant per area, each defined
// in its own sqlite_schema_<area>.cc so areas evolve independently. Internal to src/db.
// Never edit a released migration: append a new one in sqlite_migrations.cc.
#pragma once

#include <string_view>

namespace labelloop::db::sqlite {

extern const std::string_view kSchemaParamsAndSchedules;  // migration 2
extern const std::string_view kSchemaWorkflow;            // migration 3
extern const std::string_view kSchemaEvents;              // migration 4
extern const std::string_view kSchemaNotifications;       // migration 5
extern const std::string_view kSchemaDetectionsAndReviews;  // migration 6
extern const std::string_view kSchemaAuth;                // migration 7
extern const std::string_view kSchemaRoles;               // migration 8
extern const std::string_view kSchemaDetectionQueue;      // migration 9
extern const std::string_view kSchemaReviewPriority;      // migration 10
extern const std::string_view kSchemaTokenSigningSecret;  // migration 11

}  // namespace labelloop::db::sqlite
