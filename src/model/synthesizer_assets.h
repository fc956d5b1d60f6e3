// Loading the Synthesizer's image folders (background photos, decoy logos) from set-up
// assets. Missing folders are allowed (a warning; generated images stand in). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "model/synthesizer.h"

namespace labelloop::model {

// Every decodable image under `dir` in path order (renders depend on the order), shrunk so
// its long side is at most `max_side_px`; BGRA when `keep_alpha`, else BGR. Unreadable files
// are skipped with a warning.
std::vector<cv::Mat> LoadImageFolder(const std::string& dir, bool keep_alpha, int max_side_px);

// A Synthesizer over the background photos in `backgrounds_dir` and decoys in `decoys_dir`.
Synthesizer LoadSynthesizer(const std::string& backgrounds_dir, const std::string& decoys_dir);

}  // namespace labelloop::model
