// Object keys (store/object_keys.h): what ValidateObjectKey accepts is safe as a relative
// path, QuoteKey always gives printable, JSON-safe text, and the key builders agree with
// the validators.
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "store/object_keys.h"

using namespace labelloop;

namespace {

void CheckAcceptedKey(std::string_view key) {
  fuzz::Require(!key.empty() && key.size() <= store::kMaxObjectKeyBytes, "accepted key size");
  fuzz::Require(key.front() != '/' && key.back() != '/', "accepted key is relative, no trailing slash");
  fuzz::Require(key.find('\\') == std::string_view::npos && key.find('\0') == std::string_view::npos,
                "accepted key has no backslash or NUL");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    fuzz::Require(!segment.empty() && segment.front() != '.', "no empty, dot or hidden segment", key);
    start = end + 1;
  }
  fuzz::Require(store::ValidateObjectPrefix(key).ok(), "an accepted key is an accepted prefix");
  // A key's label folder may be longer than a label may be (ListLabeledImages ignores it);
  // otherwise it is a valid label.
  std::string label = store::LabelOfLabeledImageKey(key);
  if (!label.empty() && label.size() <= store::kMaxLabelNameBytes) {
    fuzz::Require(store::ValidateLabelName(label).ok(), "a key's label is a valid label", key);
  }
  fuzz::Require(!store::BaseName(key).empty(), "an accepted key has a base name");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsText(data, size);
  Status key = store::ValidateObjectKey(text);
  if (key.ok()) CheckAcceptedKey(text);
  else fuzz::RequireDumpable(key.message(), "ValidateObjectKey message");
  Status prefix = store::ValidateObjectPrefix(text);
  if (!prefix.ok()) fuzz::RequireDumpable(prefix.message(), "ValidateObjectPrefix message");
  Status label = store::ValidateLabelName(text);
  if (label.ok()) {
    fuzz::Require(store::ValidateObjectKey(store::LabeledImagesPrefix(text) + "x.png").ok(), "label folder key");
  } else {
    fuzz::RequireDumpable(label.message(), "ValidateLabelName message");
  }
  std::string quoted = store::QuoteKey(text);
  fuzz::RequireDumpable(quoted, "QuoteKey");
  for (unsigned char c : quoted) fuzz::Require(c >= 0x20 && c != 0x7F, "QuoteKey has no control bytes", quoted);
  fuzz::Require(quoted.size() <= 4 * 203 + 40, "QuoteKey is capped (200 bytes shown, each at most \\xNN)", quoted);
  // flow '\n' task '\n' time: the review output key builder.
  size_t a = text.find('\n'), b = a == std::string_view::npos ? a : text.find('\n', a + 1);
  if (b != std::string_view::npos) {
    int64_t time_ms = static_cast<int64_t>(text.size() - b) * 3'600'000'123LL;
    Result<std::string> out = store::HumanLoopOutputKey(text.substr(0, a), time_ms, text.substr(a + 1, b - a - 1));
    if (out.ok()) fuzz::Require(store::ValidateObjectKey(*out).ok(), "HumanLoopOutputKey is a valid key", *out);
  }
  return 0;
}
