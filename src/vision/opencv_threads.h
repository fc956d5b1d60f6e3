// OpenCV's worker-thread count, which is process-wide: cv::setNumThreads configures one
// thread pool (TBB arena) for the whole process, and OpenCV runs only one parallel loop
// at a time anyway. So it is set once, by the command that owns the process, before it
// starts threads that use OpenCV: N single-threaded detectors want 1, one detector wants
// every core. Not thread-safe to set while other threads run OpenCV code.
#pragma once

namespace labelloop::vision {

// REQUIRES: threads >= 0. 0 restores OpenCV's default (one per core).
void SetOpenCvThreads(int threads);

// The current count (1: every OpenCV call runs on its caller's thread).
int OpenCvThreads();

}  // namespace labelloop::vision
