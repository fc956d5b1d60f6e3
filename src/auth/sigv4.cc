#include "auth/sigv4.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "auth/secure_random.h"
#include "common/content_hash.h"

namespace labelloop::auth::sigv4 {
namespace {

constexpr std::string_view kTerminator = "aws4_request";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX -> byte; a '%' without two hex digits stays itself (and is encoded as %25 again).
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

Result<Scope> ParseCredential(std::string_view value, std::string& access_key_id) {
  std::vector<std::string_view> parts = Split(value, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[4] != kTerminator) {
    return InvalidArgumentError(fmt::format(
        "the Credential '{}' is not <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request", value));
  }
  if (parts[1].size() != 8 || !std::all_of(parts[1].begin(), parts[1].end(), ::isdigit)) {
    return InvalidArgumentError(fmt::format("the Credential's date '{}' is not YYYYMMDD", parts[1]));
  }
  if (parts[2].empty() || parts[3].empty()) return InvalidArgumentError("the Credential names no region or service");
  access_key_id = std::string(parts[0]);
  return Scope{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
}

Result<std::vector<std::string>> ParseSignedHeaders(std::string_view value) {
  std::vector<std::string> names;
  for (std::string_view name : Split(value, ';')) {
    if (name.empty() || Lower(name) != name) {
      return InvalidArgumentError(fmt::format("SignedHeaders '{}' must list lower-case names separated by ';'", value));
    }
    names.emplace_back(name);
  }
  return names;
}

// Values of header `name` (case-insensitive) in the order received, each trimmed and its
// runs of spaces folded to one, joined by ','.
Result<std::string> CanonicalHeaderValue(const RequestView& request, std::string_view name) {
  std::string joined;
  bool found = false;
  for (const auto& [header, value] : request.headers) {
    if (Lower(header) != name) continue;
    if (found) joined.push_back(',');
    found = true;
    bool in_space = false;
    for (char c : Trim(value)) {
      if (c == ' ' || c == '\t') {
        if (!in_space) joined.push_back(' ');
        in_space = true;
      } else {
        joined.push_back(c);
        in_space = false;
      }
    }
  }
  if (!found) return InvalidArgumentError(fmt::format("the signed header '{}' is not in the request", name));
  return joined;
}

std::string CanonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view item : Split(raw_query, '&')) {
    if (item.empty()) continue;
    size_t equals = item.find('=');
    std::string_view name = item.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? std::string_view() : item.substr(equals + 1);
    pairs.emplace_back(UriEncode(PercentDecode(name), false), UriEncode(PercentDecode(value), false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path, PathEncoding encoding) {
  if (raw_path.empty()) return "/";
  if (encoding == PathEncoding::kS3) return UriEncode(PercentDecode(raw_path), true);
  return UriEncode(raw_path, true);
}

}  // namespace

std::string Scope::ToString() const { return fmt::format("{}/{}/{}/{}", date, region, service, kTerminator); }

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (unsigned char c : bytes) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 0xf]};
    }
  }
  return out;
}

Result<Authorization> ParseAuthorization(std::string_view header) {
  header = Trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm || header.size() == kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return InvalidArgumentError(fmt::format("the Authorization header must start with '{} '", kAlgorithm));
  }
  Authorization out;
  bool has_credential = false, has_headers = false, has_signature = false;
  for (std::string_view item : Split(header.substr(kAlgorithm.size() + 1), ',')) {
    item = Trim(item);
    size_t equals = item.find('=');
    std::string_view key = item.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? std::string_view() : item.substr(equals + 1);
    if (key == "Credential") {
      ASSIGN_OR_RETURN(out.scope, ParseCredential(value, out.access_key_id));
      has_credential = true;
    } else if (key == "SignedHeaders") {
      ASSIGN_OR_RETURN(out.signed_headers, ParseSignedHeaders(value));
      has_headers = true;
    } else if (key == "Signature") {
      if (value.size() != 64 || !IsLowerHex(value)) {
        return InvalidArgumentError("the Signature must be 64 lower-case hex digits");
      }
      out.signature = std::string(value);
      has_signature = true;
    } else {
      return InvalidArgumentError(fmt::format("unexpected '{}' in the Authorization header", key));
    }
  }
  if (!has_credential || !has_headers || !has_signature) {
    return InvalidArgumentError("the Authorization header needs Credential, SignedHeaders and Signature");
  }
  return out;
}

Result<std::string> CanonicalRequest(const RequestView& request, const std::vector<std::string>& signed_headers,
                                     PathEncoding encoding) {
  std::vector<std::string> names = signed_headers;
  std::sort(names.begin(), names.end());
  if (!std::binary_search(names.begin(), names.end(), "host")) {
    return InvalidArgumentError("SignedHeaders must include 'host'");
  }
  std::string headers, list;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::string value, CanonicalHeaderValue(request, name));
    headers += name + ":" + value + "\n";
    list += (list.empty() ? "" : ";") + name;
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, CanonicalUri(request.raw_path, encoding),
                     CanonicalQuery(request.raw_query), headers, list, request.payload_hash);
}

std::string StringToSign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope.ToString(), Sha256Hex(canonical_request));
}

std::string SigningKey(std::string_view secret, const Scope& scope) {
  std::string key = HmacSha256("AWS4" + std::string(secret), scope.date);
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  return HmacSha256(key, kTerminator);
}

std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign) {
  return HmacSha256Hex(signing_key, string_to_sign);
}

Status Verify(const RequestView& request, const Authorization& authorization, std::string_view amz_date,
              std::string_view secret, PathEncoding encoding) {
  ASSIGN_OR_RETURN(std::string canonical, CanonicalRequest(request, authorization.signed_headers, encoding));
  const std::string expected =
      SignatureHex(SigningKey(secret, authorization.scope), StringToSign(amz_date, authorization.scope, canonical));
  if (!ConstantTimeEquals(expected, authorization.signature)) {
    return UnauthenticatedError(
        "the request signature we calculated does not match the signature you provided: check the secret (the "
        "labelloop API token) and the signing method");
  }
  return OkStatus();
}

}  // namespace labelloop::auth::sigv4
