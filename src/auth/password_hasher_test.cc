#include "auth/password_hasher.h"

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/secure_random.h"

namespace labelloop::auth {
namespace {

using ::testing::StartsWith;

TEST(PasswordHasherTest, HashesAreArgon2idAtInteractiveCostWithARandomSalt) {
  Result<std::string> a = HashPassword("correct horse");
  Result<std::string> b = HashPassword("correct horse");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(*a, StartsWith("$argon2id$v=19$m=65536,t=2,p=1$"));
  EXPECT_NE(*a, *b) << "each hash has its own salt";
  EXPECT_FALSE(PasswordNeedsRehash(*a));
}

TEST(PasswordHasherTest, OnlyTheRightPasswordVerifies) {
  Result<std::string> hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct hors", *hash));
  EXPECT_FALSE(VerifyPassword("Correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse", "not a hash"));
  EXPECT_FALSE(VerifyPassword("correct horse", ""));
}

TEST(PasswordHasherTest, ALightHashNeedsARehash) {
  // t=1, m=8 MiB: what an older or lighter setting would have stored.
  EXPECT_TRUE(PasswordNeedsRehash(
      "$argon2id$v=19$m=8192,t=1,p=1$VH5t7p/lvKYv7Mh41kYKRQ$5YpKTNYusLu5MlvBpSyVf58Kv2L1bVAeDO3QB2UZJVg"));
}

TEST(PasswordHasherTest, ACheckTakesWellUnderASecond) {
  Result<std::string> hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("verify_ms", static_cast<int>(ms));
  std::cout << "argon2id verify: " << ms << " ms\n";
  EXPECT_LT(ms, 1000) << "the target is < 100 ms on an idle 2-core machine; this bound only catches a wrong cost";
}

TEST(SecureRandomTest, SecretsAreUrlSafeUnpaddedAndDistinct) {
  const std::string a = RandomBase64Url(32);
  const std::string b = RandomBase64Url(32);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos)
      << a;
  EXPECT_EQ(RandomBase64Url(18).size(), 24u);
}

TEST(SecureRandomTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
}

}  // namespace
}  // namespace labelloop::auth
