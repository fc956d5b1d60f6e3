#include "vision/image_decoder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace labelloop::vision {
namespace {

// What the container headers say, read before decoding. Decoding itself is left to
// OpenCV; these walks only find dimensions, EXIF orientation and whether the file is
// complete (OpenCV 4.6 decodes a truncated JPEG "successfully", with grey filler).
struct ImageHeader {
  int64_t width = 0;
  int64_t height = 0;
  int orientation = 1;                  // EXIF 1..8 (JPEG only)
  int png_color_type = -1;
  int png_bit_depth = 0;
  std::optional<uint16_t> png_grey_key;  // tRNS of a grey PNG: that value is transparent
};

using Bytes = const uint8_t*;

uint32_t Be16(Bytes p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t Le16(Bytes p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t Be32(Bytes p) { return Be16(p) << 16 | Be16(p + 2); }
uint32_t Le32(Bytes p) { return Le16(p + 2) << 16 | Le16(p); }
uint32_t Le24(Bytes p) { return uint32_t(p[2]) << 16 | Le16(p); }
uint64_t Le64(Bytes p) { return uint64_t(Le32(p + 4)) << 32 | Le32(p); }
uint64_t Be64(Bytes p) { return uint64_t(Be32(p)) << 32 | Be32(p + 4); }

std::string_view DisplayName(std::string_view format) {
  if (format == "jpeg") return "JPEG";
  if (format == "png") return "PNG";
  if (format == "webp") return "WebP";
  if (format == "bmp") return "BMP";
  if (format == "tiff") return "TIFF";
  if (format == "gif") return "GIF";
  return "image";
}

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

Status Corrupt(std::string_view format, std::string_view name, const std::string& detail) {
  return InvalidArgumentError("corrupt " + std::string(DisplayName(format)) + " " + Quoted(name) +
                              ": " + detail);
}
Status Truncated(std::string_view format, std::string_view name, const std::string& detail) {
  return InvalidArgumentError("truncated " + std::string(DisplayName(format)) + " " +
                              Quoted(name) + ": " + detail);
}

std::string Hex(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02X", value);
  return buf;
}

// "900", "2.5", "0.001": enough digits to be meaningful at any scale.
std::string FormatMillions(double value) {
  char buf[32];
  value /= 1e6;
  bool whole = value >= 100 || value == static_cast<double>(static_cast<int64_t>(value));
  std::snprintf(buf, sizeof buf, whole ? "%.0f" : value >= 1 ? "%.1f" : "%.3g", value);
  return buf;
}

// Orientation (tag 0x0112) from a TIFF-structured EXIF block; 1 when absent or malformed.
int ParseExifOrientation(Bytes p, size_t n) {
  if (n < 8) return 1;
  bool le = p[0] == 'I' && p[1] == 'I';
  if (!le && !(p[0] == 'M' && p[1] == 'M')) return 1;
  auto u16 = [&](size_t at) { return le ? Le16(p + at) : Be16(p + at); };
  auto u32 = [&](size_t at) { return le ? Le32(p + at) : Be32(p + at); };
  size_t ifd = u32(4);
  if (ifd + 2 > n) return 1;
  size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > n) break;
    if (u16(entry) != 0x0112) continue;
    uint32_t value = u16(entry + 2) == 3 ? u16(entry + 8) : 1;  // SHORT, inline
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

// Walks the JPEG marker segments and, after each scan, its entropy-coded data to the
// next marker: finds SOF dimensions, the EXIF orientation, and the EOI marker. Bytes
// after EOI (camera padding, appended data) are allowed.
Status ParseJpeg(Bytes p, size_t n, std::string_view name, ImageHeader* out) {
  constexpr std::string_view kFmt = "jpeg";
  bool seen_sof = false, seen_scan = false, seen_exif = false;
  size_t pos = 2;
  while (true) {
    if (pos >= n) break;
    if (p[pos] != 0xFF) {
      return Corrupt(kFmt, name, "byte " + Hex(p[pos]) + " at offset " + std::to_string(pos) +
                                     " where a marker was expected");
    }
    while (pos < n && p[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= n) break;
    uint8_t marker = p[pos++];
    size_t marker_at = pos - 2;
    if (marker == 0xD9) {  // EOI
      if (!seen_scan) return Corrupt(kFmt, name, "end-of-image marker before any image data");
      return OkStatus();
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    bool known = marker >= 0xC0 && marker != 0xD8;  // SOFn, DHT, DAC, DQT, DRI, APPn, COM...
    if (!known) {
      return Corrupt(kFmt, name, "invalid marker " + Hex(marker) + " at offset " +
                                     std::to_string(marker_at));
    }
    if (pos + 2 > n) break;
    size_t length = Be16(p + pos);
    if (length < 2) return Corrupt(kFmt, name, "segment length below 2 at offset " + std::to_string(pos));
    size_t seg = pos + 2, seg_end = pos + length;
    if (seg_end > n) {
      return Truncated(kFmt, name, "segment " + Hex(marker) + " at offset " +
                                       std::to_string(marker_at) + " runs past the end");
    }
    bool is_sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                  marker != 0xCC;
    if (is_sof && !seen_sof) {
      if (length < 8) return Corrupt(kFmt, name, "frame header too short");
      out->height = Be16(p + seg + 1);
      out->width = Be16(p + seg + 3);
      if (out->width == 0 || out->height == 0) {
        return Corrupt(kFmt, name, "frame header says " + std::to_string(out->width) + "x" +
                                       std::to_string(out->height));
      }
      seen_sof = true;
    } else if (marker == 0xE1 && !seen_exif && length >= 8 &&
               std::memcmp(p + seg, "Exif\0\0", 6) == 0) {
      out->orientation = ParseExifOrientation(p + seg + 6, seg_end - seg - 6);
      seen_exif = true;
    }
    pos = seg_end;
    if (marker != 0xDA) continue;  // SOS: entropy-coded data follows the header
    if (!seen_sof) return Corrupt(kFmt, name, "image data before the frame header (SOF)");
    seen_scan = true;
    while (true) {
      auto* ff = static_cast<Bytes>(std::memchr(p + pos, 0xFF, n - pos));
      if (ff == nullptr || ff + 1 >= p + n) {
        pos = n;
        break;
      }
      pos = ff - p;
      uint8_t next = p[pos + 1];
      if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
        pos += 2;  // stuffed 0xFF or restart marker: still inside the scan
      } else if (next == 0xFF) {
        pos += 1;
      } else {
        break;  // a marker: the scan ended
      }
    }
  }
  if (!seen_sof) return Truncated(kFmt, name, "the file ends before the frame header (SOF)");
  return Truncated(kFmt, name, "no end-of-image marker after the image data");
}

// Walks the PNG chunks: IHDR first, then to IEND. Bytes after IEND are allowed.
Status ParsePng(Bytes p, size_t n, std::string_view name, ImageHeader* out) {
  constexpr std::string_view kFmt = "png";
  if (n < 8 + 8 + 13 + 4) return Truncated(kFmt, name, "the file ends inside the IHDR header");
  if (Be32(p + 8) != 13 || std::memcmp(p + 12, "IHDR", 4) != 0) {
    return Corrupt(kFmt, name, "the first chunk is not a 13-byte IHDR");
  }
  out->width = Be32(p + 16);
  out->height = Be32(p + 20);
  out->png_bit_depth = p[24];
  out->png_color_type = p[25];
  if (out->width == 0 || out->height == 0 || out->width > 0x7FFFFFFF || out->height > 0x7FFFFFFF) {
    return Corrupt(kFmt, name, "IHDR says " + std::to_string(out->width) + "x" +
                                   std::to_string(out->height));
  }
  size_t pos = 8;
  while (true) {
    size_t length = pos + 8 <= n ? Be32(p + pos) : 0;
    if (length > 0x7FFFFFFF) {
      return Corrupt(kFmt, name, "chunk length " + std::to_string(length) + " at offset " + std::to_string(pos));
    }
    if (pos + 12 + length > n) {
      return Truncated(kFmt, name, "no IEND chunk (the data stops inside the chunk at offset " +
                                       std::to_string(pos) + " of " + std::to_string(n) + ")");
    }
    Bytes type = p + pos + 4;
    if (std::memcmp(type, "IEND", 4) == 0) return OkStatus();
    if (std::memcmp(type, "tRNS", 4) == 0 && out->png_color_type == 0 && length >= 2) {
      out->png_grey_key = static_cast<uint16_t>(Be16(p + pos + 8));
    }
    pos += 12 + length;
  }
}

// RIFF container: VP8 (lossy), VP8L (lossless) or VP8X (extended: alpha, animation).
Status ParseWebp(Bytes p, size_t n, std::string_view name, ImageHeader* out) {
  constexpr std::string_view kFmt = "webp";
  size_t riff_end = size_t{Le32(p + 4)} + 8;
  if (riff_end > n) {
    return Truncated(kFmt, name, "the RIFF header says " + std::to_string(riff_end) +
                                     " bytes, the data has " + std::to_string(n));
  }
  if (riff_end < 12 + 8 + 10) return Corrupt(kFmt, name, "no image chunk");
  Bytes chunk = p + 12, data = p + 20;
  size_t chunk_size = Le32(chunk + 4);
  if (20 + chunk_size > riff_end) return Corrupt(kFmt, name, "the first chunk runs past the RIFF end");
  if (std::memcmp(chunk, "VP8X", 4) == 0 && chunk_size >= 10) {
    if (data[0] & 0x02) return InvalidArgumentError("unsupported image format animated WebP in " + Quoted(name));
    out->width = int64_t{Le24(data + 4)} + 1;
    out->height = int64_t{Le24(data + 7)} + 1;
  } else if (std::memcmp(chunk, "VP8 ", 4) == 0 && chunk_size >= 10) {
    if (data[3] != 0x9D || data[4] != 0x01 || data[5] != 0x2A) {
      return Corrupt(kFmt, name, "bad VP8 start code");
    }
    out->width = Le16(data + 6) & 0x3FFF;
    out->height = Le16(data + 8) & 0x3FFF;
  } else if (std::memcmp(chunk, "VP8L", 4) == 0 && chunk_size >= 5) {
    if (data[0] != 0x2F) return Corrupt(kFmt, name, "bad VP8L signature");
    uint32_t bits = Le32(data + 1);
    out->width = (bits & 0x3FFF) + 1;
    out->height = ((bits >> 14) & 0x3FFF) + 1;
  } else {
    return Corrupt(kFmt, name, "first chunk '" + std::string(reinterpret_cast<const char*>(chunk), 4) +
                                   "' is not VP8, VP8L or VP8X");
  }
  if (out->width == 0 || out->height == 0) return Corrupt(kFmt, name, "zero width or height");
  return OkStatus();
}

Status ParseBmp(Bytes p, size_t n, std::string_view name, ImageHeader* out) {
  constexpr std::string_view kFmt = "bmp";
  if (n < 26) return Truncated(kFmt, name, "the file ends inside the header");
  uint32_t dib_size = Le32(p + 14);
  int64_t width = 0, height = 0;
  uint32_t bpp = 0, compression = 0;
  if (dib_size == 12) {  // OS/2 BITMAPCOREHEADER
    width = Le16(p + 18);
    height = Le16(p + 20);
    bpp = Le16(p + 24);
  } else if (dib_size >= 16 && dib_size <= 124) {
    if (n < 14 + std::min<size_t>(dib_size, 40)) return Truncated(kFmt, name, "the file ends inside the header");
    width = static_cast<int32_t>(Le32(p + 18));
    height = static_cast<int32_t>(Le32(p + 22));
    bpp = Le16(p + 28);
    if (dib_size >= 20) compression = Le32(p + 30);
  } else {
    return Corrupt(kFmt, name, "unknown header size " + std::to_string(dib_size));
  }
  height = height < 0 ? -height : height;  // negative: rows stored top-down
  if (width <= 0 || height == 0) {
    return Corrupt(kFmt, name, "header says " + std::to_string(width) + "x" + std::to_string(height));
  }
  out->width = width;
  out->height = height;
  bool uncompressed = compression == 0 || compression == 3 || compression == 6;
  if (uncompressed && bpp > 0 && bpp <= 32 && out->width * out->height <= (int64_t{1} << 40)) {
    uint64_t row_bytes = (uint64_t(width) * bpp + 31) / 32 * 4;
    uint64_t need = uint64_t{Le32(p + 10)} + row_bytes * uint64_t(height);
    if (need > n) {
      return Truncated(kFmt, name, "pixel data needs " + std::to_string(need) + " bytes, the file has " +
                                       std::to_string(n));
    }
  }
  return OkStatus();
}

// Classic TIFF and BigTIFF: ImageWidth (256) and ImageLength (257) of the first image.
Status ParseTiff(Bytes p, size_t n, std::string_view name, ImageHeader* out) {
  constexpr std::string_view kFmt = "tiff";
  bool le = p[0] == 'I';
  auto u16 = [&](size_t at) -> uint64_t { return le ? Le16(p + at) : Be16(p + at); };
  auto u32 = [&](size_t at) -> uint64_t { return le ? Le32(p + at) : Be32(p + at); };
  auto u64 = [&](size_t at) -> uint64_t { return le ? Le64(p + at) : Be64(p + at); };
  bool big = u16(2) == 43;
  if (n < (big ? 16u : 8u)) return Truncated(kFmt, name, "the file ends inside the header");
  uint64_t ifd = big ? u64(8) : u32(4);
  size_t count_size = big ? 8 : 2, entry_size = big ? 20 : 12, value_at = big ? 12 : 8;
  if (ifd < 8 || ifd > n || n - ifd < count_size) {
    return Truncated(kFmt, name, "the first directory at offset " + std::to_string(ifd) +
                                     " is past the end (" + std::to_string(n) + " bytes)");
  }
  uint64_t count = big ? u64(ifd) : u16(ifd);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t entry = ifd + count_size + entry_size * i;
    if (entry + entry_size > n) return Truncated(kFmt, name, "the first directory runs past the end");
    uint64_t tag = u16(entry), type = u16(entry + 2);
    if (tag != 256 && tag != 257) continue;
    uint64_t value = type == 3 ? u16(entry + value_at) : type == 4 ? u32(entry + value_at)
                     : type == 16 ? u64(entry + value_at) : 0;
    (tag == 256 ? out->width : out->height) = static_cast<int64_t>(std::min<uint64_t>(value, INT64_MAX / 4));
  }
  if (out->width == 0 || out->height == 0) return Corrupt(kFmt, name, "no image width or height");
  return OkStatus();
}

// Names formats that are recognisable but not supported, for a clearer error.
std::string_view NameUnsupportedFormat(std::string_view b) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return b.size() >= at + magic.size() && b.substr(at, magic.size()) == magic;
  };
  if (starts("GIF87a") || starts("GIF89a")) return "GIF";
  if (starts("ftyp", 4)) {
    if (starts("avif", 8) || starts("avis", 8)) return "AVIF";
    if (starts("hei", 8) || starts("mif1", 8) || starts("msf1", 8)) return "HEIC";
  }
  if (starts(std::string_view("\0\0\0\x0CjP  ", 8)) || starts("\xFF\x4F\xFF\x51")) return "JPEG 2000";
  if (starts("%PDF")) return "PDF";
  if (starts("8BPS")) return "PSD";
  if (starts("<svg") || starts("<?xml")) return "SVG";
  return "";
}

Status UnsupportedFormat(std::string_view bytes, std::string_view name) {
  std::string_view known = NameUnsupportedFormat(bytes);
  if (!known.empty()) {
    return InvalidArgumentError("unsupported image format " + std::string(known) + " in " + Quoted(name));
  }
  std::string first;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", static_cast<uint8_t>(bytes[i]));
    first += buf;
  }
  return InvalidArgumentError("unsupported image format in " + Quoted(name) +
                              ": not a JPEG, PNG, WebP, BMP or TIFF file (it starts with " + first + ")");
}

Status CheckLimits(const ImageHeader& header, std::string_view name, const DecodeLimits& limits) {
  if (header.width <= 0 || header.height <= 0) return OkStatus();
  int64_t pixels_exact = 0;
  bool over = __builtin_mul_overflow(header.width, header.height, &pixels_exact) ||
              pixels_exact > limits.max_pixels;
  if (!over) return OkStatus();
  double pixels = double(header.width) * double(header.height);
  return ResourceExhaustedError("image " + Quoted(name) + " is " + std::to_string(header.width) + "x" +
                                std::to_string(header.height) + " = " + FormatMillions(pixels) +
                                " Mpixel, above the " + FormatMillions(double(limits.max_pixels)) +
                                " Mpixel limit");
}

// "5123 bytes", "70.0 MiB".
std::string FormatSize(int64_t bytes) {
  if (bytes < 1024 * 1024) return std::to_string(bytes) + " bytes";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
  return buf;
}

// OpenCV's rotations for EXIF orientations 2..8 (as in its ApplyExifOrientation).
cv::Mat ApplyOrientation(cv::Mat image, int orientation) {
  if (orientation <= 1 || orientation > 8) return image;
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); break;
    case 3: cv::flip(image, out, -1); break;
    case 4: cv::flip(image, out, 0); break;
    case 5: cv::transpose(image, out); break;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(image, out); cv::flip(out, out, -1); break;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
  }
  return out;
}

// Straight alpha over white: out = c*a + 255*(1-a), rounded.
cv::Mat CompositeOnWhite(const cv::Mat& bgra) {
  cv::Mat bgr(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const uint8_t* s = bgra.ptr<uint8_t>(y);
    uint8_t* d = bgr.ptr<uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, s += 4, d += 3) {
      // Exact for a == 255 and a == 0 too; branch-free so the compiler can vectorise it.
      uint32_t a = s[3], white = 255 * (255 - a) + 127;
      d[0] = static_cast<uint8_t>((s[0] * a + white) / 255);
      d[1] = static_cast<uint8_t>((s[1] * a + white) / 255);
      d[2] = static_cast<uint8_t>((s[2] * a + white) / 255);
    }
  }
  return bgr;
}

// Any decoded Mat -> 8-bit, 3 channels (with_alpha=false) or 4 (with_alpha=true).
Result<cv::Mat> Normalize(cv::Mat image, std::string_view format, const ImageHeader& header,
                          bool with_alpha, std::string_view name) {
  // A grey PNG's tRNS colour key is dropped by OpenCV: turn it into alpha here.
  cv::Mat key_alpha;
  if (header.png_grey_key && image.channels() == 1) {
    double key = *header.png_grey_key;
    if (image.depth() == CV_8U && header.png_bit_depth < 8) key *= 255.0 / ((1 << header.png_bit_depth) - 1);
    cv::compare(image, cv::Scalar(key), key_alpha, cv::CMP_NE);  // 255 where opaque
  }
  switch (image.depth()) {
    case CV_8U: break;
    case CV_16U: image.convertTo(image, CV_8U, 1.0 / 257.0); break;
    case CV_32F: case CV_64F: image.convertTo(image, CV_8U, 255.0); break;  // 0..1 samples
    default:
      return InvalidArgumentError("unsupported pixel format in " + std::string(DisplayName(format)) +
                                  " " + Quoted(name) + ": OpenCV depth " + std::to_string(image.depth()));
  }
  int channels = image.channels();
  if (channels != 1 && channels != 3 && channels != 4) {
    return InvalidArgumentError("unsupported pixel format in " + std::string(DisplayName(format)) + " " +
                                Quoted(name) + ": " + std::to_string(channels) + " channels");
  }
  if (channels == 1) {
    cv::Mat expanded;
    cv::cvtColor(image, expanded, key_alpha.empty() ? cv::COLOR_GRAY2BGR : cv::COLOR_GRAY2BGRA);
    if (!key_alpha.empty()) cv::insertChannel(key_alpha, expanded, 3);
    image = expanded;
    channels = image.channels();
  }
  if (channels == 4 && format == "bmp") {
    // 32-bit BMPs often leave the fourth byte 0: that means "no alpha", not "invisible".
    double max_alpha = 0;
    cv::Mat alpha;
    cv::extractChannel(image, alpha, 3);
    cv::minMaxLoc(alpha, nullptr, &max_alpha);
    if (max_alpha == 0) cv::insertChannel(cv::Mat(image.size(), CV_8U, cv::Scalar(255)), image, 3);
  }
  if (with_alpha && channels == 3) {
    cv::Mat bgra;
    cv::cvtColor(image, bgra, cv::COLOR_BGR2BGRA);
    image = bgra;
  } else if (!with_alpha && channels == 4) {
    image = CompositeOnWhite(image);
  }
  return ApplyOrientation(image, header.orientation);
}

Result<cv::Mat> Decode(std::string_view bytes, std::string_view name, const DecodeLimits& limits,
                       bool with_alpha) {
  if (bytes.empty()) return InvalidArgumentError("empty image " + Quoted(name) + " (0 bytes)");
  int64_t size_bytes = static_cast<int64_t>(bytes.size());
  if (size_bytes > limits.max_bytes || size_bytes > INT32_MAX) {
    return ResourceExhaustedError("image " + Quoted(name) + " is " + FormatSize(size_bytes) +
                                  ", above the " + FormatSize(std::min<int64_t>(limits.max_bytes, INT32_MAX)) +
                                  " limit");
  }
  std::string_view format = SniffImageFormat(bytes);
  auto* p = reinterpret_cast<Bytes>(bytes.data());
  size_t n = bytes.size();
  ImageHeader header;
  Status parsed;
  if (format == "jpeg") parsed = ParseJpeg(p, n, name, &header);
  else if (format == "png") parsed = ParsePng(p, n, name, &header);
  else if (format == "webp") parsed = ParseWebp(p, n, name, &header);
  else if (format == "bmp") parsed = ParseBmp(p, n, name, &header);
  else if (format == "tiff") parsed = ParseTiff(p, n, name, &header);
  else return UnsupportedFormat(bytes, name);
  // Refuse a bomb even when the rest of the file is broken: the dimensions are enough.
  RETURN_IF_ERROR(CheckLimits(header, name, limits));
  RETURN_IF_ERROR(parsed);

  try {
    cv::Mat buffer(1, static_cast<int>(n), CV_8U, const_cast<uint8_t*>(p));
    // UNCHANGED keeps alpha and 16-bit samples; orientation is applied in Normalize.
    cv::Mat image = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    if (image.empty()) return Corrupt(format, name, "the decoder could not read the image data");
    return Normalize(std::move(image), format, header, with_alpha, name);
  } catch (const cv::Exception& e) {
    if (e.code == cv::Error::StsNoMem) {
      return ResourceExhaustedError("out of memory decoding " + Quoted(name) + ": " + e.err);
    }
    return Corrupt(format, name, "OpenCV: " + e.err);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory decoding " + Quoted(name));
  } catch (const std::exception& e) {
    return InternalError("decoding " + Quoted(name) + ": " + e.what());
  }
}

}  // namespace

Result<cv::Mat> DecodeImage(std::string_view bytes, std::string_view name, const DecodeLimits& limits) {
  return Decode(bytes, name, limits, /*with_alpha=*/false);
}

Result<cv::Mat> DecodeImageWithAlpha(std::string_view bytes, std::string_view name,
                                     const DecodeLimits& limits) {
  return Decode(bytes, name, limits, /*with_alpha=*/true);
}

std::string_view SniffImageFormat(std::string_view b) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return b.size() >= at + magic.size() && b.substr(at, magic.size()) == magic;
  };
  if (starts("\xFF\xD8\xFF")) return "jpeg";
  if (starts("\x89PNG\r\n\x1A\n")) return "png";
  if (starts("RIFF") && starts("WEBP", 8)) return "webp";
  if (starts("BM") && b.size() >= 14) return "bmp";
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4)) ||
      starts(std::string_view("II+\0", 4)) || starts(std::string_view("MM\0+", 4))) {
    return "tiff";
  }
  if (starts("GIF87a") || starts("GIF89a")) return "gif";
  return "";
}

bool HasImageExtension(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) return false;
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view known : {"jpg", "jpeg", "jpe", "jfif", "png", "webp", "bmp", "tif", "tiff"}) {
    if (ext == known) return true;
  }
  return false;
}

}  // namespace labelloop::vision
