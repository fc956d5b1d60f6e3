// Content hashes: SHA-256 hex of bytes. Used as object etags and as embedding-cache keys,
// so the same bytes always hash the same on every store. Thread-safe (stateless).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);
// Lower-case hex SHA-256 of the file at `path`, read in pieces (never whole in memory).
// Unavailable naming the path when it cannot be read.
Result<std::string> Sha256HexOfFile(const std::string& path);
// HMAC-SHA256 of `message` under `key`: the 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view message);
// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// HMAC-SHA256 of `message` under `key`, lower-case hex.
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// HMAC-SHA256 of `message` under `key`, standard base64 with padding.
std::string HmacSha256Base64(std::string_view key, std::string_view message);
// Standard base64 (with padding) of `bytes`.
std::string Base64Encode(std::string_view bytes);
// The bytes of standard base64 `text` (padding required when the length needs it);
// std::nullopt when `text` is not valid base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace labelloop
