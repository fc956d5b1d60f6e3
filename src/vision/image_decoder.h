// Image intake: bytes -> 8-bit BGR (or BGRA) cv::Mat, with specific errors for bad input.
// PNG (alpha composited on white, palette, 16-bit, grey), JPEG (EXIF orientation applied,
// CMYK, progressive), WebP, BMP, TIFF. Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "common/status.h"

namespace labelloop::vision {

struct DecodeLimits {
  int64_t max_pixels = 50'000'000;        // width*height above this is a decompression bomb
  int64_t max_bytes = 64 * 1024 * 1024;   // encoded size
};

// Error codes (all InvalidArgument, except ResourceExhausted for limits), with messages
// that name `name`: "empty image 'x' (0 bytes)", "truncated JPEG 'x': no end-of-image
// marker", "unsupported image format GIF in 'x'", "corrupt image 'x': ...",
// "image 'x' is 30000x30000 = 900 Mpixel, above the 50 Mpixel limit".
//
// Returns 3-channel BGR uint8; transparent pixels are composited on white.
Result<cv::Mat> DecodeImage(std::string_view bytes, std::string_view name,
                            const DecodeLimits& limits = {});

// Like DecodeImage but keeps transparency: 4-channel BGRA uint8 (alpha 255 when the image
// has none). Used for logo files in synthetic composites.
Result<cv::Mat> DecodeImageWithAlpha(std::string_view bytes, std::string_view name,
                                     const DecodeLimits& limits = {});

// The format sniffed from magic bytes: "jpeg", "png", "webp", "bmp", "tiff", "gif", or "".
std::string_view SniffImageFormat(std::string_view bytes);

// File names the bucket treats as images (by extension, case-insensitive).
bool HasImageExtension(std::string_view name);

}  // namespace labelloop::vision
