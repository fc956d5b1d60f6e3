#include "notify/mail_address.h"

#include <fmt/format.h>

#include <algorithm>

namespace labelloop::notify {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string_view AddressView(std::string_view mailbox) {
  const size_t open = mailbox.rfind('<');
  if (open == std::string_view::npos) return Trim(mailbox);
  const size_t close = mailbox.find('>', open);
  return mailbox.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
}

}  // namespace

Status CheckMailbox(std::string_view mailbox) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgumentError(fmt::format("mail address \"{}\" {}", mailbox, why));
  };
  if (std::any_of(mailbox.begin(), mailbox.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return bad("contains a control character (such as a line break)");
  }
  const size_t open = mailbox.rfind('<');
  if (open != std::string_view::npos) {
    const size_t close = mailbox.find('>', open);
    if (close == std::string_view::npos || !Trim(mailbox.substr(close + 1)).empty()) {
      return bad("must end with <user@host>");
    }
    const std::string_view name = mailbox.substr(0, open);
    if (name.find_first_of("<>\"") != std::string_view::npos) return bad("has '<', '>' or '\"' in its display name");
  } else if (mailbox.find('>') != std::string_view::npos) {
    return bad("has '>' without '<'");
  }
  const std::string_view address = AddressView(mailbox);
  const size_t at = address.find('@');
  if (address.empty() || at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return bad("must contain an address user@host");
  }
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') {
      return bad(fmt::format("has a character not allowed in an address: '{}'", c));
    }
  }
  return OkStatus();
}

std::string AddressOf(std::string_view mailbox) { return std::string(AddressView(mailbox)); }

std::string DomainOf(std::string_view mailbox) {
  const std::string address = AddressOf(mailbox);
  const size_t at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

}  // namespace labelloop::notify
