#include "notify/testing/received_email.h"

#include <cctype>
#include <string_view>

namespace labelloop::notify::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string DecodeBase64(std::string_view in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    if (v < 0) continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string DecodeQuotedPrintable(std::string_view in, bool underscore_is_space) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) {  // soft break
      i += (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') ? 2 : 1;
    } else if (in[i] == '=' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else if (underscore_is_space && in[i] == '_') {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return out;
}

// Decodes "=?charset?B|Q?text?=" words; white space between two words is dropped.
std::string DecodeHeaderWords(std::string_view value) {
  std::string out;
  size_t i = 0;
  bool last_was_word = false;
  while (i < value.size()) {
    const size_t start = value.find("=?", i);
    if (start == std::string_view::npos) {
      out.append(value.substr(i));
      break;
    }
    const size_t q1 = value.find('?', start + 2);
    const size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    const size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos) {
      out.append(value.substr(i));
      break;
    }
    std::string_view between = value.substr(i, start - i);
    if (!(last_was_word && between.find_first_not_of(" \t") == std::string_view::npos)) out.append(between);
    const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
    const std::string_view text = value.substr(q2 + 1, end - q2 - 1);
    out += encoding == 'B' ? DecodeBase64(text) : DecodeQuotedPrintable(text, true);
    last_was_word = true;
    i = end + 2;
  }
  return out;
}

}  // namespace

std::string ReceivedEmail::Header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? "" : it->second;
}

ReceivedEmail ParseReceivedEmail(const std::string& raw_in) {
  std::string raw;  // LF line ends
  for (size_t i = 0; i < raw_in.size(); ++i) {
    if (raw_in[i] == '\r' && i + 1 < raw_in.size() && raw_in[i + 1] == '\n') continue;
    raw += raw_in[i];
  }
  ReceivedEmail email;
  size_t header_end = raw.find("\n\n");
  const std::string head = raw.substr(0, header_end == std::string::npos ? raw.size() : header_end + 1);
  std::string body = header_end == std::string::npos ? "" : raw.substr(header_end + 2);
  std::string name, value;
  const auto flush = [&] {
    if (!name.empty()) email.headers.emplace(Lower(name), value);
    name.clear();
    value.clear();
  };
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string::npos) eol = head.size();
    const std::string line = head.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {  // folded continuation
      value += line;
      continue;
    }
    flush();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  }
  flush();
  email.subject = DecodeHeaderWords(email.Header("subject"));
  email.body = Lower(email.Header("content-transfer-encoding")) == "quoted-printable"
                   ? DecodeQuotedPrintable(body, false)
                   : body;
  return email;
}

}  // namespace labelloop::notify::testing
