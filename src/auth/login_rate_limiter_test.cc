#include "auth/login_rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::auth {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kWindowMs = 15 * 60 * 1000;

TEST(LoginRateLimiterTest, FiveFailuresBlockTheUserUntilTheOldestLeavesTheWindow) {
  LoginRateLimiter limiter(5, kWindowMs);
  int64_t now = 1'000'000;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter.Check("bob", "10.0.0.1", now).ok()) << i;
    limiter.RecordFailure("bob", "10.0.0.1", now);
    now += 1000;
  }
  // Failures at 1'000'000 .. 1'004'000; now 1'005'000: free at 1'000'000 + window.
  Status blocked = limiter.Check("bob", "", now);
  EXPECT_EQ(blocked.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(blocked.message(), HasSubstr("user 'bob'"));
  EXPECT_EQ(RetryAfterSeconds(blocked), (kWindowMs - 5000) / 1000);

  EXPECT_EQ(limiter.Check("bob", "", 1'000'000 + kWindowMs - 1).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(limiter.Check("bob", "", 1'000'000 + kWindowMs).ok()) << "the first failure has left the window";
  EXPECT_TRUE(limiter.Check("alice", "10.0.0.2", now).ok()) << "other names and addresses are not affected";
}

TEST(LoginRateLimiterTest, TheAddressIsLimitedAcrossUserNames) {
  LoginRateLimiter limiter(5, kWindowMs);
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("user" + std::to_string(i), "10.0.0.9", 1000 + i);
  Status blocked = limiter.Check("someone-new", "10.0.0.9", 2000);
  EXPECT_EQ(blocked.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(blocked.message(), HasSubstr("address 10.0.0.9"));
  EXPECT_TRUE(limiter.Check("someone-new", "10.0.0.10", 2000).ok());
  EXPECT_TRUE(limiter.Check("someone-new", "", 2000).ok()) << "no address: only the name counts";
}

TEST(LoginRateLimiterTest, SuccessForgetsTheUsersFailuresButNotTheAddresss) {
  LoginRateLimiter limiter(5, kWindowMs);
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("bob", "10.0.0.1", 1000);
  limiter.RecordSuccess("bob");
  limiter.RecordFailure("bob", "10.0.0.1", 1000);
  EXPECT_TRUE(limiter.Check("bob", "", 1000).ok());
  EXPECT_EQ(limiter.Check("bob", "10.0.0.1", 1000).code(), StatusCode::kResourceExhausted);
}

TEST(LoginRateLimiterTest, ZeroMaxFailuresTurnsLimitingOff) {
  LoginRateLimiter limiter(0, kWindowMs);
  for (int i = 0; i < 100; ++i) limiter.RecordFailure("bob", "10.0.0.1", 1000);
  EXPECT_TRUE(limiter.Check("bob", "10.0.0.1", 1000).ok());
}

TEST(LoginRateLimiterTest, ManyDistinctNamesDoNotGrowWithoutBound) {
  LoginRateLimiter limiter(5, 1000);
  for (int i = 0; i < 50'000; ++i) limiter.RecordFailure("n" + std::to_string(i), "", i);
  EXPECT_LE(limiter.TrackedKeys(), 11'000u) << "swept at 10'000 keys, keeping the last window's 1'000";
  // Names whose failures are long past are forgotten; the newest ones still count.
  limiter.RecordFailure("last", "", 50'000);
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("last", "", 50'000);
  EXPECT_EQ(limiter.Check("last", "", 50'000).code(), StatusCode::kResourceExhausted);
}

TEST(RetryAfterSecondsTest, OnlyRateLimitStatusesCarryOne) {
  EXPECT_EQ(RetryAfterSeconds(ResourceExhaustedError("too many failed sign-ins: try again in 42 seconds")), 42);
  EXPECT_EQ(RetryAfterSeconds(UnauthenticatedError("try again in 42 seconds")), std::nullopt);
  EXPECT_EQ(RetryAfterSeconds(ResourceExhaustedError("disk full")), std::nullopt);
}

}  // namespace
}  // namespace labelloop::auth
