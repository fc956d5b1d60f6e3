#include "auth/credential_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/role.h"

namespace labelloop::auth {
namespace {

using ::testing::HasSubstr;

TEST(CredentialRulesTest, NamesUseLowerCaseLettersDigitsDotUnderscoreAndDash) {
  for (const std::string& good : {std::string("a"), std::string("alice"), std::string("bob.smith"),
                                  std::string("ci_bot-2"), std::string("0"), std::string(64, 'x')}) {
    EXPECT_TRUE(ValidateName(good, "user name").ok()) << good;
  }
  for (std::string bad : {std::string(), std::string(65, 'x'), std::string("Alice"), std::string("a b"),
                          std::string("a/b"), std::string("é"), std::string("a\0b", 3), std::string("x@y")}) {
    Status s = ValidateName(bad, "user name");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("user name")) << bad;
    EXPECT_THAT(s.message(), HasSubstr("a-z, 0-9")) << bad;
  }
}

TEST(CredentialRulesTest, PasswordsNeedEightCharacters) {
  EXPECT_TRUE(ValidatePassword("12345678").ok());
  EXPECT_TRUE(ValidatePassword("correct horse battery staple").ok());
  EXPECT_TRUE(ValidatePassword("éééééééé").ok()) << "8 characters, 16 bytes";
  Status short_one = ValidatePassword("1234567");
  EXPECT_EQ(short_one.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(short_one.message(), HasSubstr("at least 8 characters"));
  EXPECT_EQ(ValidatePassword("ééé").code(), StatusCode::kInvalidArgument) << "6 bytes, 3 characters";
  EXPECT_EQ(ValidatePassword("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePassword(std::string(1025, 'p')).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePassword("password\n").code(), StatusCode::kInvalidArgument);
}

TEST(RoleTest, NamesRoundTripAndUnknownNamesAreRefused) {
  for (Role role : {Role::kAdmin, Role::kReviewer, Role::kConsumer}) {
    Result<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(RoleName(Role::kReviewer), "reviewer");
  EXPECT_EQ(RoleName(Role::kConsumer), "consumer");
  Result<Role> bad = ParseRole("Admin");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("'Admin'"));
  EXPECT_THAT(bad.status().message(), HasSubstr("admin, reviewer or consumer"));
}

}  // namespace
}  // namespace labelloop::auth
