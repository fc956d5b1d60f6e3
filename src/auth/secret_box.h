// SecretBox: seals small secrets (API tokens, for AWS SigV4, which needs the secret itself
// rather than its hash) under a 256-bit key kept in a private file of the data folder, so
// the database alone (a copy, a backup, a PostgreSQL server elsewhere) does not reveal them.
// libsodium's crypto_secretbox (XSalsa20-Poly1305, a random nonce per seal). Thread-safe
// (immutable after creation).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop::auth {

class SecretBox {
 public:
  // Reads the key from `path`, or creates it (32 random bytes, mode 0600) when missing.
  // Unavailable naming the path when it cannot be read or written; DataLoss when the file
  // is not a key (wrong size).
  static Result<SecretBox> OpenKeyFile(const std::string& path);
  // A box with this key (32 bytes); for tests.
  static SecretBox WithKey(std::string key);

  // base64 of nonce || ciphertext.
  std::string Seal(std::string_view plaintext) const;
  // DataLoss when `sealed` was not sealed under this key or was altered.
  Result<std::string> Open(std::string_view sealed) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace labelloop::auth
