#include "auth/auth_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "auth/credential_rules.h"
#include "auth/password_hasher.h"
#include "auth/secure_random.h"
#include "common/content_hash.h"

namespace labelloop::auth {
namespace {

constexpr size_t kSecretBytes = 32;  // session ids, CSRF tokens, API tokens: 256 bits
constexpr size_t kGeneratedPasswordBytes = 18;  // 24 base64url characters
constexpr std::string_view kTokenPrefix = "llt_";
constexpr size_t kMaxSessionIdLength = 256;
constexpr std::string_view kWrongCredentials = "wrong user name or password";

Status SessionUnauthenticated() { return UnauthenticatedError("not signed in, or the session expired: sign in again"); }
Status TokenUnauthenticated() { return UnauthenticatedError("unknown or revoked API token"); }

// A role read back from the database; DataLoss when it is not one we know.
Result<Role> StoredRole(const std::string& role, std::string_view owner) {
  Result<Role> parsed = ParseRole(role);
  if (!parsed.ok()) return DataLossError(fmt::format("{} has a stored role '{}' that is not known", owner, role));
  return parsed;
}

}  // namespace

AuthService::AuthService(db::AuthDb* db, const Clock* clock, AuthOptions options)
    : db_(db),
      clock_(clock),
      options_(options),
      touch_interval_ms_(std::clamp<int64_t>(options.session_idle_ms / 10, 1, 60'000)),
      limiter_(options.login_limits) {}

const std::string& AuthService::DummyHash() {
  std::call_once(dummy_hash_once_, [this] {
    Result<std::string> hash = HashPassword(RandomBase64Url(kSecretBytes), options_.password_hash_cost);
    if (hash.ok()) {
      dummy_hash_ = *hash;
    } else {
      spdlog::warn("auth: no dummy password hash ({}); sign-ins with unknown names answer faster",
                   hash.status().ToString());
    }
  });
  return dummy_hash_;
}

Result<std::optional<std::string>> AuthService::BootstrapAdmin(std::optional<std::string> env_password) {
  ASSIGN_OR_RETURN(const int64_t users, db_->CountUsers());
  if (users > 0) return std::optional<std::string>();
  if (env_password) {
    RETURN_IF_ERROR(ValidatePassword(*env_password).WithContext("initial admin password (LABELLOOP_ADMIN_PASSWORD)"));
  }
  const std::string password = env_password ? *env_password : RandomBase64Url(kGeneratedPasswordBytes);
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_hash_cost));
  Status created = db_->CreateUser(db::UserRecord{std::string(kBootstrapAdminName), std::string(RoleName(Role::kAdmin)),
                                                  std::move(hash), clock_->NowMs(), std::nullopt,
                                                  /*must_change_password=*/!env_password.has_value()});
  // Another process bootstrapped at the same moment: its password is the one printed.
  if (created.code() == StatusCode::kAlreadyExists) return std::optional<std::string>();
  RETURN_IF_ERROR(created);
  spdlog::info("auth: created the first user '{}' (role admin)", kBootstrapAdminName);
  if (env_password) return std::optional<std::string>();
  return std::optional<std::string>(password);
}

Status AuthService::AddUser(std::string_view name, std::string_view password, Role role) {
  RETURN_IF_ERROR(ValidateName(name, "user name"));
  RETURN_IF_ERROR(ValidatePassword(password));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_hash_cost));
  return db_->CreateUser(
      db::UserRecord{std::string(name), std::string(RoleName(role)), std::move(hash), clock_->NowMs(), std::nullopt});
}

Status AuthService::RemoveUser(std::string_view name) {
  return db_->DeleteUser(std::string(name), std::string(RoleName(Role::kAdmin)));
}

Status AuthService::SetPassword(std::string_view name, std::string_view password) {
  RETURN_IF_ERROR(ValidatePassword(password));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_hash_cost));
  return db_->SetPasswordHash(std::string(name), hash);
}

Result<Session> AuthService::ChangeOwnPassword(std::string_view name, std::string_view current_password,
                                               std::string_view new_password, std::string_view client_address) {
  RETURN_IF_ERROR(ValidatePassword(new_password).WithContext("new password"));
  if (new_password == current_password) return InvalidArgumentError("the new password must differ from the current one");
  // The current password is checked exactly as a sign-in checks it: same limit, same time.
  ASSIGN_OR_RETURN(const Session checked, Login(name, current_password, client_address));
  RETURN_IF_ERROR(SetPassword(checked.user, new_password));  // ends every session, `checked` too
  return Login(checked.user, new_password, client_address);
}

Result<std::vector<db::UserRecord>> AuthService::ListUsers() {
  ASSIGN_OR_RETURN(std::vector<db::UserRecord> users, db_->ListUsers());
  for (db::UserRecord& user : users) user.password_hash.clear();
  return users;
}

Result<Session> AuthService::Login(std::string_view name, std::string_view password,
                                   std::string_view client_address) {
  const int64_t now_ms = clock_->NowMs();
  RETURN_IF_ERROR(limiter_.Check(name, client_address, now_ms));

  std::optional<db::UserRecord> user;
  if (ValidateName(name, "user name").ok()) {
    Result<db::UserRecord> found = db_->GetUser(std::string(name));
    if (found.ok()) {
      user = std::move(found).value();
    } else if (found.status().code() != StatusCode::kNotFound) {
      return found.status().WithContext("signing in");
    }
  }
  // Check a password either way, so an unknown name takes as long as a wrong password.
  const bool password_ok = VerifyPassword(password, user ? user->password_hash : DummyHash()) && user.has_value();
  if (!password_ok) {
    limiter_.RecordFailure(name, client_address, now_ms);
    return UnauthenticatedError(std::string(kWrongCredentials));
  }
  limiter_.RecordSuccess(name, client_address);
  ASSIGN_OR_RETURN(const Role role, StoredRole(user->role, fmt::format("user '{}'", user->name)));

  if (Result<int64_t> swept = db_->DeleteExpiredSessions(now_ms); !swept.ok()) {
    spdlog::warn("auth: deleting expired sessions: {}", swept.status().ToString());  // housekeeping only
  }
  const std::string id = RandomBase64Url(kSecretBytes);
  db::SessionRecord record{Sha256Hex(id),
                           user->name,
                           RandomBase64Url(kSecretBytes),
                           now_ms,
                           now_ms,
                           now_ms + options_.session_idle_ms,
                           now_ms + options_.session_absolute_ms};
  RETURN_IF_ERROR(db_->CreateSession(record).WithContext("signing in"));
  if (Status s = db_->SetLastLogin(user->name, now_ms); !s.ok()) {
    spdlog::warn("auth: recording the sign-in of '{}': {}", user->name, s.ToString());  // the session stands
  }
  return Session{id, record.csrf_token, user->name, role,
                 std::min(record.idle_expires_ms, record.absolute_expires_ms), user->must_change_password};
}

Result<std::optional<db::SessionRecord>> AuthService::FindLiveSession(std::string_view session_id, int64_t now_ms) {
  if (session_id.empty() || session_id.size() > kMaxSessionIdLength) return std::optional<db::SessionRecord>();
  const std::string id_hash = Sha256Hex(session_id);
  ASSIGN_OR_RETURN(std::optional<db::SessionRecord> session, db_->FindSession(id_hash));
  if (!session) return session;
  if (now_ms >= session->idle_expires_ms || now_ms >= session->absolute_expires_ms) {
    RETURN_IF_ERROR(db_->DeleteSession(id_hash));
    return std::optional<db::SessionRecord>();
  }
  return session;
}

Result<std::pair<Principal, std::string>> AuthService::AuthenticateSession(std::string_view session_id) {
  const int64_t now_ms = clock_->NowMs();
  ASSIGN_OR_RETURN(std::optional<db::SessionRecord> session, FindLiveSession(session_id, now_ms));
  if (!session) return SessionUnauthenticated();
  Result<db::UserRecord> user = db_->GetUser(session->user);
  if (user.status().code() == StatusCode::kNotFound) return SessionUnauthenticated();
  if (!user.ok()) return user.status();
  ASSIGN_OR_RETURN(const Role role, StoredRole(user->role, fmt::format("user '{}'", user->name)));
  if (now_ms - session->last_seen_ms >= touch_interval_ms_) {
    const int64_t idle_expires_ms = std::min(now_ms + options_.session_idle_ms, session->absolute_expires_ms);
    if (Status s = db_->TouchSession(session->id_hash, now_ms, idle_expires_ms); !s.ok()) {
      // The session is valid; only its idle expiry did not slide this time.
      spdlog::warn("auth: recording the use of a session of '{}': {}", user->name, s.ToString());
    }
  }
  return std::make_pair(Principal{user->name, role, false, session->id_hash, user->must_change_password},
                        session->csrf_token);
}

Status AuthService::Logout(std::string_view session_id) {
  if (session_id.empty() || session_id.size() > kMaxSessionIdLength) return OkStatus();
  return db_->DeleteSession(Sha256Hex(session_id));
}

bool AuthService::CheckCsrf(std::string_view session_id, std::string_view csrf_token) {
  Result<std::optional<db::SessionRecord>> session = FindLiveSession(session_id, clock_->NowMs());
  if (!session.ok()) {
    spdlog::error("auth: checking a CSRF token: {}", session.status().ToString());
    return false;
  }
  return session->has_value() && !csrf_token.empty() && ConstantTimeEquals((*session)->csrf_token, csrf_token);
}

Result<CreatedToken> AuthService::CreateToken(std::string_view name, Role role) {
  RETURN_IF_ERROR(ValidateName(name, "API token name"));
  std::string token = std::string(kTokenPrefix) + RandomBase64Url(kSecretBytes);
  const std::string sealed = options_.signing_box ? options_.signing_box->Seal(token) : "";
  RETURN_IF_ERROR(db_->CreateToken(db::TokenRecord{std::string(name), std::string(RoleName(role)), Sha256Hex(token),
                                                   clock_->NowMs(), std::nullopt, std::nullopt, sealed}));
  return CreatedToken{std::string(name), std::move(token), role};
}

Result<std::vector<db::TokenRecord>> AuthService::ListTokens() {
  ASSIGN_OR_RETURN(std::vector<db::TokenRecord> tokens, db_->ListTokens());
  for (db::TokenRecord& token : tokens) {
    token.token_hash.clear();
    token.signing_secret.clear();
  }
  return tokens;
}

Status AuthService::RevokeToken(std::string_view name) { return db_->RevokeToken(std::string(name), clock_->NowMs()); }

Result<Principal> AuthService::AuthenticateToken(std::string_view bearer_token) {
  if (!bearer_token.starts_with(kTokenPrefix) || bearer_token.size() > kMaxSessionIdLength) {
    return TokenUnauthenticated();
  }
  const std::string token_hash = Sha256Hex(bearer_token);
  ASSIGN_OR_RETURN(std::optional<db::TokenRecord> token, db_->FindTokenByHash(token_hash));
  if (!token || token->revoked_ms) return TokenUnauthenticated();
  ASSIGN_OR_RETURN(const Role role, StoredRole(token->role, fmt::format("API token '{}'", token->name)));
  RecordTokenUse(*token);
  return Principal{token->name, role, true, ""};
}

// At most one write a minute per token: a busy client must not turn every request into a
// database write.
void AuthService::RecordTokenUse(const db::TokenRecord& token) {
  const int64_t now_ms = clock_->NowMs();
  if (token.last_used_ms && now_ms - *token.last_used_ms < 60'000) return;
  if (Status s = db_->SetTokenLastUsed(token.token_hash, now_ms); !s.ok()) {
    spdlog::warn("auth: recording the use of API token '{}': {}", token.name, s.ToString());  // still valid
  }
}

Result<SigningIdentity> AuthService::FindSigningSecret(std::string_view access_key_id) {
  ASSIGN_OR_RETURN(std::optional<db::TokenRecord> token, db_->FindActiveTokenByName(std::string(access_key_id)));
  if (!token) {
    return NotFoundError(fmt::format("no active API token is named '{}' (the access key id is a token's name)",
                                     access_key_id));
  }
  if (token->signing_secret.empty() || !options_.signing_box) {
    return FailedPreconditionError(fmt::format(
        "API token '{}' was made before AWS signing was available: create a new token to sign requests with",
        token->name));
  }
  ASSIGN_OR_RETURN(std::string secret, options_.signing_box->Open(token->signing_secret));
  ASSIGN_OR_RETURN(const Role role, StoredRole(token->role, fmt::format("API token '{}'", token->name)));
  RecordTokenUse(*token);
  return SigningIdentity{Principal{token->name, role, true, ""}, std::move(secret)};
}

}  // namespace labelloop::auth
