// AuthDb: users, sign-in sessions and API tokens. Stores only what auth computes: password
// hashes (argon2id strings), SHA-256 hashes of session ids and token secrets; never a raw
// credential. Roles are plain strings here ("admin", "reviewer", "consumer"); src/auth owns
// their meaning. All methods are thread-safe and return errors as Status (never throw):
// Unavailable when the database is busy, DataLoss when the file is corrupt.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace labelloop::db {

struct UserRecord {
  std::string name;           // unique; [a-z0-9._-]{1,64} (checked by auth)
  std::string role;           // "admin", "reviewer" or "consumer"
  std::string password_hash;  // "$argon2id$..."; empty in lists handed to callers of auth
  int64_t created_ms = 0;
  std::optional<int64_t> last_login_ms;
  // A one-time password (the first admin's printed one): its sessions may only change it.
  // Cleared by SetPasswordHash.
  bool must_change_password = false;

  bool operator==(const UserRecord&) const = default;
};

struct SessionRecord {
  std::string id_hash;     // SHA-256 hex of the raw session id (the raw id is never stored)
  std::string user;        // UserRecord::name; the session ends with its user
  std::string csrf_token;  // random; sent back by pages as X-CSRF-Token
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
  int64_t idle_expires_ms = 0;      // slides forward on use
  int64_t absolute_expires_ms = 0;  // fixed at creation

  bool operator==(const SessionRecord&) const = default;
};

struct TokenRecord {
  std::string name;        // unique among active (not revoked) tokens
  std::string role;        // "admin", "reviewer" or "consumer"
  std::string token_hash;  // SHA-256 hex of the raw token; empty in lists handed to callers of auth
  int64_t created_ms = 0;
  std::optional<int64_t> last_used_ms;
  std::optional<int64_t> revoked_ms;  // set once; a revoked token never authenticates again
  // The token sealed under the data folder's signing key (auth/secret_box.h) for AWS SigV4;
  // "" when the token was made without one. Empty in lists handed to callers of auth.
  std::string signing_secret;

  bool operator==(const TokenRecord&) const = default;
};

class AuthDb {
 public:
  virtual ~AuthDb() = default;

  // --- users ---
  // AlreadyExists when the name is taken; InvalidArgument when a field is empty.
  virtual Status CreateUser(const UserRecord& user) = 0;
  // NotFound when absent.
  virtual Result<UserRecord> GetUser(const std::string& name) = 0;
  // Every user, by name.
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Result<int64_t> CountUsers() = 0;
  // Replaces the hash, clears must_change_password and, in the same transaction, deletes
  // the user's sessions. NotFound when absent.
  virtual Status SetPasswordHash(const std::string& name, const std::string& password_hash) = 0;
  // NotFound when absent.
  virtual Status SetLastLogin(const std::string& name, int64_t last_login_ms) = 0;
  // Deletes the user and its sessions in one transaction. NotFound when absent;
  // FailedPrecondition when the user has role `keep_one_of_role` and is the only one with
  // it (so the last admin cannot be removed, even by two removals racing).
  virtual Status DeleteUser(const std::string& name, const std::string& keep_one_of_role) = 0;

  // --- sessions ---
  // NotFound when session.user does not exist; AlreadyExists when the id hash is taken.
  virtual Status CreateSession(const SessionRecord& session) = 0;
  // nullopt when absent (expiry is the caller's business: see DeleteExpiredSessions).
  virtual Result<std::optional<SessionRecord>> FindSession(const std::string& id_hash) = 0;
  // Records a use. OK (and nothing changes) when the session no longer exists.
  virtual Status TouchSession(const std::string& id_hash, int64_t last_seen_ms, int64_t idle_expires_ms) = 0;
  // OK whether or not it existed.
  virtual Status DeleteSession(const std::string& id_hash) = 0;
  // Deletes every session with idle or absolute expiry at or before `now_ms`; returns how many.
  virtual Result<int64_t> DeleteExpiredSessions(int64_t now_ms) = 0;

  // --- API tokens ---
  // AlreadyExists when an active token has this name (or the hash is taken).
  virtual Status CreateToken(const TokenRecord& token) = 0;
  // nullopt when no token (active or revoked) has this hash.
  virtual Result<std::optional<TokenRecord>> FindTokenByHash(const std::string& token_hash) = 0;
  // Every token, revoked ones included, oldest first.
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  // The active (not revoked) token of that name; nullopt when none.
  virtual Result<std::optional<TokenRecord>> FindActiveTokenByName(const std::string& name) = 0;
  // Revokes the active token named `name`. NotFound when there is none.
  virtual Status RevokeToken(const std::string& name, int64_t revoked_ms) = 0;
  // OK (and nothing changes) when the token no longer exists.
  virtual Status SetTokenLastUsed(const std::string& token_hash, int64_t last_used_ms) = 0;
};

// Opens (creating and migrating) the SQLite database at `path` (":memory:" for a private
// in-memory one) on a connection of its own. `clock` stamps migrations and must outlive
// the database. DataLoss when the file is not an SQLite database or is corrupt;
// FailedPrecondition when it was written by a newer labelloop.
Result<std::unique_ptr<AuthDb>> OpenSqliteAuthDb(const std::string& path, const Clock* clock = SystemClock::Default());

}  // namespace labelloop::db
