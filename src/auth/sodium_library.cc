#include "auth/sodium_library.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace labelloop::auth {

void InitSodiumOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      spdlog::critical("libsodium failed to initialise (no entropy source?): cannot create or check credentials");
      std::abort();
    }
  });
}

}  // namespace labelloop::auth
