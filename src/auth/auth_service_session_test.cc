// AuthService sessions: ids, expiry (idle and absolute), logout, CSRF tokens, and that only
// hashes of session ids reach the database.
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/auth_test_fixture.h"
#include "common/content_hash.h"

namespace labelloop::auth {
namespace {

class AuthSessionTest : public AuthServiceTest {
 protected:
  void SetUp() override {
    AuthServiceTest::SetUp();
    AddUserOrDie("alice", "correct horse", Role::kReviewer);
  }
  Session LoginOrDie() {
    Result<Session> s = service_->Login("alice", "correct horse", "127.0.0.1");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Session{};
  }
  StatusCode AuthCode(const std::string& id) { return service_->AuthenticateSession(id).status().code(); }
};

TEST_F(AuthSessionTest, EverySignInGetsANewRandom256BitId) {
  const Session a = LoginOrDie();
  const Session b = LoginOrDie();
  EXPECT_EQ(a.id.size(), 43u) << "32 bytes, base64url";
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.csrf_token, b.csrf_token);
  EXPECT_NE(a.id, a.csrf_token);
  EXPECT_EQ(AuthCode(a.id), StatusCode::kOk);
  EXPECT_EQ(AuthCode(b.id), StatusCode::kOk);
}

TEST_F(AuthSessionTest, AuthenticateReturnsThePrincipalAndCsrfToken) {
  const Session s = LoginOrDie();
  auto r = service_->AuthenticateSession(s.id);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first.name, "alice");
  EXPECT_EQ(r->first.role, Role::kReviewer);
  EXPECT_FALSE(r->first.via_token);
  EXPECT_EQ(r->first.session_id_hash, Sha256Hex(s.id));
  EXPECT_EQ(r->second, s.csrf_token);
}

TEST_F(AuthSessionTest, OnlyTheHashOfTheIdIsStored) {
  const Session s = LoginOrDie();
  Result<std::optional<db::SessionRecord>> row = db_->FindSession(Sha256Hex(s.id));
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->user, "alice");
  EXPECT_FALSE(db_->FindSession(s.id)->has_value());
  EXPECT_EQ(DatabaseBytes().find(s.id), std::string::npos) << "the raw session id reached the database file";
}

TEST_F(AuthSessionTest, UnknownIdsAreUnauthenticated) {
  EXPECT_EQ(AuthCode(""), StatusCode::kUnauthenticated);
  EXPECT_EQ(AuthCode("made-up-id"), StatusCode::kUnauthenticated);
  EXPECT_EQ(AuthCode(std::string(10'000, 'x')), StatusCode::kUnauthenticated);
  const Session s = LoginOrDie();
  EXPECT_EQ(AuthCode(Sha256Hex(s.id)), StatusCode::kUnauthenticated) << "the stored hash is not a credential";
}

TEST_F(AuthSessionTest, AnIdleSessionExpiresAndUseSlidesTheIdleExpiry) {
  const Session s = LoginOrDie();
  clock_.AdvanceMs(options_.session_idle_ms - 1);
  EXPECT_EQ(AuthCode(s.id), StatusCode::kOk) << "used just before idle expiry";
  clock_.AdvanceMs(options_.session_idle_ms - 1);
  EXPECT_EQ(AuthCode(s.id), StatusCode::kOk) << "the use above slid the expiry";
  clock_.AdvanceMs(options_.session_idle_ms);
  EXPECT_EQ(AuthCode(s.id), StatusCode::kUnauthenticated) << "idle for the whole idle time";
  EXPECT_FALSE(db_->FindSession(Sha256Hex(s.id))->has_value()) << "an expired session is deleted";
}

TEST_F(AuthSessionTest, ASessionEndsAtItsAbsoluteExpiryHoweverBusy) {
  const Session s = LoginOrDie();
  const int64_t step_ms = options_.session_idle_ms / 2;
  int64_t elapsed_ms = 0;
  while (elapsed_ms + step_ms < options_.session_absolute_ms) {
    clock_.AdvanceMs(step_ms);
    elapsed_ms += step_ms;
    ASSERT_EQ(AuthCode(s.id), StatusCode::kOk) << "after " << elapsed_ms << " ms";
  }
  clock_.AdvanceMs(options_.session_absolute_ms - elapsed_ms);
  EXPECT_EQ(AuthCode(s.id), StatusCode::kUnauthenticated);
}

TEST_F(AuthSessionTest, LogoutDeletesTheSessionOnly) {
  const Session a = LoginOrDie();
  const Session b = LoginOrDie();
  ASSERT_TRUE(service_->Logout(a.id).ok());
  EXPECT_EQ(AuthCode(a.id), StatusCode::kUnauthenticated);
  EXPECT_FALSE(db_->FindSession(Sha256Hex(a.id))->has_value());
  EXPECT_EQ(AuthCode(b.id), StatusCode::kOk);
  EXPECT_TRUE(service_->Logout(a.id).ok()) << "logging out twice is fine";
  EXPECT_TRUE(service_->Logout("").ok());
}

TEST_F(AuthSessionTest, CsrfTokensMatchOnlyTheirOwnLiveSession) {
  const Session a = LoginOrDie();
  const Session b = LoginOrDie();
  EXPECT_TRUE(service_->CheckCsrf(a.id, a.csrf_token));
  EXPECT_FALSE(service_->CheckCsrf(a.id, b.csrf_token));
  EXPECT_FALSE(service_->CheckCsrf(a.id, ""));
  EXPECT_FALSE(service_->CheckCsrf(a.id, a.csrf_token.substr(1)));
  EXPECT_FALSE(service_->CheckCsrf("unknown", a.csrf_token));
  ASSERT_TRUE(service_->Logout(a.id).ok());
  EXPECT_FALSE(service_->CheckCsrf(a.id, a.csrf_token));
  clock_.AdvanceMs(options_.session_idle_ms);
  EXPECT_FALSE(service_->CheckCsrf(b.id, b.csrf_token)) << "expired";
}

TEST_F(AuthSessionTest, ConcurrentSignInsEachGetTheirOwnWorkingSession) {
  constexpr int kThreads = 4;
  std::vector<Result<Session>> results(kThreads, UnauthenticatedError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = service_->Login("alice", "correct horse", "127.0.0.1"); });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> ids;
  for (const Result<Session>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ids.insert(r->id);
    EXPECT_EQ(AuthCode(r->id), StatusCode::kOk);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads));
}

TEST_F(AuthSessionTest, SignInSweepsExpiredSessions) {
  const Session old = LoginOrDie();
  clock_.AdvanceMs(options_.session_idle_ms);
  LoginOrDie();
  EXPECT_FALSE(db_->FindSession(Sha256Hex(old.id))->has_value());
}

}  // namespace
}  // namespace labelloop::auth
