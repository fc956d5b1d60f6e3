// The image header walks alone (no OpenCV): bounds-checked reads, sizes that are positive
// when the walk succeeds. Every format is tried, whatever the magic bytes say, so the
// walks see prefixes they would not get through SniffImageFormat.
#include <array>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "vision/image_decoder.h"
#include "vision/image_header.h"

using namespace labelloop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = fuzz::AsText(data, size);
  constexpr std::array<std::string_view, 5> kFormats = {"jpeg", "png", "webp", "bmp", "tiff"};
  std::string_view sniffed = vision::SniffImageFormat(bytes);
  for (std::string_view format : kFormats) {
    vision::ImageHeader header;
    Status status = vision::ReadImageHeader(format, bytes, "fuzz", &header);
    if (status.ok()) {
      fuzz::Require(header.width > 0 && header.height > 0, "a header read OK has a size");
      fuzz::Require(header.orientation >= 1 && header.orientation <= 8, "EXIF orientation in 1..8");
    } else {
      fuzz::Require(status.code() == StatusCode::kInvalidArgument, "header errors are InvalidArgument",
                    status.ToString());
    }
  }
  return 0;
}
