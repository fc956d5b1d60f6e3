#include "auth/secret_box.h"

#include <fmt/format.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "auth/sodium_library.h"
#include "common/content_hash.h"
#include "common/private_files.h"

namespace labelloop::auth {

Result<SecretBox> SecretBox::OpenKeyFile(const std::string& path) {
  InitSodiumOnce();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::string key(crypto_secretbox_KEYBYTES, '\0');
    randombytes_buf(key.data(), key.size());
    RETURN_IF_ERROR(MakePrivateFile(path));  // 0600 before the key is in it
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(key.data(), static_cast<std::streamsize>(key.size()));
    out.close();
    if (!out) return UnavailableError(fmt::format("cannot write the signing key file '{}'", path));
    return SecretBox(std::move(key));
  }
  RETURN_IF_ERROR(MakePrivateFile(path, /*create=*/false));
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError(fmt::format("cannot read the signing key file '{}'", path));
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() != crypto_secretbox_KEYBYTES) {
    return DataLossError(fmt::format("'{}' is not a signing key ({} bytes, expected {})", path, key.size(),
                                     crypto_secretbox_KEYBYTES));
  }
  return SecretBox(std::move(key));
}

SecretBox SecretBox::WithKey(std::string key) {
  InitSodiumOnce();
  key.resize(crypto_secretbox_KEYBYTES, '\0');
  return SecretBox(std::move(key));
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  return Base64Encode(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  std::optional<std::string> bytes = Base64Decode(sealed);
  if (!bytes || bytes->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return DataLossError("a sealed secret is not base64 of nonce and ciphertext");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(bytes->data());
  const unsigned char* cipher = nonce + crypto_secretbox_NONCEBYTES;
  const size_t cipher_size = bytes->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(cipher_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), cipher, cipher_size, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return DataLossError("a sealed secret does not open with this data folder's signing key (another key, or altered)");
  }
  return plain;
}

}  // namespace labelloop::auth
