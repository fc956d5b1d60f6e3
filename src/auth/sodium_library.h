// Internal to src/auth: initialises libsodium once per process before any use (random
// bytes, password hashes, constant-time compares). Thread-safe.
#pragma once

namespace labelloop::auth {

// Calls sodium_init() once. Aborts, with a log line, when libsodium cannot start (no
// entropy source): no credential can be made safely without it.
void InitSodiumOnce();

}  // namespace labelloop::auth
