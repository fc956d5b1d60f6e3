// The container headers of an encoded image, read before anything is decoded: what the
// decoder library (OpenCV over libjpeg, libpng, libwebp, libtiff) will allocate for it, its
// EXIF orientation and whether the file is complete. Every read is bounds-checked; the
// sizes are taken the way the decoder library takes them (first SOF, IHDR, VP8X canvas,
// first TIFF directory), and anything ambiguous (a duplicated TIFF tag) is refused.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace labelloop::vision {

struct ImageHeader {
  int64_t width = 0;
  int64_t height = 0;
  // A working buffer the decoder allocates beside the image (TIFF: one tile or strip,
  // whose size the file chooses); 0x0 when there is none.
  int64_t buffer_width = 0;
  int64_t buffer_height = 0;
  int64_t jpeg_scans = 0;                // start-of-scan markers (progressive JPEGs have ~10)
  int orientation = 1;                   // EXIF 1..8 (JPEG only)
  int png_color_type = -1;
  int png_bit_depth = 0;
  std::optional<uint16_t> png_grey_key;  // tRNS of a grey PNG: that value is transparent
};

// Reads the headers of `bytes`, whose sniffed `format` is "jpeg", "png", "webp", "bmp" or
// "tiff" (SniffImageFormat). Fills `out` as far as it got even on error, so a caller can
// refuse a decompression bomb from its dimensions when the rest of the file is broken.
// InvalidArgument "corrupt <FORMAT> '<name>': ..." or "truncated <FORMAT> '<name>': ...",
// or "unsupported image format animated WebP in '<name>'".
Status ReadImageHeader(std::string_view format, std::string_view bytes, std::string_view name,
                       ImageHeader* out);

// "JPEG", "PNG", "WebP", "BMP", "TIFF", "GIF"; "image" for anything else.
std::string_view ImageFormatDisplayName(std::string_view format);

// InvalidArgument "corrupt <FORMAT> '<name>': <detail>".
Status CorruptImageError(std::string_view format, std::string_view name, const std::string& detail);

}  // namespace labelloop::vision
