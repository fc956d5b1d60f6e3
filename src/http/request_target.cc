#include "http/request_target.h"

#include <fmt/format.h>

namespace labelloop::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HasControl(std::string_view text, bool allow_tab) {
  for (unsigned char c : text) {
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return InvalidArgumentError(fmt::format("the request {} has a malformed %-escape (expected %XX with hex digits)",
                                                what));
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (HasControl(out, false)) {
    return InvalidArgumentError(fmt::format("the request {} holds a control character (NUL, CR, LF, ...)", what));
  }
  if (!IsValidUtf8(out)) return InvalidArgumentError(fmt::format("the request {} is not valid UTF-8", what));
  return out;
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra = 0;
    uint32_t code = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;  // continuation byte first, 0xc0/0xc1 overlongs, or past U+10FFFF
    }
    if (i + extra >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

Result<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return InvalidArgumentError("the request target must be a path starting with '/' (absolute-form and '*' are "
                                "not served)");
  }
  const size_t question = target.find('?');
  RequestTarget out;
  ASSIGN_OR_RETURN(out.path, PercentDecode(target.substr(0, question), false, "path"));
  if (question == std::string_view::npos) return out;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, equals), true, "query"));
    std::string value;
    if (equals != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(equals + 1), true, "query"));
    }
    out.params.emplace(std::move(name), std::move(value));
  }
  return out;
}

Status CheckHeaderText(std::string_view name, std::string_view value) {
  if (HasControl(name, false) || HasControl(value, true)) {
    return InvalidArgumentError("a request header holds a control character");
  }
  if (!IsValidUtf8(name) || !IsValidUtf8(value)) return InvalidArgumentError("a request header is not valid UTF-8");
  return OkStatus();
}

}  // namespace labelloop::http
