// AuthService API tokens: creation (shown once), authentication, last use, revocation, and
// that only their SHA-256 reaches the database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/auth_test_fixture.h"
#include "common/content_hash.h"

namespace labelloop::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using AuthTokenTest = AuthServiceTest;

TEST_F(AuthTokenTest, ATokenIsLltPlus32RandomBytesAndAuthenticatesWithItsRole) {
  Result<CreatedToken> created = service_->CreateToken("ci-upload", Role::kConsumer);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->name, "ci-upload");
  EXPECT_EQ(created->role, Role::kConsumer);
  EXPECT_THAT(created->token, StartsWith("llt_"));
  EXPECT_EQ(created->token.size(), 4u + 43u);

  Result<Principal> p = service_->AuthenticateToken(created->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "ci-upload");
  EXPECT_EQ(p->role, Role::kConsumer);
  EXPECT_TRUE(p->via_token);
  EXPECT_NE(service_->CreateToken("other", Role::kAdmin)->token, created->token);
}

TEST_F(AuthTokenTest, OnlyTheHashIsStored) {
  Result<CreatedToken> created = service_->CreateToken("ci-upload", Role::kConsumer);
  ASSERT_TRUE(created.ok());
  Result<std::optional<db::TokenRecord>> row = db_->FindTokenByHash(Sha256Hex(created->token));
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->name, "ci-upload");
  EXPECT_EQ((*row)->role, "consumer");
  EXPECT_EQ((*row)->created_ms, clock_.NowMs());
  EXPECT_EQ(DatabaseBytes().find(created->token.substr(4)), std::string::npos)
      << "the token secret reached the database file";

  Result<std::vector<db::TokenRecord>> listed = service_->ListTokens();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].token_hash, "") << "lists never carry the hash";
}

TEST_F(AuthTokenTest, UnknownMalformedAndHashTokensAreUnauthenticated) {
  Result<CreatedToken> created = service_->CreateToken("ci", Role::kConsumer);
  ASSERT_TRUE(created.ok());
  for (const std::string& bad : {std::string(), std::string("llt_"), std::string("llt_nope"),
                                 created->token.substr(4), created->token + "x", Sha256Hex(created->token),
                                 std::string(5000, 'l')}) {
    Result<Principal> p = service_->AuthenticateToken(bad);
    EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated) << bad;
  }
}

TEST_F(AuthTokenTest, LastUseIsRecordedAtMostOnceAMinute) {
  Result<CreatedToken> created = service_->CreateToken("ci", Role::kConsumer);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ((*db_->FindTokenByHash(Sha256Hex(created->token)))->last_used_ms, std::nullopt);
  clock_.AdvanceMs(1000);
  const int64_t first_use_ms = clock_.NowMs();
  ASSERT_TRUE(service_->AuthenticateToken(created->token).ok());
  EXPECT_EQ(service_->ListTokens()->at(0).last_used_ms, first_use_ms);
  clock_.AdvanceMs(30'000);
  ASSERT_TRUE(service_->AuthenticateToken(created->token).ok());
  EXPECT_EQ(service_->ListTokens()->at(0).last_used_ms, first_use_ms);
  clock_.AdvanceMs(30'000);
  ASSERT_TRUE(service_->AuthenticateToken(created->token).ok());
  EXPECT_EQ(service_->ListTokens()->at(0).last_used_ms, clock_.NowMs());
}

TEST_F(AuthTokenTest, ARevokedTokenNeverAuthenticatesAndItsNameCanBeReused) {
  Result<CreatedToken> first = service_->CreateToken("ci", Role::kConsumer);
  ASSERT_TRUE(first.ok());
  Result<CreatedToken> dup = service_->CreateToken("ci", Role::kAdmin);
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.status().message(), HasSubstr("'ci'"));

  clock_.AdvanceMs(1000);
  ASSERT_TRUE(service_->RevokeToken("ci").ok());
  EXPECT_EQ(service_->AuthenticateToken(first->token).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(service_->RevokeToken("ci").code(), StatusCode::kNotFound);

  Result<CreatedToken> second = service_->CreateToken("ci", Role::kAdmin);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(service_->AuthenticateToken(second->token)->role, Role::kAdmin);
  EXPECT_EQ(service_->AuthenticateToken(first->token).status().code(), StatusCode::kUnauthenticated);

  Result<std::vector<db::TokenRecord>> listed = service_->ListTokens();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].revoked_ms, clock_.NowMs());
  EXPECT_EQ((*listed)[1].revoked_ms, std::nullopt);
}

TEST_F(AuthTokenTest, TokenNamesFollowTheNameRule) {
  Result<CreatedToken> bad = service_->CreateToken("CI Bot", Role::kConsumer);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("API token name 'CI Bot'"));
  EXPECT_EQ(service_->RevokeToken("nope").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace labelloop::auth
