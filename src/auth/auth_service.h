// AuthService: users with roles, password sign-in with sessions and CSRF tokens, and API
// tokens. Only hashes reach the database (argon2id for passwords, SHA-256 for session ids
// and token secrets); raw secrets are returned once, at creation. Every session id is new
// at sign-in (an id known before sign-in is never promoted). Time comes from the Clock.
// Thread-safe: state lives in the AuthDb (thread-safe) and the LoginRateLimiter.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/login_rate_limiter.h"
#include "auth/password_hasher.h"
#include "auth/secret_box.h"
#include "auth/role.h"
#include "common/clock.h"
#include "common/status.h"
#include "db/auth_db.h"

namespace labelloop::auth {

// Who a request acts for: a signed-in user (session) or an API token (name = token name).
struct Principal {
  std::string name;
  Role role;
  bool via_token = false;
  std::string session_id_hash;  // SHA-256 hex of the session id; empty for tokens
  bool must_change_password = false;  // a one-time password: only changing it is allowed
};

struct Session {
  std::string id;  // raw, only at creation: the cookie value
  std::string csrf_token;
  std::string user;
  Role role;
  int64_t expires_ms;  // the earlier of idle and absolute expiry, as of creation
  bool must_change_password = false;
};

struct CreatedToken {
  std::string name;
  std::string token;  // raw, shown once: "llt_" + base64url of 32 random bytes
  Role role;
};

struct AuthOptions {
  int64_t session_idle_ms = 12 * 3600 * 1000LL;
  int64_t session_absolute_ms = 7 * 24 * 3600 * 1000LL;
  LoginLimits login_limits;  // failed sign-ins per (user, address) and per address, with back-off
  // argon2id cost of new hashes (and of the dummy check for unknown names). Keep the
  // default; tests that sign in many times use kMinimalHashCostForTests.
  PasswordHashCost password_hash_cost = kInteractiveHashCost;
  // Seals each new API token so AWS SigV4 requests signed with it can be checked
  // (FindSigningSecret); without it tokens authenticate as bearer tokens only.
  std::optional<SecretBox> signing_box;
};

// An API token as an AWS access key: who it is and the secret its requests are signed with.
struct SigningIdentity {
  Principal principal;
  std::string secret;
};

// The user BootstrapAdmin creates.
inline constexpr std::string_view kBootstrapAdminName = "admin";

class AuthService {
 public:
  // `db` and `clock` must outlive the service.
  AuthService(db::AuthDb* db, const Clock* clock, AuthOptions options = {});

  // When there are no users: creates "admin" with env_password or a random one; returns
  // the password to print once (std::nullopt when users already exist or env_password was
  // used). A random password is one-time: the admin must change it at first sign-in (the
  // operator chose env_password, so that one stands). InvalidArgument when env_password
  // breaks the password rules.
  Result<std::optional<std::string>> BootstrapAdmin(std::optional<std::string> env_password);

  // InvalidArgument when the name or password breaks the rules; AlreadyExists.
  Status AddUser(std::string_view name, std::string_view password, Role role);
  // Also ends its sessions; FailedPrecondition for the last admin; NotFound.
  Status RemoveUser(std::string_view name);
  // Ends the user's sessions; InvalidArgument (password rules); NotFound.
  Status SetPassword(std::string_view name, std::string_view password);
  // A signed-in user changes its own password: `current_password` must be right (failures
  // count towards the sign-in limit like wrong sign-ins), the new one must follow the rules
  // and differ. Ends every session of the user and returns a fresh one (new id and CSRF
  // token). Unauthenticated for a wrong current password; InvalidArgument; ResourceExhausted.
  Result<Session> ChangeOwnPassword(std::string_view name, std::string_view current_password,
                                    std::string_view new_password, std::string_view client_address);
  // By name; password hashes are left empty.
  Result<std::vector<db::UserRecord>> ListUsers();

  // A new session (new id and CSRF token). Unauthenticated "wrong user name or password"
  // (the same message, and about the same time, whether or not the user exists);
  // ResourceExhausted ("try again in N seconds", see RetryAfterSeconds) when rate-limited.
  Result<Session> Login(std::string_view name, std::string_view password, std::string_view client_address);
  // The session's principal and CSRF token. Unauthenticated when unknown or expired; a use
  // slides the idle expiry (recorded at most once a minute, or every tenth of the idle time).
  Result<std::pair<Principal, std::string /*csrf*/>> AuthenticateSession(std::string_view session_id);
  // Deletes the session; OK when it did not exist.
  Status Logout(std::string_view session_id);
  // true when the session is valid and `csrf_token` is its CSRF token (constant-time).
  bool CheckCsrf(std::string_view session_id, std::string_view csrf_token);

  // AlreadyExists for an active token of that name; InvalidArgument for a bad name.
  Result<CreatedToken> CreateToken(std::string_view name, Role role);
  // Oldest first, revoked ones included; never the secret (token_hash left empty).
  Result<std::vector<db::TokenRecord>> ListTokens();
  // NotFound when no active token has this name.
  Status RevokeToken(std::string_view name);
  // Unauthenticated when unknown or revoked. Records the use (at most once a minute).
  Result<Principal> AuthenticateToken(std::string_view bearer_token);
  // The active token named `access_key_id` and its secret, for checking a SigV4 signature.
  // NotFound when no active token has that name; FailedPrecondition when the token cannot
  // sign (made before signing secrets were kept, or the service has no signing_box).
  Result<SigningIdentity> FindSigningSecret(std::string_view access_key_id);

 private:
  // The session of `session_id` when it exists and has not expired (an expired one is
  // deleted). nullopt when not; an error only when the database fails.
  Result<std::optional<db::SessionRecord>> FindLiveSession(std::string_view session_id, int64_t now_ms);
  // A hash to check against when the user does not exist, so that takes as long.
  const std::string& DummyHash();

  db::AuthDb* const db_;
  const Clock* const clock_;
  // Records the token's last use (at most once a minute); a failure is logged, not fatal.
  void RecordTokenUse(const db::TokenRecord& token);

  const AuthOptions options_;
  const int64_t touch_interval_ms_;
  LoginRateLimiter limiter_;
  std::once_flag dummy_hash_once_;
  std::string dummy_hash_;  // written once under dummy_hash_once_
};

}  // namespace labelloop::auth
