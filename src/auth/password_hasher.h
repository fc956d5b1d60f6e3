// Password hashes: argon2id (libsodium crypto_pwhash_str_alg, ALG_ARGON2ID13) at libsodium's
// INTERACTIVE cost (t=2, m=64 MiB, p=1): about 55 ms per hash or check on this project's
// 2-core machine, so a sign-in stays under 100 ms. The output is the self-describing
// "$argon2id$v=19$m=65536,t=2,p=1$salt$hash" string, salt included. At most as many hashes
// run at once as there are cores (each needs 64 MiB). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop::auth {

// ResourceExhausted when the memory for the hash cannot be had.
Result<std::string> HashPassword(std::string_view password);

// true when `password` matches `hash` (a string made by HashPassword). false on mismatch
// and on a malformed hash (libsodium does not tell them apart).
bool VerifyPassword(std::string_view password, const std::string& hash);

// true when `hash` was made with other settings than HashPassword uses now.
bool PasswordNeedsRehash(const std::string& hash);

}  // namespace labelloop::auth
