// StatsDb on SQLite: GROUP BY counts over detections, events, workflow_executions,
// notification_deliveries and review_tasks, prepared once, read in one transaction so the
// figures of one scrape agree with each other.
#include <mutex>

#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"
#include "db/stats_db.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

class SqliteStatsDb final : public StatsDb {
 public:
  static Result<std::unique_ptr<StatsDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteStatsDb>(new SqliteStatsDb(std::move(connection)));
    RETURN_IF_ERROR(db->Prepare());
    return std::unique_ptr<StatsDb>(std::move(db));
  }

  Result<StoreCounts> ReadCounts() override {
    std::lock_guard lock(mu_);
    StoreCounts counts;
    RETURN_IF_ERROR(connection_.Exec("BEGIN", "starting a metrics read"));
    Status status = ReadLocked(counts);
    Status end = connection_.Exec(status.ok() ? "COMMIT" : "ROLLBACK", "ending a metrics read");
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(end);
    return counts;
  }

 private:
  explicit SqliteStatsDb(Connection connection) : connection_(std::move(connection)) {}

  Status Prepare() {
    ASSIGN_OR_RETURN(detections_, connection_.Prepare("SELECT model_version, top_label, COUNT(*) FROM detections "
                                                      "GROUP BY model_version, top_label",
                                                      "count detections"));
    ASSIGN_OR_RETURN(events_, connection_.Prepare("SELECT status, COUNT(*) FROM events GROUP BY status", "count events"));
    ASSIGN_OR_RETURN(executions_, connection_.Prepare("SELECT status, COUNT(*) FROM workflow_executions GROUP BY status",
                                                      "count executions"));
    ASSIGN_OR_RETURN(deliveries_,
                     connection_.Prepare("SELECT status, COUNT(*) FROM notification_deliveries GROUP BY status",
                                         "count deliveries"));
    ASSIGN_OR_RETURN(reviews_, connection_.Prepare("SELECT status, COUNT(*) FROM review_tasks GROUP BY status",
                                                   "count review tasks"));
    return OkStatus();
  }

  static Status CountByStatus(Statement& stmt, std::map<std::string, int64_t>& out) {
    ScopedReset reset(stmt);
    ASSIGN_OR_RETURN(auto rows, sqlite::ReadRows(stmt, [](const Statement& s) {
                       return std::make_pair(s.ColumnText(0), s.ColumnInt64(1));
                     }));
    for (auto& [status, count] : rows) out[status] = count;
    return OkStatus();
  }

  Status ReadLocked(StoreCounts& counts) {
    {
      ScopedReset reset(detections_);
      ASSIGN_OR_RETURN(auto rows, sqlite::ReadRows(detections_, [](const Statement& s) {
                         return std::make_pair(std::make_pair(s.ColumnText(0), s.ColumnText(1)), s.ColumnInt64(2));
                       }));
      for (auto& [key, count] : rows) counts.detections[key] = count;
    }
    RETURN_IF_ERROR(CountByStatus(events_, counts.events_by_status));
    RETURN_IF_ERROR(CountByStatus(executions_, counts.executions_by_status));
    RETURN_IF_ERROR(CountByStatus(deliveries_, counts.deliveries_by_status));
    return CountByStatus(reviews_, counts.review_tasks_by_status);
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_)
  Statement detections_, events_, executions_, deliveries_, reviews_;  // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<StatsDb>> OpenSqliteStatsDb(const std::string& path, const Clock* clock) {
  if (path.empty()) return InvalidArgumentError("stats database path is empty");
  return SqliteStatsDb::Open(path, clock);
}

}  // namespace labelloop::db
