// Random secrets and constant-time comparison for credentials (session ids, CSRF tokens,
// API tokens, generated passwords), from libsodium's CSPRNG. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace labelloop::auth {

// `num_bytes` random bytes as unpadded base64url (RFC 4648 §5): 32 bytes -> 43 characters.
std::string RandomBase64Url(size_t num_bytes);

// true when a == b, in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace labelloop::auth
