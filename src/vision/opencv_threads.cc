#include "vision/opencv_threads.h"

#include <cassert>

#include <opencv2/core/utility.hpp>

namespace labelloop::vision {

void SetOpenCvThreads(int threads) {
  assert(threads >= 0);
  // cv::setNumThreads(0) would mean "sequential"; a negative value means "the default".
  cv::setNumThreads(threads == 0 ? -1 : threads);
}

int OpenCvThreads() { return cv::getNumThreads(); }

}  // namespace labelloop::vision
