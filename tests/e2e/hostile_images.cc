#include "hostile_images.h"

#include <cstdint>
#include <vector>

namespace labelloop::e2e {
namespace {

std::string Le16(uint32_t v) { return {char(v & 0xff), char((v >> 8) & 0xff)}; }
std::string Le32(uint32_t v) { return Le16(v & 0xffff) + Le16(v >> 16); }

}  // namespace

std::string TiffSizeBomb() {
  struct Entry {
    uint16_t tag, type;
    uint32_t count, value;
  };
  constexpr uint16_t kShort = 3, kLong = 4;
  constexpr uint32_t kStripBytes = 2'600'000;
  constexpr uint32_t kEntries = 11, kStripAt = 8 + 2 + kEntries * 12 + 4;
  const std::vector<Entry> entries = {
      {256, kLong, 1, 30000}, {257, kLong, 1, 30000}, {256, kLong, 1, 1},        {257, kLong, 1, 1},
      {258, kShort, 1, 8},    {259, kShort, 1, 1},    {262, kShort, 1, 1},       {273, kLong, 1, kStripAt},
      {277, kShort, 1, 1},    {278, kLong, 1, 1},     {279, kLong, 1, kStripBytes}};
  std::string bytes = std::string("II*\0", 4) + Le32(8) + Le16(kEntries);
  for (const Entry& e : entries) bytes += Le16(e.tag) + Le16(e.type) + Le32(e.count) + Le32(e.value);
  return bytes + Le32(0) + std::string(kStripBytes, '\0');
}

}  // namespace labelloop::e2e
