#include "notify/notice_limiter.h"

#include <gtest/gtest.h>

namespace labelloop::notify {
namespace {

// Issue 9: a consumer calling /detect in a loop made one notification per call.
TEST(NoticeLimiterTest, AtMostNPerMinuteAndTheRestAreCountedIntoTheNextOne) {
  NoticeLimiter limiter(3);
  int64_t now = 1'000'000;
  int sent = 0;
  for (int i = 0; i < 1000; ++i) sent += limiter.Take("detection", now + i) .send ? 1 : 0;
  EXPECT_EQ(sent, 3);
  // Another kind has its own budget.
  EXPECT_TRUE(limiter.Take("review-task", now).send);
  // The next window: the first one sent says how many were held back, once.
  now += 60'000;
  NoticeLimiter::Decision next = limiter.Take("detection", now);
  EXPECT_TRUE(next.send);
  EXPECT_EQ(next.held_back, 997);
  EXPECT_EQ(limiter.Take("detection", now).held_back, 0);
}

TEST(NoticeLimiterTest, ZeroMeansNoLimit) {
  NoticeLimiter limiter(0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Take("detection", 1000).send);
}

TEST(NoticeLimiterTest, AClockGoingBackStartsANewWindow) {
  NoticeLimiter limiter(1);
  EXPECT_TRUE(limiter.Take("d", 100'000).send);
  EXPECT_FALSE(limiter.Take("d", 100'001).send);
  EXPECT_TRUE(limiter.Take("d", 50'000).send);
}

}  // namespace
}  // namespace labelloop::notify
