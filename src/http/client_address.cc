#include "http/client_address.h"

#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>

namespace labelloop::http {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool IsTrusted(std::string_view address, const std::vector<std::string>& trusted) {
  return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
}

}  // namespace

bool IsIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  const std::string s(text);
  unsigned char buffer[16];
  return inet_pton(AF_INET, s.c_str(), buffer) == 1 || inet_pton(AF_INET6, s.c_str(), buffer) == 1;
}

Status ValidateTrustedProxies(const std::vector<std::string>& proxies) {
  for (const std::string& p : proxies) {
    if (!IsIpAddress(p)) {
      return InvalidArgumentError(fmt::format(
          "\"trusted_proxies\": '{}' is not an IP address (list the reverse proxy's address, e.g. \"127.0.0.1\")", p));
    }
  }
  return OkStatus();
}

std::string ClientAddress(std::string_view remote_addr, std::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies) {
  if (!IsTrusted(remote_addr, trusted_proxies)) return std::string(remote_addr);
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string_view entry = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (entry.empty()) continue;
    if (!IsIpAddress(entry)) break;
    if (!IsTrusted(entry, trusted_proxies)) return std::string(entry);
  }
  return std::string(remote_addr);
}

}  // namespace labelloop::http
