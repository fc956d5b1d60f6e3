// Password hashes: argon2id (libsodium crypto_pwhash_str_alg, ALG_ARGON2ID13) at libsodium's
// INTERACTIVE cost (t=2, m=64 MiB, p=1): about 55 ms per hash or check on this project's
// 2-core machine, so a sign-in stays under 100 ms. The output is the self-describing
// "$argon2id$v=19$m=65536,t=2,p=1$salt$hash" string, salt included. At most as many hashes
// run at once as there are cores (each needs 64 MiB). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop::auth {

// argon2id's time and memory cost.
struct PasswordHashCost {
  uint64_t ops_limit;
  size_t mem_limit_bytes;
};
// libsodium's INTERACTIVE: what labelloop stores.
inline constexpr PasswordHashCost kInteractiveHashCost{2, 64u << 20};
// The least argon2id allows (t=1, 8 KiB): for tests that sign in many times, never for
// stored passwords.
inline constexpr PasswordHashCost kMinimalHashCostForTests{1, 8u << 10};

// ResourceExhausted when the memory for the hash cannot be had.
Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost = kInteractiveHashCost);

// true when `password` matches `hash` (a string made by HashPassword). false on mismatch
// and on a malformed hash (libsodium does not tell them apart).
bool VerifyPassword(std::string_view password, const std::string& hash);

// true when `hash` was made with another cost than `cost`.
bool PasswordNeedsRehash(const std::string& hash, const PasswordHashCost& cost = kInteractiveHashCost);

}  // namespace labelloop::auth
