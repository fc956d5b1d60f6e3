// Contract of AuthDb (users, sessions, API tokens), run on the SQLite adapter: in memory,
// and on a file opened twice (as the CLI and the server do).
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/auth_db.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

UserRecord User(std::string name, std::string role = "reviewer") {
  return UserRecord{std::move(name), std::move(role), "$argon2id$fake", 1000, std::nullopt};
}

SessionRecord Session(std::string id_hash, std::string user, int64_t now_ms = 1000) {
  return SessionRecord{std::move(id_hash), std::move(user), "csrf", now_ms, now_ms, now_ms + 100, now_ms + 1000};
}

TokenRecord Token(std::string name, std::string hash, int64_t created_ms = 1000) {
  return TokenRecord{std::move(name), "consumer", std::move(hash), created_ms, std::nullopt, std::nullopt, ""};
}

class AuthDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<AuthDb>> db = OpenSqliteAuthDb(":memory:", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  FakeClock clock_;
  std::unique_ptr<AuthDb> db_;
};

TEST_F(AuthDbTest, UsersAreCreatedReadListedAndCounted) {
  ASSERT_TRUE(db_->CreateUser(User("bob")).ok());
  ASSERT_TRUE(db_->CreateUser(User("alice", "admin")).ok());
  Status again = db_->CreateUser(User("bob"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("'bob'"));

  Result<UserRecord> alice = db_->GetUser("alice");
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_EQ(*alice, User("alice", "admin"));
  EXPECT_EQ(db_->GetUser("carol").status().code(), StatusCode::kNotFound);

  Result<std::vector<UserRecord>> users = db_->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "alice");
  EXPECT_EQ((*users)[1].name, "bob");
  EXPECT_EQ(*db_->CountUsers(), 2);
}

TEST_F(AuthDbTest, AnUnknownRoleOrEmptyFieldIsRefused) {
  EXPECT_EQ(db_->CreateUser(User("bob", "root")).code(), StatusCode::kInvalidArgument);
  UserRecord no_hash = User("bob");
  no_hash.password_hash.clear();
  EXPECT_EQ(db_->CreateUser(no_hash).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*db_->CountUsers(), 0);
}

TEST_F(AuthDbTest, SetPasswordHashReplacesTheHashAndEndsTheUsersSessions) {
  ASSERT_TRUE(db_->CreateUser(User("bob")).ok());
  ASSERT_TRUE(db_->CreateUser(User("carol")).ok());
  ASSERT_TRUE(db_->CreateSession(Session("h1", "bob")).ok());
  ASSERT_TRUE(db_->CreateSession(Session("h2", "carol")).ok());
  ASSERT_TRUE(db_->SetPasswordHash("bob", "$argon2id$new").ok());
  EXPECT_EQ(db_->GetUser("bob")->password_hash, "$argon2id$new");
  EXPECT_FALSE(db_->FindSession("h1")->has_value());
  EXPECT_TRUE(db_->FindSession("h2")->has_value());
  EXPECT_EQ(db_->SetPasswordHash("nobody", "$argon2id$x").code(), StatusCode::kNotFound);
}

TEST_F(AuthDbTest, LastLoginIsRecorded) {
  ASSERT_TRUE(db_->CreateUser(User("bob")).ok());
  ASSERT_TRUE(db_->SetLastLogin("bob", 4242).ok());
  EXPECT_EQ(db_->GetUser("bob")->last_login_ms, 4242);
  EXPECT_EQ(db_->SetLastLogin("nobody", 1).code(), StatusCode::kNotFound);
}

TEST_F(AuthDbTest, DeleteUserKeepsTheLastOfTheProtectedRoleAndEndsSessions) {
  ASSERT_TRUE(db_->CreateUser(User("root", "admin")).ok());
  ASSERT_TRUE(db_->CreateUser(User("bob")).ok());
  ASSERT_TRUE(db_->CreateSession(Session("h1", "bob")).ok());

  Status last = db_->DeleteUser("root", "admin");
  EXPECT_EQ(last.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(last.message(), HasSubstr("last admin"));
  EXPECT_TRUE(db_->GetUser("root").ok());

  ASSERT_TRUE(db_->DeleteUser("bob", "admin").ok());
  EXPECT_EQ(db_->GetUser("bob").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(db_->FindSession("h1")->has_value());
  EXPECT_EQ(db_->DeleteUser("bob", "admin").code(), StatusCode::kNotFound);

  ASSERT_TRUE(db_->CreateUser(User("root2", "admin")).ok());
  EXPECT_TRUE(db_->DeleteUser("root", "admin").ok());
}

TEST_F(AuthDbTest, SessionsAreFoundTouchedDeletedAndExpired) {
  ASSERT_TRUE(db_->CreateUser(User("bob")).ok());
  EXPECT_EQ(db_->CreateSession(Session("h0", "nobody")).code(), StatusCode::kNotFound);
  ASSERT_TRUE(db_->CreateSession(Session("h1", "bob", 1000)).ok());
  ASSERT_TRUE(db_->CreateSession(Session("h2", "bob", 5000)).ok());
  EXPECT_EQ(db_->CreateSession(Session("h1", "bob")).code(), StatusCode::kAlreadyExists);

  Result<std::optional<SessionRecord>> found = db_->FindSession("h1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, Session("h1", "bob", 1000));
  EXPECT_FALSE(db_->FindSession("nope")->has_value());

  ASSERT_TRUE(db_->TouchSession("h1", 1050, 1150).ok());
  EXPECT_EQ((*db_->FindSession("h1"))->idle_expires_ms, 1150);
  EXPECT_EQ((*db_->FindSession("h1"))->last_seen_ms, 1050);
  EXPECT_TRUE(db_->TouchSession("nope", 1, 2).ok());

  // h1: idle until 1150; h2: idle until 5100.
  EXPECT_EQ(*db_->DeleteExpiredSessions(1149), 0);
  EXPECT_EQ(*db_->DeleteExpiredSessions(1150), 1);
  EXPECT_FALSE(db_->FindSession("h1")->has_value());
  ASSERT_TRUE(db_->DeleteSession("h2").ok());
  EXPECT_FALSE(db_->FindSession("h2")->has_value());
  EXPECT_TRUE(db_->DeleteSession("h2").ok());
}

TEST_F(AuthDbTest, TokenNamesAreUniqueAmongActiveTokensOnly) {
  ASSERT_TRUE(db_->CreateToken(Token("ci", "hash1", 1000)).ok());
  Status dup = db_->CreateToken(Token("ci", "hash2"));
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.message(), HasSubstr("'ci'"));

  ASSERT_TRUE(db_->RevokeToken("ci", 2000).ok());
  EXPECT_EQ(db_->RevokeToken("ci", 2001).code(), StatusCode::kNotFound);
  ASSERT_TRUE(db_->CreateToken(Token("ci", "hash2", 3000)).ok());

  Result<std::vector<TokenRecord>> tokens = db_->ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].token_hash, "hash1");
  EXPECT_EQ((*tokens)[0].revoked_ms, 2000);
  EXPECT_EQ((*tokens)[1].token_hash, "hash2");
  EXPECT_EQ((*tokens)[1].revoked_ms, std::nullopt);
}

TEST_F(AuthDbTest, TokensAreFoundByHashAndRecordTheirLastUse) {
  ASSERT_TRUE(db_->CreateToken(Token("ci", "hash1")).ok());
  ASSERT_TRUE(db_->SetTokenLastUsed("hash1", 7777).ok());
  Result<std::optional<TokenRecord>> found = db_->FindTokenByHash("hash1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->name, "ci");
  EXPECT_EQ((*found)->role, "consumer");
  EXPECT_EQ((*found)->last_used_ms, 7777);
  EXPECT_FALSE(db_->FindTokenByHash("other")->has_value());
  TokenRecord bad_role = Token("y", "h2");
  bad_role.role = "root";
  EXPECT_EQ(db_->CreateToken(bad_role).code(), StatusCode::kInvalidArgument);
}

TEST(AuthDbFileTest, TwoHandlesOnOneFileSeeEachOthersWrites) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-authdb-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/labelloop.db";
  FakeClock clock;
  {
    Result<std::unique_ptr<AuthDb>> cli = OpenSqliteAuthDb(path, &clock);
    Result<std::unique_ptr<AuthDb>> server = OpenSqliteAuthDb(path, &clock);
    ASSERT_TRUE(cli.ok() && server.ok()) << cli.status().ToString() << server.status().ToString();
    ASSERT_TRUE((*cli)->CreateUser(User("bob")).ok());
    Result<std::vector<UserRecord>> users = (*server)->ListUsers();
    ASSERT_TRUE(users.ok());
    ASSERT_EQ(users->size(), 1u);
    EXPECT_EQ((*users)[0].name, "bob");
  }
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::db
