#include "auth/login_rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::auth {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMinute = 60 * 1000;

// Issue 9: five wrong passwords for "admin" every 15 minutes from anywhere used to lock the
// real admin out for good. Now a stranger's failures never block the user elsewhere.
TEST(LoginRateLimiterTest, AStrangerCannotLockARealUserOut) {
  LoginRateLimiter limiter(LoginLimits{});
  int64_t now = 1'000'000;
  for (int round = 0; round < 20; ++round) {  // five hours of five guesses every 15 minutes
    for (int i = 0; i < 5; ++i) {
      if (limiter.Check("admin", "203.0.113.7", now).ok()) limiter.RecordFailure("admin", "203.0.113.7", now);
    }
    EXPECT_TRUE(limiter.Check("admin", "198.51.100.1", now).ok()) << "round " << round;
    now += 15 * kMinute;
  }
  EXPECT_EQ(limiter.Check("admin", "203.0.113.7", now - 15 * kMinute).code(), StatusCode::kResourceExhausted);
}

TEST(LoginRateLimiterTest, FiveFailuresBackOffAndTheBackOffDoubles) {
  LoginRateLimiter limiter(LoginLimits{});
  int64_t now = 1'000'000;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter.Check("bob", "10.0.0.1", now).ok()) << i;
    limiter.RecordFailure("bob", "10.0.0.1", now);
  }
  Status blocked = limiter.Check("bob", "10.0.0.1", now);
  EXPECT_EQ(blocked.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(blocked.message(), HasSubstr("user 'bob' from address 10.0.0.1"));
  EXPECT_EQ(RetryAfterSeconds(blocked), 60);
  now += kMinute;
  ASSERT_TRUE(limiter.Check("bob", "10.0.0.1", now).ok()) << "one minute later";
  limiter.RecordFailure("bob", "10.0.0.1", now);
  EXPECT_EQ(RetryAfterSeconds(limiter.Check("bob", "10.0.0.1", now)), 120);
  now += 2 * kMinute;
  limiter.RecordFailure("bob", "10.0.0.1", now);
  EXPECT_EQ(RetryAfterSeconds(limiter.Check("bob", "10.0.0.1", now)), 240);
  for (int i = 0; i < 10; ++i) {
    now += 15 * kMinute - 1;
    limiter.RecordFailure("bob", "10.0.0.1", now);
  }
  EXPECT_EQ(RetryAfterSeconds(limiter.Check("bob", "10.0.0.1", now)), 15 * 60) << "capped";
  // Quiet for the forget time after the back-off: a clean slate.
  now += 30 * kMinute;
  EXPECT_TRUE(limiter.Check("bob", "10.0.0.1", now).ok());
  limiter.RecordFailure("bob", "10.0.0.1", now);
  EXPECT_TRUE(limiter.Check("bob", "10.0.0.1", now).ok()) << "one failure after forgetting is not a lock";
}

TEST(LoginRateLimiterTest, TheAddressIsLimitedAcrossUserNames) {
  LoginRateLimiter limiter(LoginLimits{});
  for (int i = 0; i < 20; ++i) limiter.RecordFailure("user" + std::to_string(i), "10.0.0.9", 1000 + i);
  Status blocked = limiter.Check("someone-new", "10.0.0.9", 2000);
  EXPECT_EQ(blocked.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(blocked.message(), HasSubstr("address 10.0.0.9"));
  EXPECT_TRUE(limiter.Check("someone-new", "10.0.0.10", 2000).ok());
  EXPECT_TRUE(limiter.Check("user3", "10.0.0.10", 2000).ok());
}

TEST(LoginRateLimiterTest, SuccessForgetsThePairButNotTheAddress) {
  LoginLimits limits;
  limits.max_failures_per_address = 6;
  LoginRateLimiter limiter(limits);
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("bob", "10.0.0.1", 1000);
  limiter.RecordSuccess("bob", "10.0.0.1");
  limiter.RecordFailure("bob", "10.0.0.1", 1000);
  EXPECT_TRUE(limiter.Check("carol", "10.0.0.2", 1000).ok());
  limiter.RecordFailure("eve", "10.0.0.1", 1000);  // the address's sixth
  EXPECT_EQ(limiter.Check("bob", "10.0.0.1", 1000).code(), StatusCode::kResourceExhausted);
}

TEST(LoginRateLimiterTest, ZeroMaxFailuresTurnsLimitingOff) {
  LoginLimits limits;
  limits.max_failures_per_user_address = 0;
  LoginRateLimiter limiter(limits);
  for (int i = 0; i < 100; ++i) limiter.RecordFailure("bob", "10.0.0.1", 1000);
  EXPECT_TRUE(limiter.Check("bob", "10.0.0.1", 1000).ok());
}

TEST(LoginRateLimiterTest, ManyDistinctNamesDoNotGrowWithoutBound) {
  LoginLimits limits;
  limits.forget_after_ms = 1000;
  limits.max_failures_per_address = 0;
  LoginRateLimiter limiter(limits);
  for (int i = 0; i < 50'000; ++i) limiter.RecordFailure("n" + std::to_string(i), "10.0.0.1", i);
  EXPECT_LE(limiter.TrackedKeys(), 11'000u) << "swept at 10'000 keys, keeping the last second's 1'000";
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("last", "10.0.0.1", 50'000);
  EXPECT_EQ(limiter.Check("last", "10.0.0.1", 50'000).code(), StatusCode::kResourceExhausted);
}

TEST(RetryAfterSecondsTest, OnlyRateLimitStatusesCarryOne) {
  EXPECT_EQ(RetryAfterSeconds(ResourceExhaustedError("too many failed sign-ins: try again in 42 seconds")), 42);
  EXPECT_EQ(RetryAfterSeconds(UnauthenticatedError("try again in 42 seconds")), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds(ResourceExhaustedError("disk full")), std::nullopt);
}

}  // namespace
}  // namespace labelloop::auth
