// Content hashes: SHA-256 hex of bytes. Used as object etags and as embedding-cache keys,
// so the same bytes always hash the same on every store. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

namespace labelloop {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);
// HMAC-SHA256 of `message` under `key`, lower-case hex.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace labelloop
