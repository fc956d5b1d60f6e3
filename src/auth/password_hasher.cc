#include "auth/password_hasher.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <semaphore>
#include <thread>

#include "auth/sodium_library.h"

namespace labelloop::auth {
namespace {

static_assert(kInteractiveHashCost.ops_limit == crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(kInteractiveHashCost.mem_limit_bytes == crypto_pwhash_MEMLIMIT_INTERACTIVE);
static_assert(kMinimalHashCostForTests.ops_limit >= crypto_pwhash_OPSLIMIT_MIN);
static_assert(kMinimalHashCostForTests.mem_limit_bytes >= crypto_pwhash_MEMLIMIT_MIN);

// Bounds memory (64 MiB per hash) and keeps a burst of sign-ins from starving other work.
std::counting_semaphore<>& HashSlots() {
  static std::counting_semaphore<> slots(std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency(), 1, 16));
  return slots;
}

class SlotGuard {
 public:
  SlotGuard() { HashSlots().acquire(); }
  ~SlotGuard() { HashSlots().release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
};

}  // namespace

Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost) {
  InitSodiumOnce();
  char out[crypto_pwhash_STRBYTES];
  SlotGuard slot;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops_limit, cost.mem_limit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhaustedError(fmt::format("hashing a password: argon2id could not get its {} MiB of memory",
                                              cost.mem_limit_bytes >> 20));
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  InitSodiumOnce();
  SlotGuard slot;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(const std::string& hash, const PasswordHashCost& cost) {
  InitSodiumOnce();
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost.ops_limit, cost.mem_limit_bytes) != 0;
}

}  // namespace labelloop::auth
