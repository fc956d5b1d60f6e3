// Benchmark image folders (../shared/bench/<set>/{train_k*,test,none,unknown}) for the
// programs that train and score through the product's code (fewshot_eval, labels_curve),
// and their comma-separated options. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/status.h"

namespace labelloop::bench {

struct FileImage {
  std::string path;   // relative to the folder it was loaded from
  std::string hash;   // SHA-256 of the file's bytes (the embedding cache's key)
  std::string label;  // its first folder under the root when labelled, else ""
  cv::Mat bgra;       // decoded with transparency; empty unless asked for
};

// The image files under `root` (recursive, sorted by path); unreadable ones are skipped
// with a message on stderr. `decode` false leaves bgra empty (DecodeFileImage later), so a
// large set costs memory only for its hashes.
std::vector<FileImage> LoadTree(const std::filesystem::path& root, bool labelled, bool decode = true);

// The image at root / image.path, decoded with transparency (BGRA).
Result<cv::Mat> DecodeFileImage(const std::filesystem::path& root, const FileImage& image);

std::vector<int> ParseInts(const std::string& csv);
std::vector<std::string> ParseStrings(const std::string& csv);

}  // namespace labelloop::bench
