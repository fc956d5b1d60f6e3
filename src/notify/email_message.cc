#include "notify/email_message.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "notify/mail_address.h"

namespace labelloop::notify {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kMaxPlainHeaderSize = 900;                 // of RFC 5322's 998 per line
constexpr size_t kEncodedWordBytes = 39;                    // 52 base64 characters per word

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid; `code_point` set.
size_t Utf8SequenceAt(std::string_view s, size_t i, uint32_t* code_point) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = b(i);
  size_t n = 0;
  uint32_t cp = 0;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    n = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, surrogate
  *code_point = cp;
  return n;
}

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// "Name <user@host>" as a header value: the display name quoted (or encoded when it is not
// ASCII), the address as is.
std::string FormatMailbox(std::string_view mailbox, size_t header_name_size) {
  const std::string address = AddressOf(mailbox);
  const size_t open = mailbox.rfind('<');
  std::string name = open == std::string_view::npos ? "" : SanitizeHeaderText(mailbox.substr(0, open));
  if (name.empty()) return address;
  if (IsPrintableAscii(name)) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '\\' || c == '"') quoted += '\\';
      quoted += c;
    }
    return quoted + "\" <" + address + ">";
  }
  return EncodeHeaderText(name, header_name_size) + " <" + address + ">";
}

std::string MessageIdDomain(std::string_view from) {
  std::string domain = DomainOf(from);
  const bool ok = !domain.empty() && std::all_of(domain.begin(), domain.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
  return ok ? domain : "labelloop.invalid";
}

}  // namespace

std::string FormatRfc5322Date(int64_t ms_since_epoch) {
  const std::time_t seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string SanitizeHeaderText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto add_space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t n = Utf8SequenceAt(text, i, &cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    // C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    if (cp < 0x20 || cp == 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
      add_space();
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string EncodeHeaderText(std::string_view text, size_t header_name_size) {
  if (IsPrintableAscii(text) && header_name_size + text.size() <= kMaxPlainHeaderSize) return std::string(text);
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      uint32_t cp = 0;
      const size_t n = std::max<size_t>(1, Utf8SequenceAt(text, end, &cp));
      if (end + n - start > kEncodedWordBytes && end > start) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string EncodeQuotedPrintable(std::string_view text) {
  std::string out;
  size_t line_start = 0;
  while (line_start <= text.size()) {
    size_t line_end = text.find('\n', line_start);
    const bool last = line_end == std::string_view::npos;
    if (last) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t column = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      const bool at_end = i + 1 == line.size();
      std::string token;
      if ((c == ' ' || c == '\t') && !at_end) {
        token = static_cast<char>(c);
      } else if (c >= 33 && c <= 126 && c != '=') {
        token = static_cast<char>(c);
      } else {
        token = fmt::format("={:02X}", c);
      }
      if (column + token.size() > 75) {  // the soft break's '=' is the 76th character
        out += "=\r\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    if (last) break;
    out += "\r\n";
    line_start = line_end + 1;
  }
  return out;
}

std::string FormatEmailMessage(const Notification& n, std::string_view from, const std::vector<std::string>& to) {
  std::string body = n.body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::string to_header;
  for (const std::string& mailbox : to) to_header += (to_header.empty() ? "" : ", ") + FormatMailbox(mailbox, 4);

  // 7bit when every line is short ASCII (the usual case: readable as is); else QP.
  bool seven_bit = std::all_of(body.begin(), body.end(), [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); });
  for (size_t start = 0; seven_bit && start < body.size();) {
    const size_t end = body.find('\n', start);
    if (end - start > 998) seven_bit = false;
    start = end + 1;
  }
  std::string encoded_body;
  if (seven_bit) {
    for (char c : body) encoded_body += c == '\n' ? std::string("\r\n") : std::string(1, c);
  } else {
    encoded_body = EncodeQuotedPrintable(body);
  }

  std::string m;
  m += "Date: " + FormatRfc5322Date(n.created_ms) + "\r\n";
  m += "From: " + FormatMailbox(from, 6) + "\r\n";
  m += "To: " + to_header + "\r\n";
  m += "Subject: " + EncodeHeaderText(SanitizeHeaderText(n.subject), 9) + "\r\n";
  m += fmt::format("Message-ID: <labelloop.notification.{}.{}@{}>\r\n", n.id, n.created_ms, MessageIdDomain(from));
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += std::string("Content-Transfer-Encoding: ") + (seven_bit ? "7bit" : "quoted-printable") + "\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += fmt::format("X-Labelloop-Notification: {}\r\n", n.id);
  m += "\r\n";
  m += encoded_body;
  return m;
}

}  // namespace labelloop::notify
