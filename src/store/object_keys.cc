#include "store/object_keys.h"

#include <fmt/format.h>

#include <cstdint>
#include <ctime>
#include <optional>

namespace labelloop::store {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid (truncated,
// overlong, surrogate, above U+10FFFF, stray continuation byte). `code_point` receives the
// decoded value.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t length = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return length;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Checks the rules shared by keys, prefixes and labels. `what` is "object key", "prefix"
// or "label" and starts every message.
Status CheckPath(std::string_view s, std::string_view what, bool is_prefix, size_t max_bytes) {
  if (s.empty()) {
    if (is_prefix) return OkStatus();
    return InvalidArgumentError(fmt::format("{} is empty", what));
  }
  if (s.size() > max_bytes) {
    return InvalidArgumentError(fmt::format("{} {} is {} bytes long, more than the {} allowed", what,
                                            QuoteKey(s), s.size(), max_bytes));
  }
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(s, i, &cp);
    if (length == 0) {
      return InvalidArgumentError(
          fmt::format("{} {} is not valid UTF-8 (at byte {})", what, QuoteKey(s), i));
    }
    if (IsControl(cp)) {
      return InvalidArgumentError(fmt::format("{} {} contains control character U+{:04X} (at byte {})",
                                              what, QuoteKey(s), cp, i));
    }
    if (cp == '\\') {
      return InvalidArgumentError(
          fmt::format("{} {} contains a backslash (use '/' between folders)", what, QuoteKey(s)));
    }
    i += length;
  }
  if (s.front() == '/') {
    return InvalidArgumentError(
        fmt::format("{} {} is absolute (starts with '/'); keys are relative to the bucket", what,
                    QuoteKey(s)));
  }
  if (s.back() == '/' && !is_prefix) {
    return InvalidArgumentError(
        fmt::format("{} {} ends with '/' (that names a folder, not an object)", what, QuoteKey(s)));
  }
  // Segments; in a prefix the last one may be partial ("images_l") or empty (after '/').
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view segment = s.substr(start, end - start);
    const bool last = end == s.size();
    if (segment.empty() && !(last && is_prefix)) {
      return InvalidArgumentError(
          fmt::format("{} {} has an empty segment ('//')", what, QuoteKey(s)));
    }
    if (segment == "." || segment == "..") {
      return InvalidArgumentError(
          fmt::format("{} {} has a '{}' segment; relative path steps are not allowed", what,
                      QuoteKey(s), segment));
    }
    if (!segment.empty() && segment.front() == '.') {
      return InvalidArgumentError(fmt::format(
          "{} {} has a hidden segment {} (names starting with '.' are reserved)", what,
          QuoteKey(s), QuoteKey(segment)));
    }
    if (last) break;
    start = end + 1;
  }
  return OkStatus();
}

}  // namespace

const std::vector<std::string_view>& TopLevelPrefixes() {
  static const std::vector<std::string_view> kPrefixes = {
      kHumanLoopPrefix, kEvaluationPrefix, kDetectionPrefix, kLabeledPrefix, kManifestPrefix};
  return kPrefixes;
}

Status ValidateObjectKey(std::string_view key) {
  return CheckPath(key, "object key", /*is_prefix=*/false, kMaxObjectKeyBytes);
}

Status ValidateObjectPrefix(std::string_view prefix) {
  return CheckPath(prefix, "prefix", /*is_prefix=*/true, kMaxObjectKeyBytes);
}

Status ValidateLabelName(std::string_view label) {
  if (label.find('/') != std::string_view::npos) {
    return InvalidArgumentError(
        fmt::format("label {} contains '/'; a label is one folder name", QuoteKey(label)));
  }
  return CheckPath(label, "label", /*is_prefix=*/false, kMaxLabelNameBytes);
}

std::string LabeledImagesPrefix(std::string_view label) {
  return fmt::format("{}{}/", kLabeledPrefix, label);
}

std::string LabelOfLabeledImageKey(std::string_view key) {
  if (!key.starts_with(kLabeledPrefix)) return "";
  const std::string_view rest = key.substr(kLabeledPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return "";
  return std::string(rest.substr(0, slash));
}

std::string ManifestKey(std::string_view version) {
  return fmt::format("{}{}.manifest", kManifestPrefix, version);
}

std::string EvaluationKey(std::string_view version) {
  return fmt::format("{}{}/evaluation.json", kEvaluationPrefix, version);
}

std::string ModelArtifactKey(std::string_view version) {
  return fmt::format("{}{}/model.bin", kEvaluationPrefix, version);
}

namespace {

// A URL- and path-safe name: 1-128 bytes of [A-Za-z0-9._-], not starting with '.'.
Status CheckSafeName(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > kMaxLabelNameBytes) {
    return InvalidArgumentError(fmt::format("{} {} must be 1 to {} bytes long (is {})", what, QuoteKey(name),
                                            kMaxLabelNameBytes, name.size()));
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) {
      return InvalidArgumentError(
          fmt::format("{} {} may only contain letters, digits, '-', '_' and '.'", what, QuoteKey(name)));
    }
  }
  if (name.front() == '.') {
    return InvalidArgumentError(fmt::format("{} {} must not start with '.'", what, QuoteKey(name)));
  }
  return OkStatus();
}

}  // namespace

Result<std::string> HumanLoopOutputKey(std::string_view flow, int64_t time_ms, std::string_view task_name) {
  RETURN_IF_ERROR(CheckSafeName(flow, "human loop flow name"));
  RETURN_IF_ERROR(CheckSafeName(task_name, "review task name"));
  if (time_ms < 0) {
    return InvalidArgumentError(fmt::format("human loop output time {} ms is before 1970", time_ms));
  }
  const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm t{};
  if (gmtime_r(&seconds, &t) == nullptr) {
    return InvalidArgumentError(fmt::format("human loop output time {} ms cannot be shown as a UTC date", time_ms));
  }
  return fmt::format("{}{}/{:04}/{:02}/{:02}/{:02}/{}/output.json", kHumanLoopPrefix, flow, t.tm_year + 1900,
                     t.tm_mon + 1, t.tm_mday, t.tm_hour, task_name);
}

std::string_view BaseName(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

std::string QuoteKey(std::string_view key) {
  constexpr size_t kMaxShownBytes = 200;
  std::string out = "'";
  size_t i = 0;
  while (i < key.size() && i < kMaxShownBytes) {
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(key, i, &cp);
    if (length == 0 || IsControl(cp)) {
      // Escape each byte of an invalid or control sequence.
      const size_t n = length == 0 ? 1 : length;
      for (size_t k = 0; k < n; ++k) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(key[i + k]));
      }
      i += n;
    } else if (cp == '\\' || cp == '\'') {
      out += '\\';
      out += static_cast<char>(cp);
      i += 1;
    } else {
      out.append(key.substr(i, length));
      i += length;
    }
  }
  out += '\'';
  if (i < key.size()) out += fmt::format("...({} bytes)", key.size());
  return out;
}

}  // namespace labelloop::store
