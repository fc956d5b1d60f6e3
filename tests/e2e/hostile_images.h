// Hostile image files for the black-box tests and the attack bench (issue 9, row 5).
#pragma once

#include <string>

namespace labelloop::e2e {

// A 2.6 MB classic TIFF whose first ImageWidth/ImageLength say 30000 and a duplicate pair
// says 1; an 8-bit grey strip follows. libtiff keeps the first pair (900 Mpixel); the
// decoder must refuse it from the header, without a pixel buffer.
std::string TiffSizeBomb();

}  // namespace labelloop::e2e
