// All object key names are built and checked here (like leveldb's filename.h), so the
// bucket layout lives in one file. Invariant: every key a store accepts passed
// ValidateObjectKey, so it is safe as a relative path on every store. Thread-safe (stateless).
#pragma once

#include <cstdint>
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
inline constexpr size_t kMaxLabelNameBytes = 128;

// OK for a key that is safe on every store: non-empty, valid UTF-8 (no overlong forms, no
// surrogates), at most 1024 bytes, no control characters (C0 incl. NUL, DEL, C1), no
// backslash, not absolute, no empty, "." or ".." segment, no trailing '/', and no segment
// that starts with '.' (hidden names: the local store keeps its temp and metadata files
// there, and editors', rsync's and Finder's hidden files must not become objects).
// InvalidArgument otherwise; the message names the key (via QuoteKey) and the rule.
Status ValidateObjectKey(std::string_view key);
// Same rules for a prefix, except that it may be empty and may end with '/'.
Status ValidateObjectPrefix(std::string_view prefix);
// A label (folder name): one valid key segment (no '/'), at most 128 bytes.
Status ValidateLabelName(std::string_view label);

// "images_labeled_by_folder/<label>/" for a label. REQUIRES: ValidateLabelName(label).ok().
std::string LabeledImagesPrefix(std::string_view label);
// The label of a key under images_labeled_by_folder/: its first folder. Empty when the key
// is not inside a label folder (e.g. a file directly under the prefix).
std::string LabelOfLabeledImageKey(std::string_view key);
std::string ManifestKey(std::string_view version);             // manifests/<version>.manifest
std::string EvaluationKey(std::string_view version);           // evaluation/<version>/evaluation.json
std::string ModelArtifactKey(std::string_view version);        // evaluation/<version>/model.bin
// "a2i-human-loop-data/<flow>/<yyyy>/<mm>/<dd>/<hh>/<task_name>/output.json", the date and
// hour in UTC of `time_ms` (the review task's completion). InvalidArgument unless `flow` and
// `task_name` are safe names (1-128 bytes of [A-Za-z0-9._-], not starting with '.') and
// time_ms >= 0.
Result<std::string> HumanLoopOutputKey(std::string_view flow, int64_t time_ms, std::string_view task_name);
// The key's last segment ("a/b/c.png" -> "c.png").
std::string_view BaseName(std::string_view key);

// Printable form of an untrusted key for error messages: wrapped in single quotes, with
// control bytes, invalid UTF-8 bytes, backslash and quote escaped as \xNN (or \\, \'),
// and capped at about 200 bytes ("...(1500 bytes)").
std::string QuoteKey(std::string_view key);

}  // namespace labelloop::store
