// Synthesizer: renders synthetic training images by pasting logo cut-outs onto background
// photos, plain colours and gradients, with recolouring, plates, perspective, clutter,
// blur, noise, low resolution and JPEG artefacts. Deterministic: the same (logo, seed)
// gives the same pixels, so synthetic images hit the embedding cache across retrains.
// Immutable after construction; Render* are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <opencv2/core.hpp>

namespace labelloop::model {

// Bumped whenever rendering changes, so cached embeddings of old renders are not reused.
inline constexpr int kSynthesizerVersion = 7;

class Synthesizer {
 public:
  // `backgrounds`: 8-bit BGR photos (may be empty: generated backgrounds only).
  // `decoys`: 8-bit BGRA made-up logos (may be empty: decoys drawn with OpenCV only).
  explicit Synthesizer(std::vector<cv::Mat> backgrounds, std::vector<cv::Mat> decoys = {});

  // A logo cut-out (BGRA, cropped to its visible pixels) from a training image, when the
  // image is a logo file: it has real transparency, or its logo sits on a plain background
  // that can be cut away. nullopt for photos. `bgra`: 8-bit, 4 channels.
  static std::optional<cv::Mat> ExtractLogo(const cv::Mat& bgra);

  // A scene (8-bit BGR, 200-480 px a side) with `logo` pasted in, or, when `logo` is
  // nullptr, a background-class scene (photo, colour or gradient, maybe with made-up
  // distractor marks but none of the labels).
  cv::Mat Render(const cv::Mat* logo, uint64_t seed) const;

  size_t background_count() const { return backgrounds_.size(); }
  size_t decoy_count() const { return decoys_.size(); }

 private:
  cv::Mat Decoy(std::mt19937_64& rng) const;

  std::vector<cv::Mat> backgrounds_;
  std::vector<cv::Mat> decoys_;
};

}  // namespace labelloop::model
