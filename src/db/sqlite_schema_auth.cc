// Schema of auth: see sqlite_schema.h. Only hashes of credentials are stored: argon2id
// strings for passwords, SHA-256 hex for session ids and API token secrets.
#include "db/sqlite_schema.h"

namespace labelloop::db::sqlite {

const std::string_view kSchemaAuth = R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'consumer')),
  password_hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_login_ms INTEGER
);
CREATE TABLE user_sessions (
  id_hash TEXT PRIMARY KEY NOT NULL,
  user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  idle_expires_ms INTEGER NOT NULL,
  absolute_expires_ms INTEGER NOT NULL
);
CREATE INDEX user_sessions_by_user ON user_sessions (user_name);
CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'consumer')),
  created_ms INTEGER NOT NULL,
  last_used_ms INTEGER,
  revoked_ms INTEGER
);
-- A name is unique among active tokens; revoked ones keep theirs for the record.
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_ms IS NULL;
)sql";

// api_tokens.signing_secret: the token sealed under the data folder's signing key
// (auth/secret_box.h), so AWS-signed requests (SigV4 needs the secret itself) can be
// checked; '' for tokens made before it existed, which sign nothing.
const std::string_view kSchemaTokenSigningSecret = R"sql(
ALTER TABLE api_tokens ADD COLUMN signing_secret TEXT NOT NULL DEFAULT '';
)sql";

}  // namespace labelloop::db::sqlite
