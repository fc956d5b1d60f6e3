#include "db/sqlite_handle.h"

#include <fmt/format.h>

#include <climits>

namespace labelloop::db::sqlite {

Status SqliteStatus(int code, sqlite3* db, std::string_view context) {
  const bool db_has_it = db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (code & 0xff);
  const char* detail = db_has_it ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string message = fmt::format("{}: {} (sqlite code {})", context, detail, code);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return UnavailableError(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(std::move(message));
    case SQLITE_FULL:
      return InsufficientStorageError(std::move(message));
    case SQLITE_NOMEM:
      return ResourceExhaustedError(std::move(message));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return PermissionDeniedError(std::move(message));
    case SQLITE_CANTOPEN:
    case SQLITE_CONSTRAINT:
      return FailedPreconditionError(std::move(message));
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return InvalidArgumentError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

// ---- Statement

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      label_(std::move(other.label_)),
      last_error_code_(other.last_error_code_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    label_ = std::move(other.label_);
    last_error_code_ = other.last_error_code_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::Check(int code, std::string_view step) {
  last_error_code_ = code;
  if (code == SQLITE_OK) return OkStatus();
  return SqliteStatus(code, db_, fmt::format("{} ({})", label_, step));
}

Status Statement::BindText(int index, std::string_view value) {
  return Check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
               "binding text");
}

Status Statement::BindBlob(int index, std::string_view value) {
  // A null pointer would bind NULL, so an empty blob is bound as a zero-length blob.
  if (value.empty()) return Check(sqlite3_bind_zeroblob(stmt_, index, 0), "binding blob");
  return Check(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT), "binding blob");
}

Status Statement::BindInt64(int index, int64_t value) {
  return Check(sqlite3_bind_int64(stmt_, index, value), "binding integer");
}

Status Statement::BindDouble(int index, double value) {
  return Check(sqlite3_bind_double(stmt_, index, value), "binding real");
}

Status Statement::BindNull(int index) { return Check(sqlite3_bind_null(stmt_, index), "binding null"); }

Status Statement::BindOptionalInt64(int index, const std::optional<int64_t>& value) {
  return value ? BindInt64(index, *value) : BindNull(index);
}

Status Statement::BindOptionalDouble(int index, const std::optional<double>& value) {
  return value ? BindDouble(index, *value) : BindNull(index);
}

Status Statement::BindOptionalText(int index, const std::optional<std::string>& value) {
  return value ? BindText(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  // Extended result codes are on, so this is e.g. SQLITE_CONSTRAINT_FOREIGNKEY.
  return Check(code, "step");
}

Status Statement::Run() {
  ASSIGN_OR_RETURN(const bool has_row, Step());
  (void)has_row;  // statements run this way return no rows; any row is ignored
  return OkStatus();
}

bool Statement::ColumnIsNull(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
int64_t Statement::ColumnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }
double Statement::ColumnDouble(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), size);
}

std::optional<std::string> Statement::ColumnOptionalText(int index) const {
  if (ColumnIsNull(index)) return std::nullopt;
  return ColumnText(index);
}

std::string Statement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  return blob == nullptr ? std::string() : std::string(static_cast<const char*>(blob), size);
}

void Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  last_error_code_ = SQLITE_OK;
}

// ---- Connection

Result<Connection> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection connection(db, path);  // owns db even when the open failed
  if (code != SQLITE_OK) {
    return SqliteStatus(code, db,
                        fmt::format("opening metadata database '{}' (does its folder exist and is it writable?)", path));
  }
  sqlite3_extended_result_codes(db, 1);
  return connection;
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Connection::~Connection() {
  // close_v2 defers the close until every statement is finalized, so member order of the
  // owner does not matter.
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (code == SQLITE_OK) return OkStatus();
  return SqliteStatus(code, db_,
                      fmt::format("metadata database '{}': {}", path_, what));
}

Result<Statement> Connection::Prepare(std::string_view sql, std::string label) {
  sqlite3_stmt* stmt = nullptr;
  const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
  if (code != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(code, db_, fmt::format("metadata database '{}': preparing {}", path_, label));
  }
  return Statement(stmt, db_, fmt::format("metadata database '{}': {}", path_, label));
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

}  // namespace labelloop::db::sqlite
