// DecodeImage / DecodeImageWithAlpha over OpenCV (libjpeg-turbo, libpng, libwebp, libtiff as
// Debian ships them, not instrumented): no crash, no exception, and no allocation out of
// proportion to the pixel limit (run with -malloc_limit_mb, see fuzz/run.sh). The limit
// is 4 Mpixel here so that every accepted image decodes in milliseconds.
#include <opencv2/core.hpp>

#include "fuzz/fuzz_util.h"
#include "vision/image_decoder.h"

using namespace labelloop;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::setNumThreads(0);  // one thread: reproducible, and the fuzzer runs several processes
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vision::DecodeLimits limits;
  limits.max_pixels = 4'000'000;
  std::string_view bytes = fuzz::AsText(data, size);
  bool with_alpha = size % 2 == 1;  // both entry points, without decoding twice
  Result<cv::Mat> image = with_alpha ? vision::DecodeImageWithAlpha(bytes, "fuzz", limits)
                                     : vision::DecodeImage(bytes, "fuzz", limits);
  if (image.ok()) {
    fuzz::Require(!image->empty() && image->type() == (with_alpha ? CV_8UC4 : CV_8UC3), "decoded type");
    fuzz::Require(int64_t{image->rows} * image->cols <= limits.max_pixels, "decoded size within the limit");
  } else {
    fuzz::Require(image.status().code() != StatusCode::kInternal, "no internal error", image.status().ToString());
  }
  return 0;
}
