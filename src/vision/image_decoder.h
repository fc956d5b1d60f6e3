// Image intake: bytes -> 8-bit BGR (or BGRA) cv::Mat, with specific errors for bad input.
// PNG (alpha composited on white, palette, 16-bit, grey), JPEG (EXIF orientation applied,
// CMYK, progressive), WebP, BMP, TIFF. Headers are checked (size, completeness) before any
// pixel is decoded (image_header.h: sizes read the way the decoder library reads them),
// and no exception leaves this module. Thread-safe (stateless).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "common/status.h"

namespace labelloop::vision {

struct DecodeLimits {
  // width*height above this is a decompression bomb; so is a decoder working buffer the
  // file sizes itself (a TIFF tile or strip) above it.
  int64_t max_pixels = 50'000'000;
  int64_t max_bytes = 64 * 1024 * 1024;   // encoded size
  // Each scan of a progressive JPEG decodes the whole image again: 2,000 repeated 14-byte
  // scans of a 2000x2000 image (52 KB) took libjpeg-turbo 47 s (measured). Real
  // progressive JPEGs have about 10.
  int64_t max_jpeg_scans = 100;
};

// Errors name `name` and the problem. ResourceExhausted for limits, read from the headers
// before anything is decoded:
//   "image 'x' is 30000x30000 = 900 Mpixel, above the 50 Mpixel limit"
//   "image 'x' asks the decoder for a 16384x16384 tile or strip buffer = 268 Mpixel, above ..."
//   "image 'x' is 70.0 MiB, above the 64.0 MiB limit"
//   "image 'x' has 2001 JPEG scans, above the limit of 100"
// InvalidArgument for everything else:
//   "empty image 'x' (0 bytes)"
//   "unsupported image format GIF in 'x'" (also HEIC, AVIF, PDF, SVG...; unknown bytes:
//     "unsupported image format in 'x': not a JPEG, PNG, WebP, BMP or TIFF file ...")
//   "truncated JPEG 'x': no end-of-image marker after the image data"
//   "truncated PNG 'x': no IEND chunk ..." (likewise WebP, BMP)
//   "corrupt JPEG 'x': ..." (bad headers, or the decoder could not read the pixels)
//   "corrupt TIFF 'x': tag 256 (ImageWidth) appears more than once in the first directory"
//
// Returns 3-channel BGR uint8. 16-bit samples are scaled (v/257, rounded), grey is
// expanded, transparent and semi-transparent pixels are composited on white, and the
// JPEG EXIF orientation is applied (so width and height may be swapped).
Result<cv::Mat> DecodeImage(std::string_view bytes, std::string_view name,
                            const DecodeLimits& limits = {});

// Like DecodeImage but keeps transparency: 4-channel BGRA uint8 (straight alpha, 255
// when the image has none). Used for logo files in synthetic composites.
Result<cv::Mat> DecodeImageWithAlpha(std::string_view bytes, std::string_view name,
                                     const DecodeLimits& limits = {});

// The format sniffed from magic bytes: "jpeg", "png", "webp", "bmp", "tiff", "gif", or "".
std::string_view SniffImageFormat(std::string_view bytes);

// File names the bucket treats as images (by extension, case-insensitive): jpg, jpeg,
// jpe, jfif, png, webp, bmp, tif, tiff. GIF is not one: it cannot be decoded.
bool HasImageExtension(std::string_view name);

}  // namespace labelloop::vision
