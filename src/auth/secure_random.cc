#include "auth/secure_random.h"

#include <sodium.h>

#include <vector>

#include "auth/sodium_library.h"

namespace labelloop::auth {

std::string RandomBase64Url(size_t num_bytes) {
  InitSodiumOnce();
  std::vector<unsigned char> bytes(num_bytes);
  randombytes_buf(bytes.data(), bytes.size());
  const size_t max_len = sodium_base64_ENCODED_LEN(num_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(max_len, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  sodium_memzero(bytes.data(), bytes.size());
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  InitSodiumOnce();
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace labelloop::auth
