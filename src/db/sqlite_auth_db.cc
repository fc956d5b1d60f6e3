// AuthDb on SQLite: one connection of its own (same file as the other areas), guarded by
// one mutex; statements prepared at open and reset after each use. Multi-step changes
// (delete a user, change a password) run in one BEGIN IMMEDIATE transaction so a CLI
// process and the server never see them half done.
#include <fmt/format.h>

#include <mutex>

#include "db/auth_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

using sqlite::Connection;
using sqlite::ScopedReset;
using sqlite::Statement;

constexpr std::string_view kUserColumns = "name, role, password_hash, created_ms, last_login_ms, must_change_password";
constexpr std::string_view kSessionColumns =
    "id_hash, user_name, csrf_token, created_ms, last_seen_ms, idle_expires_ms, absolute_expires_ms";
constexpr std::string_view kTokenColumns =
    "token_hash, name, role, created_ms, last_used_ms, revoked_ms, signing_secret";

bool IsConstraint(const Statement& stmt, int extended_code) { return stmt.last_error_code() == extended_code; }

class SqliteAuthDb final : public AuthDb {
 public:
  static Result<std::unique_ptr<AuthDb>> Open(const std::string& path, const Clock* clock) {
    ASSIGN_OR_RETURN(Connection connection, sqlite::OpenMigratedConnection(path, *clock));
    auto db = std::unique_ptr<SqliteAuthDb>(new SqliteAuthDb(std::move(connection)));
    RETURN_IF_ERROR(db->PrepareStatements());
    return std::unique_ptr<AuthDb>(std::move(db));
  }

  // --- users ---

  Status CreateUser(const UserRecord& user) override {
    if (user.name.empty() || user.role.empty() || user.password_hash.empty()) {
      return InvalidArgumentError(fmt::format("user '{}': name, role and password hash must all be set", user.name));
    }
    std::lock_guard lock(mu_);
    ScopedReset reset(insert_user_);
    RETURN_IF_ERROR(insert_user_.BindText(1, user.name));
    RETURN_IF_ERROR(insert_user_.BindText(2, user.role));
    RETURN_IF_ERROR(insert_user_.BindText(3, user.password_hash));
    RETURN_IF_ERROR(insert_user_.BindInt64(4, user.created_ms));
    RETURN_IF_ERROR(insert_user_.BindOptionalInt64(5, user.last_login_ms));
    RETURN_IF_ERROR(insert_user_.BindInt64(6, user.must_change_password ? 1 : 0));
    Status status = insert_user_.Run();
    if (!status.ok() && IsConstraint(insert_user_, SQLITE_CONSTRAINT_PRIMARYKEY)) {
      return AlreadyExistsError(fmt::format("user '{}' already exists", user.name));
    }
    if (!status.ok() && IsConstraint(insert_user_, SQLITE_CONSTRAINT_CHECK)) {
      return InvalidArgumentError(
          fmt::format("user '{}': role '{}' is not one of admin, reviewer, consumer", user.name, user.role));
    }
    return status;
  }

  Result<UserRecord> GetUser(const std::string& name) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(get_user_);
    RETURN_IF_ERROR(get_user_.BindText(1, name));
    ASSIGN_OR_RETURN(const bool found, get_user_.Step());
    if (!found) return UserNotFound(name);
    return ReadUser(get_user_);
  }

  Result<std::vector<UserRecord>> ListUsers() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(list_users_);
    std::vector<UserRecord> users;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, list_users_.Step());
      if (!has_row) break;
      users.push_back(ReadUser(list_users_));
    }
    return users;
  }

  Result<int64_t> CountUsers() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(count_users_);
    ASSIGN_OR_RETURN(const bool has_row, count_users_.Step());
    if (!has_row) return InternalError("counting users: no row");
    return count_users_.ColumnInt64(0);
  }

  Status SetPasswordHash(const std::string& name, const std::string& password_hash) override {
    if (password_hash.empty()) return InvalidArgumentError(fmt::format("user '{}': empty password hash", name));
    std::lock_guard lock(mu_);
    return sqlite::InTransaction(connection_, "changing a password", [&]() -> Status {
      {
        ScopedReset reset(set_password_);
        RETURN_IF_ERROR(set_password_.BindText(1, name));
        RETURN_IF_ERROR(set_password_.BindText(2, password_hash));
        RETURN_IF_ERROR(set_password_.Run());
        if (connection_.Changes() == 0) return UserNotFound(name);
      }
      return DeleteSessionsOfLocked(name);
    });
  }

  Status SetLastLogin(const std::string& name, int64_t last_login_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(set_last_login_);
    RETURN_IF_ERROR(set_last_login_.BindText(1, name));
    RETURN_IF_ERROR(set_last_login_.BindInt64(2, last_login_ms));
    RETURN_IF_ERROR(set_last_login_.Run());
    if (connection_.Changes() == 0) return UserNotFound(name);
    return OkStatus();
  }

  Status DeleteUser(const std::string& name, const std::string& keep_one_of_role) override {
    std::lock_guard lock(mu_);
    return sqlite::InTransaction(connection_, fmt::format("removing user '{}'", name), [&]() -> Status {
      std::string role;
      {
        ScopedReset reset(get_user_);
        RETURN_IF_ERROR(get_user_.BindText(1, name));
        ASSIGN_OR_RETURN(const bool found, get_user_.Step());
        if (!found) return UserNotFound(name);
        role = get_user_.ColumnText(1);
      }
      if (role == keep_one_of_role) {
        ScopedReset reset(count_role_);
        RETURN_IF_ERROR(count_role_.BindText(1, role));
        ASSIGN_OR_RETURN(const bool has_row, count_role_.Step());
        if (!has_row) return InternalError("counting users by role: no row");
        if (count_role_.ColumnInt64(0) <= 1) {
          return FailedPreconditionError(fmt::format(
              "user '{}' is the last {}: add another {} first (`labelloop users add NAME --role {}`)", name, role,
              role, role));
        }
      }
      RETURN_IF_ERROR(DeleteSessionsOfLocked(name));
      ScopedReset reset(delete_user_);
      RETURN_IF_ERROR(delete_user_.BindText(1, name));
      return delete_user_.Run();
    });
  }

  // --- sessions ---

  Status CreateSession(const SessionRecord& s) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(insert_session_);
    RETURN_IF_ERROR(insert_session_.BindText(1, s.id_hash));
    RETURN_IF_ERROR(insert_session_.BindText(2, s.user));
    RETURN_IF_ERROR(insert_session_.BindText(3, s.csrf_token));
    RETURN_IF_ERROR(insert_session_.BindInt64(4, s.created_ms));
    RETURN_IF_ERROR(insert_session_.BindInt64(5, s.last_seen_ms));
    RETURN_IF_ERROR(insert_session_.BindInt64(6, s.idle_expires_ms));
    RETURN_IF_ERROR(insert_session_.BindInt64(7, s.absolute_expires_ms));
    Status status = insert_session_.Run();
    if (!status.ok() && IsConstraint(insert_session_, SQLITE_CONSTRAINT_FOREIGNKEY)) {
      return UserNotFound(s.user).WithContext("creating a session");
    }
    if (!status.ok() && IsConstraint(insert_session_, SQLITE_CONSTRAINT_PRIMARYKEY)) {
      return AlreadyExistsError("a session with this id already exists");
    }
    return status;
  }

  Result<std::optional<SessionRecord>> FindSession(const std::string& id_hash) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(find_session_);
    RETURN_IF_ERROR(find_session_.BindText(1, id_hash));
    ASSIGN_OR_RETURN(const bool found, find_session_.Step());
    if (!found) return std::optional<SessionRecord>();
    SessionRecord s;
    s.id_hash = find_session_.ColumnText(0);
    s.user = find_session_.ColumnText(1);
    s.csrf_token = find_session_.ColumnText(2);
    s.created_ms = find_session_.ColumnInt64(3);
    s.last_seen_ms = find_session_.ColumnInt64(4);
    s.idle_expires_ms = find_session_.ColumnInt64(5);
    s.absolute_expires_ms = find_session_.ColumnInt64(6);
    return std::optional<SessionRecord>(std::move(s));
  }

  Status TouchSession(const std::string& id_hash, int64_t last_seen_ms, int64_t idle_expires_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(touch_session_);
    RETURN_IF_ERROR(touch_session_.BindText(1, id_hash));
    RETURN_IF_ERROR(touch_session_.BindInt64(2, last_seen_ms));
    RETURN_IF_ERROR(touch_session_.BindInt64(3, idle_expires_ms));
    return touch_session_.Run();
  }

  Status DeleteSession(const std::string& id_hash) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(delete_session_);
    RETURN_IF_ERROR(delete_session_.BindText(1, id_hash));
    return delete_session_.Run();
  }

  Result<int64_t> DeleteExpiredSessions(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(delete_expired_sessions_);
    RETURN_IF_ERROR(delete_expired_sessions_.BindInt64(1, now_ms));
    RETURN_IF_ERROR(delete_expired_sessions_.Run());
    return connection_.Changes();
  }

  // --- API tokens ---

  Status CreateToken(const TokenRecord& t) override {
    if (t.name.empty() || t.role.empty() || t.token_hash.empty()) {
      return InvalidArgumentError(fmt::format("API token '{}': name, role and hash must all be set", t.name));
    }
    std::lock_guard lock(mu_);
    ScopedReset reset(insert_token_);
    RETURN_IF_ERROR(insert_token_.BindText(1, t.token_hash));
    RETURN_IF_ERROR(insert_token_.BindText(2, t.name));
    RETURN_IF_ERROR(insert_token_.BindText(3, t.role));
    RETURN_IF_ERROR(insert_token_.BindInt64(4, t.created_ms));
    RETURN_IF_ERROR(insert_token_.BindOptionalInt64(5, t.last_used_ms));
    RETURN_IF_ERROR(insert_token_.BindOptionalInt64(6, t.revoked_ms));
    RETURN_IF_ERROR(insert_token_.BindText(7, t.signing_secret));
    Status status = insert_token_.Run();
    if (!status.ok() && (IsConstraint(insert_token_, SQLITE_CONSTRAINT_UNIQUE) ||
                         IsConstraint(insert_token_, SQLITE_CONSTRAINT_PRIMARYKEY))) {
      return AlreadyExistsError(fmt::format(
          "an active API token named '{}' already exists: revoke it first (`labelloop tokens revoke {}`)", t.name,
          t.name));
    }
    if (!status.ok() && IsConstraint(insert_token_, SQLITE_CONSTRAINT_CHECK)) {
      return InvalidArgumentError(
          fmt::format("API token '{}': role '{}' is not one of admin, reviewer, consumer", t.name, t.role));
    }
    return status;
  }

  Result<std::optional<TokenRecord>> FindTokenByHash(const std::string& token_hash) override {
    return FindOneToken(find_token_, token_hash);
  }

  Result<std::optional<TokenRecord>> FindActiveTokenByName(const std::string& name) override {
    return FindOneToken(find_active_token_by_name_, name);
  }

  Result<std::vector<TokenRecord>> ListTokens() override {
    std::lock_guard lock(mu_);
    ScopedReset reset(list_tokens_);
    std::vector<TokenRecord> tokens;
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, list_tokens_.Step());
      if (!has_row) break;
      tokens.push_back(ReadToken(list_tokens_));
    }
    return tokens;
  }

  Status RevokeToken(const std::string& name, int64_t revoked_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(revoke_token_);
    RETURN_IF_ERROR(revoke_token_.BindText(1, name));
    RETURN_IF_ERROR(revoke_token_.BindInt64(2, revoked_ms));
    RETURN_IF_ERROR(revoke_token_.Run());
    if (connection_.Changes() == 0) {
      return NotFoundError(fmt::format("there is no active API token named '{}' (see `labelloop tokens list`)", name));
    }
    return OkStatus();
  }

  Status SetTokenLastUsed(const std::string& token_hash, int64_t last_used_ms) override {
    std::lock_guard lock(mu_);
    ScopedReset reset(set_token_last_used_);
    RETURN_IF_ERROR(set_token_last_used_.BindText(1, token_hash));
    RETURN_IF_ERROR(set_token_last_used_.BindInt64(2, last_used_ms));
    return set_token_last_used_.Run();
  }

 private:
  explicit SqliteAuthDb(Connection connection) : connection_(std::move(connection)) {}

  Status PrepareStatements() {
    const auto prepare = [&](Statement& out, std::string sql, std::string label) -> Status {
      ASSIGN_OR_RETURN(out, connection_.Prepare(sql, std::move(label)));
      return OkStatus();
    };
    RETURN_IF_ERROR(prepare(insert_user_,
                            fmt::format("INSERT INTO users ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", kUserColumns),
                            "insert user"));
    RETURN_IF_ERROR(
        prepare(get_user_, fmt::format("SELECT {} FROM users WHERE name = ?1", kUserColumns), "get user"));
    RETURN_IF_ERROR(
        prepare(list_users_, fmt::format("SELECT {} FROM users ORDER BY name", kUserColumns), "list users"));
    RETURN_IF_ERROR(prepare(count_users_, "SELECT COUNT(*) FROM users", "count users"));
    RETURN_IF_ERROR(prepare(count_role_, "SELECT COUNT(*) FROM users WHERE role = ?1", "count users by role"));
    RETURN_IF_ERROR(
        prepare(set_password_, "UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE name = ?1", "set password hash"));
    RETURN_IF_ERROR(prepare(set_last_login_, "UPDATE users SET last_login_ms = ?2 WHERE name = ?1", "set last login"));
    RETURN_IF_ERROR(prepare(delete_user_, "DELETE FROM users WHERE name = ?1", "delete user"));
    RETURN_IF_ERROR(prepare(insert_session_,
                            fmt::format("INSERT INTO user_sessions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                        kSessionColumns),
                            "insert session"));
    RETURN_IF_ERROR(prepare(find_session_,
                            fmt::format("SELECT {} FROM user_sessions WHERE id_hash = ?1", kSessionColumns),
                            "find session"));
    RETURN_IF_ERROR(prepare(touch_session_,
                            "UPDATE user_sessions SET last_seen_ms = ?2, idle_expires_ms = ?3 WHERE id_hash = ?1",
                            "touch session"));
    RETURN_IF_ERROR(prepare(delete_session_, "DELETE FROM user_sessions WHERE id_hash = ?1", "delete session"));
    RETURN_IF_ERROR(prepare(delete_user_sessions_, "DELETE FROM user_sessions WHERE user_name = ?1",
                            "delete sessions of a user"));
    RETURN_IF_ERROR(prepare(delete_expired_sessions_,
                            "DELETE FROM user_sessions WHERE idle_expires_ms <= ?1 OR absolute_expires_ms <= ?1",
                            "delete expired sessions"));
    RETURN_IF_ERROR(prepare(insert_token_,
                            fmt::format("INSERT INTO api_tokens ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", kTokenColumns),
                            "insert API token"));
    RETURN_IF_ERROR(prepare(find_token_,
                            fmt::format("SELECT {} FROM api_tokens WHERE token_hash = ?1", kTokenColumns),
                            "find API token"));
    RETURN_IF_ERROR(prepare(find_active_token_by_name_,
                            fmt::format("SELECT {} FROM api_tokens WHERE name = ?1 AND revoked_ms IS NULL",
                                        kTokenColumns),
                            "find active API token by name"));
    RETURN_IF_ERROR(prepare(list_tokens_,
                            fmt::format("SELECT {} FROM api_tokens ORDER BY created_ms, name, token_hash",
                                        kTokenColumns),
                            "list API tokens"));
    RETURN_IF_ERROR(prepare(revoke_token_,
                            "UPDATE api_tokens SET revoked_ms = ?2 WHERE name = ?1 AND revoked_ms IS NULL",
                            "revoke API token"));
    return prepare(set_token_last_used_, "UPDATE api_tokens SET last_used_ms = ?2 WHERE token_hash = ?1",
                   "set API token last use");
  }

  // REQUIRES: mu_ held.
  Status DeleteSessionsOfLocked(const std::string& name) {
    ScopedReset reset(delete_user_sessions_);
    RETURN_IF_ERROR(delete_user_sessions_.BindText(1, name));
    return delete_user_sessions_.Run();
  }

  static UserRecord ReadUser(const Statement& stmt) {
    UserRecord u;
    u.name = stmt.ColumnText(0);
    u.role = stmt.ColumnText(1);
    u.password_hash = stmt.ColumnText(2);
    u.created_ms = stmt.ColumnInt64(3);
    if (!stmt.ColumnIsNull(4)) u.last_login_ms = stmt.ColumnInt64(4);
    u.must_change_password = stmt.ColumnInt64(5) != 0;
    return u;
  }

  // The one token `query` (one text parameter) finds, nullopt when none.
  Result<std::optional<TokenRecord>> FindOneToken(Statement& query, const std::string& value) {
    std::lock_guard lock(mu_);
    ScopedReset reset(query);
    RETURN_IF_ERROR(query.BindText(1, value));
    ASSIGN_OR_RETURN(const bool found, query.Step());
    if (!found) return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(ReadToken(query));
  }

  static TokenRecord ReadToken(const Statement& stmt) {
    TokenRecord t;
    t.token_hash = stmt.ColumnText(0);
    t.name = stmt.ColumnText(1);
    t.role = stmt.ColumnText(2);
    t.created_ms = stmt.ColumnInt64(3);
    if (!stmt.ColumnIsNull(4)) t.last_used_ms = stmt.ColumnInt64(4);
    if (!stmt.ColumnIsNull(5)) t.revoked_ms = stmt.ColumnInt64(5);
    t.signing_secret = stmt.ColumnText(6);
    return t;
  }

  static Status UserNotFound(const std::string& name) {
    return NotFoundError(fmt::format("user '{}' does not exist (see `labelloop users list`)", name));
  }

  std::mutex mu_;
  Connection connection_;  // GUARDED_BY(mu_), as are the statements below
  Statement insert_user_, get_user_, list_users_, count_users_, count_role_, set_password_, set_last_login_,
      delete_user_;
  Statement insert_session_, find_session_, touch_session_, delete_session_, delete_user_sessions_,
      delete_expired_sessions_;
  Statement insert_token_, find_token_, find_active_token_by_name_, list_tokens_, revoke_token_, set_token_last_used_;
};

}  // namespace

Result<std::unique_ptr<AuthDb>> OpenSqliteAuthDb(const std::string& path, const Clock* clock) {
  if (path.empty()) return InvalidArgumentError("auth database path is empty");
  return SqliteAuthDb::Open(path, clock);
}

}  // namespace labelloop::db
