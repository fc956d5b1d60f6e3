#include "app/progress_bar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::app {
namespace {

using ::testing::HasSubstr;

TEST(ProgressBarTest, ShowsCountRateAndTimeLeft) {
  std::string line = ProgressBar::Format("detect", 30, 120, 10.0, 12);
  EXPECT_EQ(line, "detect [###.........]  30/120  25%    3.0/s  0:30 left");
  EXPECT_THAT(ProgressBar::Format("upload", 120, 120, 65.0, 12), HasSubstr("[############] 120/120 100%    1.8/s  1:05 total"));
  EXPECT_THAT(ProgressBar::Format("upload", 0, 5, 0.0, 4), HasSubstr("--:-- left"));
  EXPECT_THAT(ProgressBar::Format("upload", 1, 100000, 1.0, 4), HasSubstr("27:46:39 left"));
}

}  // namespace
}  // namespace labelloop::app
