// DetectionDb on SQLite: its own connection guarded by one mutex (see sqlite_open.h). Fixed
// statements are prepared at open; List and Count build their WHERE clause from the filter
// (values always bound, never spliced) and are prepared per call.
#include <fmt/format.h>

#include <charconv>
#include <mutex>

#include "db/detection_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr std::string_view kColumns =
    "sequence_id, request_id, created_ms, image_key, image_etag, model_version, top_label, confidence_pct, "
    "labels_json, threshold_pct, review_enabled, sampled, source, review_task, human_label, human_copied_key, "
    "human_completed_ms, requested_by";

Detection ReadDetection(const Statement& s) {
  Detection d;
  d.sequence_id = s.ColumnInt64(0);
  d.request_id = s.ColumnText(1);
  d.created_ms = s.ColumnInt64(2);
  d.image_key = s.ColumnText(3);
  d.image_etag = s.ColumnText(4);
  d.model_version = s.ColumnText(5);
  d.top_label = s.ColumnText(6);
  d.confidence_pct = s.ColumnDouble(7);
  d.labels_json = s.ColumnText(8);
  d.threshold_pct = s.ColumnDouble(9);
  d.review_enabled = s.ColumnInt64(10) != 0;
  d.sampled = s.ColumnInt64(11) != 0;
  d.source = s.ColumnText(12);
  d.review_task = s.ColumnOptionalText(13);
  d.human_label = s.ColumnOptionalText(14);
  d.human_copied_key = s.ColumnOptionalText(15);
  if (!s.ColumnIsNull(16)) d.human_completed_ms = s.ColumnInt64(16);
  d.requested_by = s.ColumnText(17);
  return d;
}

// Cursor "<created_ms>.<sequence_id>" of the last row of a page.
std::string EncodeCursor(const Detection& d) { return fmt::format("{}.{}", d.created_ms, d.sequence_id); }

Result<std::pair<int64_t, int64_t>> DecodeCursor(std::string_view cursor) {
  const auto bad = [&] {
    return InvalidArgumentError(fmt::format("detection page cursor '{}' is malformed; pass back a next_cursor "
                                            "returned by the previous page",
                                            cursor.substr(0, 64)));
  };
  const size_t dot = cursor.find('.');
  if (dot == std::string_view::npos) return bad();
  int64_t created_ms = 0, sequence_id = 0;
  const char* const begin = cursor.data();
  const char* const end = begin + cursor.size();
  auto [p1, e1] = std::from_chars(begin, begin + dot, created_ms);
  if (e1 != std::errc() || p1 != begin + dot) return bad();
  auto [p2, e2] = std::from_chars(begin + dot + 1, end, sequence_id);
  if (e2 != std::errc() || p2 != end) return bad();
  return std::make_pair(created_ms, sequence_id);
}

// WHERE clause of a filter and the statement that binds its values, in order.
struct FilterSql {
  std::string where;  // " WHERE ..." or ""
  std::vector<std::string> texts;
  std::optional<int64_t> sampled;
};

FilterSql BuildFilter(const DetectionFilter& f) {
  FilterSql out;
  std::vector<std::string> clauses;
  if (!f.model_version.empty()) {
    clauses.push_back(fmt::format("model_version = ?{}", out.texts.size() + 1));
    out.texts.push_back(f.model_version);
  }
  if (!f.top_label.empty()) {
    clauses.push_back(fmt::format("top_label = ?{}", out.texts.size() + 1));
    out.texts.push_back(f.top_label);
  }
  if (!f.key_contains.empty()) {
    clauses.push_back(fmt::format("instr(lower(image_key), lower(?{})) > 0", out.texts.size() + 1));
    out.texts.push_back(f.key_contains);
  }
  switch (f.review_state) {
    case DetectionReviewState::kAny:
      break;
    case DetectionReviewState::kNotReviewed:
      clauses.push_back("review_task IS NULL AND human_completed_ms IS NULL");
      break;
    case DetectionReviewState::kPending:
      clauses.push_back("review_task IS NOT NULL AND human_completed_ms IS NULL");
      break;
    case DetectionReviewState::kCompleted:
      clauses.push_back("human_completed_ms IS NOT NULL");
      break;
  }
  if (f.sampled) clauses.push_back(fmt::format("sampled = {}", *f.sampled ? 1 : 0));
  for (size_t i = 0; i < clauses.size(); ++i) out.where += (i == 0 ? " WHERE " : " AND ") + clauses[i];
  return out;
}

class SqliteDetectionDb final : public DetectionDb {
 public:
  static Result<std::unique_ptr<DetectionDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteDetectionDb>(new SqliteDetectionDb(std::move(connection)));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<DetectionDb>(std::move(db));
  }

  Status Insert(const Detection& d) override {
    RETURN_IF_ERROR(ValidateDetection(d));
    std::lock_guard lock(mu_);
    return InsertLocked(d);
  }

  Status InsertMany(const std::vector<Detection>& detections) override {
    for (const Detection& d : detections) RETURN_IF_ERROR(ValidateDetection(d));
    std::lock_guard lock(mu_);
    return sqlite::InTransaction(connection_, "logging detections", [&]() -> Status {
      for (const Detection& d : detections) RETURN_IF_ERROR(InsertLocked(d));
      return OkStatus();
    });
  }

  Result<Detection> Get(std::string_view request_id) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(get_);
    RETURN_IF_ERROR(get_.BindText(1, request_id));
    ASSIGN_OR_RETURN(const bool found, get_.Step());
    if (!found) return NotFound(request_id);
    return ReadDetection(get_);
  }


  Result<DetectionPage> List(const DetectionFilter& filter) override {
    if (filter.limit < 1 || filter.limit > kMaxDetectionPageSize) {
      return InvalidArgumentError(fmt::format("detection page limit {} is outside 1-{}", filter.limit,
                                              kMaxDetectionPageSize));
    }
    FilterSql sql = BuildFilter(filter);
    std::optional<std::pair<int64_t, int64_t>> after;
    if (!filter.page_cursor.empty()) {
      ASSIGN_OR_RETURN(after, DecodeCursor(filter.page_cursor));
      const size_t n = sql.texts.size();
      sql.where += fmt::format("{} (created_ms < ?{} OR (created_ms = ?{} AND sequence_id < ?{}))",
                               sql.where.empty() ? " WHERE" : " AND", n + 1, n + 1, n + 2);
    }
    const std::string text = fmt::format("SELECT {} FROM detections{} ORDER BY created_ms DESC, sequence_id DESC "
                                         "LIMIT {}",
                                         kColumns, sql.where, filter.limit + 1);
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s, connection_.Prepare(text, "list detections"));
    RETURN_IF_ERROR(BindTexts(s, sql.texts));
    if (after) {
      RETURN_IF_ERROR(s.BindInt64(static_cast<int>(sql.texts.size()) + 1, after->first));
      RETURN_IF_ERROR(s.BindInt64(static_cast<int>(sql.texts.size()) + 2, after->second));
    }
    DetectionPage page;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, s.Step());
      if (!has_row) break;
      if (static_cast<int>(page.detections.size()) == filter.limit) {
        page.next_cursor = EncodeCursor(page.detections.back());
        break;
      }
      page.detections.push_back(ReadDetection(s));
    }
    return page;
  }

  Result<int64_t> Count(const DetectionFilter& filter) override {
    const FilterSql sql = BuildFilter(filter);
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Statement s,
                     connection_.Prepare(fmt::format("SELECT COUNT(*) FROM detections{}", sql.where),
                                         "count detections"));
    RETURN_IF_ERROR(BindTexts(s, sql.texts));
    ASSIGN_OR_RETURN(const bool has_row, s.Step());
    if (!has_row) return InternalError("counting detections: no row");
    return s.ColumnInt64(0);
  }

  Status SetReviewTask(std::string_view request_id, std::string_view task_name) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(set_review_task_);
    RETURN_IF_ERROR(set_review_task_.BindText(1, request_id));
    RETURN_IF_ERROR(set_review_task_.BindText(2, task_name));
    RETURN_IF_ERROR(set_review_task_.Run());
    if (connection_.Changes() == 0) return ExistsLocked(request_id);
    return OkStatus();
  }

  Status UpdateHumanAnswer(std::string_view request_id, const std::optional<std::string>& label,
                           const std::optional<std::string>& copied_key, int64_t completed_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(update_answer_);
    RETURN_IF_ERROR(update_answer_.BindText(1, request_id));
    RETURN_IF_ERROR(update_answer_.BindOptionalText(2, label));
    RETURN_IF_ERROR(update_answer_.BindOptionalText(3, copied_key));
    RETURN_IF_ERROR(update_answer_.BindInt64(4, completed_ms));
    RETURN_IF_ERROR(update_answer_.Run());
    if (connection_.Changes() == 0) return NotFound(request_id);
    return OkStatus();
  }

  Status MarkSampled(const std::vector<std::string>& request_ids) override {
    std::lock_guard lock(mu_);
    return sqlite::InTransaction(connection_, "marking detections sampled", [&]() -> Status {
      for (const std::string& id : request_ids) {
        ScopedReset reset(mark_sampled_);
        RETURN_IF_ERROR(mark_sampled_.BindText(1, id));
        RETURN_IF_ERROR(mark_sampled_.Run());
        if (connection_.Changes() == 0) return NotFound(id);
      }
      return OkStatus();
    });
  }

  Result<std::vector<Detection>> ListUnsampledSince(int64_t after_sequence_id, int limit) override {
    if (limit < 1 || limit > kMaxDetectionPageSize) {
      return InvalidArgumentError(fmt::format("unsampled detection limit {} is outside 1-{}", limit,
                                              kMaxDetectionPageSize));
    }
    std::lock_guard lock(mu_);
    ScopedReset reset(list_unsampled_);
    RETURN_IF_ERROR(list_unsampled_.BindInt64(1, after_sequence_id));
    RETURN_IF_ERROR(list_unsampled_.BindInt64(2, limit));
    std::vector<Detection> out;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, list_unsampled_.Step());
      if (!has_row) break;
      out.push_back(ReadDetection(list_unsampled_));
    }
    return out;
  }

  Result<int64_t> LastSequenceId() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(last_sequence_);
    ASSIGN_OR_RETURN(const bool has_row, last_sequence_.Step());
    if (!has_row) return InternalError("reading the last detection sequence id: no row");
    return last_sequence_.ColumnInt64(0);
  }

  Result<ConfidenceHistogram> ComputeConfidenceHistogram(std::string_view model_version) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(histogram_);
    RETURN_IF_ERROR(histogram_.BindText(1, model_version));
    ConfidenceHistogram out;
    out.model_version = std::string(model_version);
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, histogram_.Step());
      if (!has_row) break;
      const int64_t bin = histogram_.ColumnInt64(0);
      if (bin >= 0 && bin < kConfidenceHistogramBins) out.counts[static_cast<size_t>(bin)] = histogram_.ColumnInt64(1);
    }
    return out;
  }

  Result<std::vector<SampledAgreementCount>> CountSampledAgreement() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(agreement_);
    std::vector<SampledAgreementCount> out;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, agreement_.Step());
      if (!has_row) break;
      out.push_back({agreement_.ColumnText(0), agreement_.ColumnInt64(1), agreement_.ColumnInt64(2)});
    }
    return out;
  }

 private:
  explicit SqliteDetectionDb(Connection connection) : connection_(std::move(connection)) {}

  // REQUIRES: mu_ held; ValidateDetection(d) is OK.
  Status InsertLocked(const Detection& d) {
    Statement& s = insert_;
    ScopedReset reset(s);
    RETURN_IF_ERROR(s.BindText(1, d.request_id));
    RETURN_IF_ERROR(s.BindInt64(2, d.created_ms));
    RETURN_IF_ERROR(s.BindText(3, d.image_key));
    RETURN_IF_ERROR(s.BindText(4, d.image_etag));
    RETURN_IF_ERROR(s.BindText(5, d.model_version));
    RETURN_IF_ERROR(s.BindText(6, d.top_label));
    RETURN_IF_ERROR(s.BindDouble(7, d.confidence_pct));
    RETURN_IF_ERROR(s.BindText(8, d.labels_json));
    RETURN_IF_ERROR(s.BindDouble(9, d.threshold_pct));
    RETURN_IF_ERROR(s.BindInt64(10, d.review_enabled ? 1 : 0));
    RETURN_IF_ERROR(s.BindInt64(11, d.sampled ? 1 : 0));
    RETURN_IF_ERROR(s.BindText(12, d.source));
    RETURN_IF_ERROR(s.BindOptionalText(13, d.review_task));
    RETURN_IF_ERROR(s.BindOptionalText(14, d.human_label));
    RETURN_IF_ERROR(s.BindOptionalText(15, d.human_copied_key));
    RETURN_IF_ERROR(s.BindOptionalInt64(16, d.human_completed_ms));
    RETURN_IF_ERROR(s.BindText(17, d.requested_by));
    Status status = s.Run();
    if (!status.ok() && s.last_error_code() == SQLITE_CONSTRAINT_UNIQUE) {
      return AlreadyExistsError(fmt::format("detection '{}' is already in the detection log", d.request_id));
    }
    return status.WithContext(fmt::format("logging detection '{}'", d.request_id));
  }

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(insert_,
                            "INSERT INTO detections (request_id, created_ms, image_key, image_etag, model_version, "
                            "top_label, confidence_pct, labels_json, threshold_pct, review_enabled, sampled, source, "
                            "review_task, human_label, human_copied_key, human_completed_ms, requested_by) VALUES (?1, ?2, "
                            "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                            "insert detection"));
    RETURN_IF_ERROR(prepare(get_, fmt::format("SELECT {} FROM detections WHERE request_id = ?1", kColumns),
                            "get detection"));
    RETURN_IF_ERROR(prepare(exists_, "SELECT 1 FROM detections WHERE request_id = ?1", "find detection"));
    RETURN_IF_ERROR(prepare(set_review_task_,
                            "UPDATE detections SET review_task = COALESCE(review_task, ?2) WHERE request_id = ?1",
                            "set detection review task"));
    RETURN_IF_ERROR(prepare(update_answer_,
                            "UPDATE detections SET human_label = ?2, human_copied_key = ?3, human_completed_ms = ?4 "
                            "WHERE request_id = ?1",
                            "update detection human answer"));
    RETURN_IF_ERROR(prepare(mark_sampled_, "UPDATE detections SET sampled = 1 WHERE request_id = ?1",
                            "mark detection sampled"));
    RETURN_IF_ERROR(prepare(list_unsampled_,
                            // "+sampled": walk the rowid range from the cursor (samples are
                            // rare, so this stops after ~limit rows) instead of sorting all
                            // unsampled rows found through detections_by_sampled.
                            fmt::format("SELECT {} FROM detections WHERE +sampled = 0 AND sequence_id > ?1 "
                                        "ORDER BY sequence_id LIMIT ?2",
                                        kColumns),
                            "list unsampled detections"));
    RETURN_IF_ERROR(prepare(last_sequence_, "SELECT COALESCE(MAX(sequence_id), 0) FROM detections",
                            "last detection sequence id"));
    RETURN_IF_ERROR(prepare(histogram_,
                            fmt::format("SELECT MIN({}, CAST(confidence_pct / 10 AS INTEGER)) AS bin, COUNT(*) "
                                        "FROM detections WHERE model_version = ?1 GROUP BY bin",
                                        kConfidenceHistogramBins - 1),
                            "detection confidence histogram"));
    return prepare(agreement_,
                   "SELECT model_version, COUNT(*), SUM(COALESCE(human_label, '') = top_label) FROM detections "
                   "WHERE sampled = 1 AND human_completed_ms IS NOT NULL GROUP BY model_version ORDER BY "
                   "model_version",
                   "sampled agreement counts");
  }

  static Status BindTexts(Statement& s, const std::vector<std::string>& texts) {
    for (size_t i = 0; i < texts.size(); ++i) RETURN_IF_ERROR(s.BindText(static_cast<int>(i) + 1, texts[i]));
    return OkStatus();
  }

  static Status NotFound(std::string_view request_id) {
    return NotFoundError(fmt::format("detection '{}' is not in the detection log", request_id));
  }

  // After an UPDATE that changed nothing: NotFound when the row is absent, else OK.
  // REQUIRES: mu_ held.
  Status ExistsLocked(std::string_view request_id) {
    ScopedReset reset(exists_);
    RETURN_IF_ERROR(exists_.BindText(1, request_id));
    ASSIGN_OR_RETURN(const bool found, exists_.Step());
    return found ? OkStatus() : NotFound(request_id);
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  Statement insert_, get_, exists_, set_review_task_, update_answer_, mark_sampled_;
  Statement list_unsampled_, last_sequence_, histogram_, agreement_;
};

}  // namespace

Result<std::unique_ptr<DetectionDb>> OpenSqliteDetectionDb(const std::string& path, const Clock* clock) {
  if (path.empty()) return InvalidArgumentError("detection database path is empty");
  return SqliteDetectionDb::Open(path, clock);
}

}  // namespace labelloop::db
