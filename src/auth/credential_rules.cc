#include "auth/credential_rules.h"

#include <fmt/format.h>

namespace labelloop::auth {

Status ValidateName(std::string_view name, std::string_view what) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  bool ok = !name.empty() && name.size() <= kMaxNameLength;
  for (char c : name) ok = ok && allowed(c);
  if (!ok) {
    return InvalidArgumentError(fmt::format(
        "{} '{}' is not allowed: use 1 to {} characters from a-z, 0-9, '.', '_' and '-'", what,
        name.substr(0, 2 * kMaxNameLength), kMaxNameLength));
  }
  return OkStatus();
}

Status ValidatePassword(std::string_view password) {
  size_t chars = 0;
  for (char c : password) {
    if (c == '\0' || c == '\n' || c == '\r') {
      return InvalidArgumentError("password must not contain NUL or line-break characters");
    }
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;  // not a UTF-8 continuation byte
  }
  if (chars < kMinPasswordChars) {
    return InvalidArgumentError(fmt::format("password must be at least {} characters long", kMinPasswordChars));
  }
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgumentError(fmt::format("password must be at most {} bytes long", kMaxPasswordBytes));
  }
  return OkStatus();
}

}  // namespace labelloop::auth
