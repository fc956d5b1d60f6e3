// Hand-made image files for image_decoder_test: the encodings OpenCV cannot write
// (palette, grey+alpha and colour-keyed PNG, CMYK JPEG, EXIF orientation) built byte by
// byte, so the fixtures live in code rather than as opaque binaries. Test-only.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace labelloop::vision::fixtures {

inline std::string Be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}
inline std::string Le16(uint32_t v) { return {char(v), char(v >> 8)}; }
inline std::string Le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }

inline uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFF;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
  }
  return ~crc;
}

inline std::string PngChunk(const std::string& type, const std::string& data) {
  return Be32(uint32_t(data.size())) + type + data + Be32(Crc32(type + data));
}

// A PNG written by hand (stored deflate blocks), for the formats OpenCV cannot write:
// palette, grey+alpha, grey with a tRNS colour key. `rows` are packed samples without
// the filter byte.
inline std::string MakePng(int width, int height, int bit_depth, int color_type,
                    const std::vector<std::string>& rows, const std::string& extra_chunks = "") {
  std::string raw;
  for (const std::string& row : rows) raw += '\0' + row;
  std::string zlib = "\x78\x01";
  for (size_t at = 0; at < raw.size(); at += 65535) {
    size_t len = std::min<size_t>(65535, raw.size() - at);
    zlib += char(at + len == raw.size() ? 1 : 0) + Le16(uint32_t(len)) + Le16(uint32_t(~len & 0xFFFF));
    zlib += raw.substr(at, len);
  }
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) a = (a + c) % 65521, b = (b + a) % 65521;
  zlib += Be32(b << 16 | a);
  std::string ihdr = Be32(width) + Be32(height) + char(bit_depth) + char(color_type) + std::string(3, '\0');
  return "\x89PNG\r\n\x1A\n" + PngChunk("IHDR", ihdr) + extra_chunks + PngChunk("IDAT", zlib) +
         PngChunk("IEND", "");
}

inline std::string JpegSegment(uint8_t marker, const std::string& data) {
  return std::string{'\xFF', char(marker)} + char((data.size() + 2) >> 8) + char(data.size() + 2) + data;
}

// A baseline CMYK JPEG (Adobe APP14, transform 0, inverted values as Photoshop writes
// them) built by hand, since OpenCV cannot encode CMYK: one flat 8x8 block per entry of
// `blocks`, laid out left to right. Only DC coefficients are coded, quantiser 1.
inline std::string MakeCmykJpeg(const std::vector<std::array<uint8_t, 4>>& blocks) {
  std::string out = "\xFF\xD8";
  out += JpegSegment(0xEE, std::string("Adobe\0\x00\x64\0\0\0\0\0", 12));
  out += JpegSegment(0xDB, std::string(1, '\0') + std::string(64, '\1'));
  std::string sof = {8, 0, 8, 0, char(8 * blocks.size()), 4};
  for (char id = 1; id <= 4; ++id) sof += std::string{id, 0x11, 0};
  out += JpegSegment(0xC0, sof);
  std::string dc_table = std::string(1, '\0') + std::string(3, '\0') + char(12) + std::string(12, '\0');
  for (char s = 0; s < 12; ++s) dc_table += s;  // category s -> 4-bit code s
  out += JpegSegment(0xC4, dc_table);
  out += JpegSegment(0xC4, std::string(1, '\x10') + char(1) + std::string(15, '\0') + '\0');  // EOB = "0"
  std::string sos = {4};
  for (char id = 1; id <= 4; ++id) sos += std::string{id, 0};
  sos += std::string{0, 63, 0};
  out += JpegSegment(0xDA, sos);
  std::string scan;
  uint32_t acc = 0;
  int nbits = 0;
  auto put = [&](uint32_t bits, int count) {
    for (int i = count - 1; i >= 0; --i) {
      acc = acc << 1 | ((bits >> i) & 1);
      if (++nbits == 8) {
        scan += char(acc);
        if (acc == 0xFF) scan += '\0';
        acc = 0, nbits = 0;
      }
    }
  };
  int pred[4] = {0, 0, 0, 0};
  for (const auto& cmyk : blocks) {
    for (int c = 0; c < 4; ++c) {
      int dc = 8 * (int(cmyk[c]) - 128), diff = dc - pred[c];
      pred[c] = dc;
      int magnitude = std::abs(diff), category = 0;
      while (magnitude >> category) ++category;
      put(uint32_t(category), 4);
      if (category) put(uint32_t(diff >= 0 ? diff : diff + (1 << category) - 1), category);
      put(0, 1);  // end of block
    }
  }
  if (nbits) put(0x7F, 8 - nbits);  // pad with ones
  return out + scan + "\xFF\xD9";
}

// Inserts an APP1 EXIF segment with only an Orientation tag right after SOI.
inline std::string WithExifOrientation(const std::string& jpeg, int orientation) {
  std::string tiff = std::string("MM\0*", 4) + Be32(8) + std::string("\0\1", 2) +  // 1 entry
                     std::string("\x01\x12\0\x03", 4) + Be32(1) + char(0) + char(orientation) +
                     std::string(2, '\0') + Be32(0);
  return jpeg.substr(0, 2) + JpegSegment(0xE1, std::string("Exif\0\0", 6) + tiff) + jpeg.substr(2);
}

}  // namespace labelloop::vision::fixtures
