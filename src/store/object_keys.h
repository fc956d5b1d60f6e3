// All object key names are built and checked here (like leveldb's filename.h), so the
// bucket layout lives in one file. Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace labelloop::store {

// The five top-level prefixes, with trailing '/'.
inline constexpr std::string_view kHumanLoopPrefix = "a2i-human-loop-data/";
inline constexpr std::string_view kEvaluationPrefix = "evaluation/";
inline constexpr std::string_view kDetectionPrefix = "images_for_detection/";
inline constexpr std::string_view kLabeledPrefix = "images_labeled_by_folder/";
inline constexpr std::string_view kManifestPrefix = "manifests/";
const std::vector<std::string_view>& TopLevelPrefixes();

inline constexpr size_t kMaxObjectKeyBytes = 1024;

// OK for a key that is safe on every store: non-empty, valid UTF-8, at most 1024 bytes,
// no control characters, no backslash, not absolute, no empty, "." or ".." segment, no
// trailing '/'. The error names the key (escaped) and the rule it broke.
Status ValidateObjectKey(std::string_view key);
// Same rules for a prefix, except that it may be empty and may end with '/'.
Status ValidateObjectPrefix(std::string_view prefix);
// A label (folder name): one valid key segment, at most 128 bytes.
Status ValidateLabelName(std::string_view label);

// "images_labeled_by_folder/<label>/" for a label.
std::string LabeledImagesPrefix(std::string_view label);
// The label of a key under images_labeled_by_folder/: its first folder. Empty when the key
// is not inside a label folder (e.g. a file directly under the prefix).
std::string LabelOfLabeledImageKey(std::string_view key);
std::string ManifestKey(std::string_view version);             // manifests/<version>.manifest
std::string EvaluationKey(std::string_view version);           // evaluation/<version>/evaluation.json
std::string ModelArtifactKey(std::string_view version);        // evaluation/<version>/model.bin
// The key's last segment ("a/b/c.png" -> "c.png").
std::string_view BaseName(std::string_view key);

// Printable form of an untrusted key for error messages (control bytes escaped, capped).
std::string QuoteKey(std::string_view key);

}  // namespace labelloop::store
