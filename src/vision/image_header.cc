#include "vision/image_header.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace labelloop::vision {
namespace {

using Bytes = const uint8_t*;

uint32_t Be16(Bytes p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t Le16(Bytes p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t Be32(Bytes p) { return Be16(p) << 16 | Be16(p + 2); }
uint32_t Le32(Bytes p) { return Le16(p + 2) << 16 | Le16(p); }
uint32_t Le24(Bytes p) { return uint32_t(p[2]) << 16 | Le16(p); }

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

Status Corrupt(std::string_view format, std::string_view name, const std::string& detail) {
  return CorruptImageError(format, name, detail);
}
Status Truncated(std::string_view format, std::string_view name, const std::string& detail) {
  return InvalidArgumentError("truncated " + std::string(ImageFormatDisplayName(format)) + " " +
                              Quoted(name) + ": " + detail);
}

std::string Hex(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02X", value);
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
    ++out->jpeg_scans;
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

// TIFF, read the way libtiff (OpenCV's TIFF decoder) reads it: the first directory, and
// each size as one unsigned integer of any integer type (TIFFReadDirEntryLong), inline
// when it fits in the entry, else at the offset the entry holds. libtiff keeps the first
// of a duplicated tag; this reader takes the first too and then refuses the file, so no
// file can show this check one size and the decoder another.
class TiffReader {
 public:
  TiffReader(Bytes p, size_t n, std::string_view name)
      : p_(p), n_(n), name_(name), le_(p[0] == 'I'), big_(Read(2, 2) == 43) {}

  bool big() const { return big_; }
  size_t count_size() const { return big_ ? 8 : 2; }
  size_t entry_size() const { return big_ ? 20 : 12; }

  // The unsigned integer of `size` bytes at `at`; nullopt when it is not all inside the file.
  std::optional<uint64_t> Read(uint64_t at, size_t size) const {
    if (at > n_ || n_ - at < size) return std::nullopt;
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i) value = value << 8 | p_[at + (le_ ? size - 1 - i : i)];
    return value;
  }

  // The value of the entry at `entry` (whose 2+2+count bytes are inside the file) as
  // libtiff reads a uint32 tag; errors name the tag.
  Result<uint64_t> ReadUint32Tag(uint64_t entry, std::string_view tag) const {
    std::string tag_name(tag);
    uint64_t type = *Read(entry + 2, 2), count = *Read(entry + 4, big_ ? 8 : 4);
    size_t size = IntegerTypeSize(type);
    if (size == 0) return Corrupt(tag_name + " has type " + std::to_string(type) + ", not an integer");
    if (count != 1) return Corrupt(tag_name + " has " + std::to_string(count) + " values, not one");
    uint64_t field = entry + (big_ ? 12 : 8), field_size = big_ ? 8 : 4, at = field;
    if (size > field_size) at = *Read(field, field_size);  // does not fit: the field is an offset
    std::optional<uint64_t> value = Read(at, size);
    if (!value) {
      return InvalidArgumentError("truncated TIFF " + Quoted(name_) + ": the value of " + std::string(tag_name) +
                                  " at offset " + std::to_string(at) + " is past the end (" + std::to_string(n_) +
                                  " bytes)");
    }
    bool negative = IsSigned(type) && (*value >> (8 * size - 1)) != 0;
    if (negative || *value > UINT32_MAX) {
      return Corrupt(tag_name + " is out of range (" + (negative ? "negative" : std::to_string(*value)) + ")");
    }
    return *value;
  }

  Status Corrupt(const std::string& detail) const { return CorruptImageError("tiff", name_, detail); }

 private:
  // BYTE, SHORT, LONG, IFD, LONG8, IFD8 and their signed forms; 0 for the rest.
  static size_t IntegerTypeSize(uint64_t type) {
    switch (type) {
      case 1: case 6: return 1;
      case 3: case 8: return 2;
      case 4: case 9: case 13: return 4;
      case 16: case 17: case 18: return 8;
      default: return 0;
    }
  }
  static bool IsSigned(uint64_t type) { return type == 6 || type == 8 || type == 9 || type == 17; }

  Bytes p_;
  size_t n_;
  std::string_view name_;
  bool le_;
  bool big_;
};

std::string_view TiffTagName(uint64_t tag) {
  switch (tag) {
    case 256: return "ImageWidth";
    case 257: return "ImageLength";
    case 278: return "RowsPerStrip";
    case 322: return "TileWidth";
    case 323: return "TileLength";
    default: return "";
  }
}

// The first directory's size tags (first occurrence of each), with duplicates refused.
Status ReadTiffSizeTags(const TiffReader& tiff, size_t n, std::string_view name,
                        std::map<uint64_t, uint64_t>* sizes, ImageHeader* out) {
  constexpr std::string_view kFmt = "tiff";
  if (n < (tiff.big() ? 16u : 8u)) return Truncated(kFmt, name, "the file ends inside the header");
  uint64_t ifd = tiff.big() ? *tiff.Read(8, 8) : *tiff.Read(4, 4);
  if (ifd < 8 || ifd > n || n - ifd < tiff.count_size()) {
    return Truncated(kFmt, name, "the first directory at offset " + std::to_string(ifd) +
                                     " is past the end (" + std::to_string(n) + " bytes)");
  }
  uint64_t count = *tiff.Read(ifd, tiff.count_size());
  uint64_t first = ifd + tiff.count_size();
  if (count > (n - first) / tiff.entry_size()) return Truncated(kFmt, name, "the first directory runs past the end");
  std::vector<uint16_t> tags;
  tags.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t entry = first + tiff.entry_size() * i;
    uint64_t tag = *tiff.Read(entry, 2);
    tags.push_back(static_cast<uint16_t>(tag));
    std::string_view tag_name = TiffTagName(tag);
    if (tag_name.empty() || sizes->count(tag)) continue;
    ASSIGN_OR_RETURN(uint64_t value, tiff.ReadUint32Tag(entry, tag_name));
    (*sizes)[tag] = value;
    if (tag == 256) out->width = static_cast<int64_t>(value);
    if (tag == 257) out->height = static_cast<int64_t>(value);
  }
  std::sort(tags.begin(), tags.end());
  auto dup = std::adjacent_find(tags.begin(), tags.end());
  if (dup != tags.end()) {
    std::string tag_name(TiffTagName(*dup));
    return tiff.Corrupt("tag " + std::to_string(*dup) + (tag_name.empty() ? "" : " (" + tag_name + ")") +
                        " appears more than once in the first directory");
  }
  return OkStatus();
}

// Classic TIFF and BigTIFF: the size of the first image, and of the tile or strip buffer
// OpenCV allocates for it (TileWidth x TileLength, or ImageWidth x RowsPerStrip, which
// the file may make far larger than the image).
Status ParseTiff(Bytes p, size_t n, std::string_view name, ImageHeader* out) {
  TiffReader tiff(p, n, name);
  std::map<uint64_t, uint64_t> sizes;
  RETURN_IF_ERROR(ReadTiffSizeTags(tiff, n, name, &sizes, out));
  if (out->width == 0 || out->height == 0) return tiff.Corrupt("no image width or height");
  auto get = [&](uint64_t tag) { return sizes.count(tag) ? sizes[tag] : 0; };
  bool tiled = sizes.count(322) || sizes.count(323);
  uint64_t buffer_width = tiled && get(322) ? get(322) : get(256);
  uint64_t rows = tiled ? get(323) : get(278);
  uint64_t buffer_height = rows == 0 || (!tiled && rows == UINT32_MAX) ? get(257) : rows;
  out->buffer_width = static_cast<int64_t>(buffer_width);
  out->buffer_height = static_cast<int64_t>(buffer_height);
  return OkStatus();
}

}  // namespace

Status ReadImageHeader(std::string_view format, std::string_view bytes, std::string_view name,
                       ImageHeader* out) {
  auto* p = reinterpret_cast<Bytes>(bytes.data());
  size_t n = bytes.size();
  if (format == "jpeg" && n >= 3) return ParseJpeg(p, n, name, out);
  if (format == "png" && n >= 8) return ParsePng(p, n, name, out);
  if (format == "webp" && n >= 12) return ParseWebp(p, n, name, out);
  if (format == "bmp" && n >= 14) return ParseBmp(p, n, name, out);
  if (format == "tiff" && n >= 4) return ParseTiff(p, n, name, out);
  return InvalidArgumentError("no header reader for format '" + std::string(format) + "' of " +
                              std::to_string(n) + " bytes in " + Quoted(name));
}

std::string_view ImageFormatDisplayName(std::string_view format) {
  if (format == "jpeg") return "JPEG";
  if (format == "png") return "PNG";
  if (format == "webp") return "WebP";
  if (format == "bmp") return "BMP";
  if (format == "tiff") return "TIFF";
  if (format == "gif") return "GIF";
  return "image";
}

Status CorruptImageError(std::string_view format, std::string_view name, const std::string& detail) {
  return InvalidArgumentError("corrupt " + std::string(ImageFormatDisplayName(format)) + " '" + std::string(name) +
                              "': " + detail);
}

}  // namespace labelloop::vision
