#include "vision/image_decoder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vision/image_header.h"

namespace labelloop::vision {
namespace {

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

// "900", "2.5", "0.001": enough digits to be meaningful at any scale.
std::string FormatMillions(double value) {
  char buf[32];
  value /= 1e6;
  bool whole = value >= 100 || value == static_cast<double>(static_cast<int64_t>(value));
  std::snprintf(buf, sizeof buf, whole ? "%.0f" : value >= 1 ? "%.1f" : "%.3g", value);
  return buf;
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

// width*height of a w x h allocation, saturating.
int64_t Pixels(int64_t width, int64_t height) {
  int64_t pixels = 0;
  return __builtin_mul_overflow(width, height, &pixels) ? INT64_MAX : pixels;
}

// The image, and any working buffer the decoder sizes from the file, within max_pixels.
Status CheckLimits(const ImageHeader& header, std::string_view name, const DecodeLimits& limits) {
  auto above = [&](int64_t pixels) {
    return " = " + FormatMillions(double(pixels)) + " Mpixel, above the " +
           FormatMillions(double(limits.max_pixels)) + " Mpixel limit";
  };
  if (header.width > 0 && header.height > 0 && Pixels(header.width, header.height) > limits.max_pixels) {
    double pixels = double(header.width) * double(header.height);
    return ResourceExhaustedError("image " + Quoted(name) + " is " + std::to_string(header.width) + "x" +
                                  std::to_string(header.height) + above(static_cast<int64_t>(std::min(pixels, 9e18))));
  }
  if (header.jpeg_scans > limits.max_jpeg_scans) {
    return ResourceExhaustedError("image " + Quoted(name) + " has " + std::to_string(header.jpeg_scans) +
                                  " JPEG scans, above the limit of " + std::to_string(limits.max_jpeg_scans));
  }
  int64_t buffer = Pixels(header.buffer_width, header.buffer_height);
  if (buffer > limits.max_pixels) {
    return ResourceExhaustedError("image " + Quoted(name) + " asks the decoder for a " +
                                  std::to_string(header.buffer_width) + "x" + std::to_string(header.buffer_height) +
                                  " tile or strip buffer" + above(buffer));
  }
  return OkStatus();
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
      return InvalidArgumentError("unsupported pixel format in " + std::string(ImageFormatDisplayName(format)) +
                                  " " + Quoted(name) + ": OpenCV depth " + std::to_string(image.depth()));
  }
  int channels = image.channels();
  if (channels != 1 && channels != 3 && channels != 4) {
    return InvalidArgumentError("unsupported pixel format in " + std::string(ImageFormatDisplayName(format)) + " " +
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
  if (format.empty() || format == "gif") return UnsupportedFormat(bytes, name);
  ImageHeader header;
  Status parsed = ReadImageHeader(format, bytes, name, &header);
  // Refuse a bomb even when the rest of the file is broken: the dimensions are enough.
  RETURN_IF_ERROR(CheckLimits(header, name, limits));
  RETURN_IF_ERROR(parsed);

  try {
    cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
    // UNCHANGED keeps alpha and 16-bit samples; orientation is applied in Normalize.
    cv::Mat image = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    if (image.empty()) return CorruptImageError(format, name, "the decoder could not read the image data");
    return Normalize(std::move(image), format, header, with_alpha, name);
  } catch (const cv::Exception& e) {
    if (e.code == cv::Error::StsNoMem) {
      return ResourceExhaustedError("out of memory decoding " + Quoted(name) + ": " + e.err);
    }
    return CorruptImageError(format, name, "OpenCV: " + e.err);
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
