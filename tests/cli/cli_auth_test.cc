// Black-box tests of `labelloop users ...` and `labelloop tokens ...`: the first admin and
// its one-time password, the password and name rules, the last-admin guard, and API tokens
// printed once and stored only as hashes. Each test runs in a fresh data folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace labelloop::cli_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_.Sub("data");
    CommandResult init = RunLabelloop({"init", "--data", data_});
    ASSERT_EQ(init.exit_code, 0) << init;
  }

  // No LABELLOOP_ADMIN_PASSWORD from the developer's shell unless a test sets one.
  RunOptions Options(std::optional<std::string> admin_password = std::nullopt) {
    RunOptions options;
    options.env["LABELLOOP_ADMIN_PASSWORD"] = std::move(admin_password);
    return options;
  }
  CommandResult Labelloop(const std::vector<std::string>& args) { return RunLabelloopOn(data_, args, Options()); }

  // `labelloop --data DATA args... < file-with(stdin_text)`: the runner gives children
  // /dev/null as stdin, so a shell redirects it (arguments are passed, never interpolated).
  CommandResult LabelloopWithStdin(const std::vector<std::string>& args, const std::string& stdin_text) {
    const std::string input = scratch_.Sub("stdin-" + std::to_string(stdin_files_++));
    WriteFileBytes(input, stdin_text);
    std::vector<std::string> argv = {"/bin/sh", "-c", "in=$1; shift; exec \"$@\" < \"$in\"", "sh", input,
                                     LABELLOOP_BINARY, "--data", data_};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options = Options();
    options.env["LABELLOOP_DATA"] = std::nullopt;
    return RunCommand(argv, options);
  }

  Json UsersJson() {
    CommandResult list = Labelloop({"users", "list", "--json"});
    EXPECT_EQ(list.exit_code, 0) << list;
    return ParseJsonOrNull(list.out);
  }
  Json TokensJson() {
    CommandResult list = Labelloop({"tokens", "list", "--json"});
    EXPECT_EQ(list.exit_code, 0) << list;
    return ParseJsonOrNull(list.out);
  }
  std::string DatabaseBytes() const {
    return ReadFileBytes(data_ + "/labelloop.db") + ReadFileBytes(data_ + "/labelloop.db-wal");
  }

  ScratchDir scratch_{"labelloop-cli-auth"};
  std::string data_;
  int stdin_files_ = 0;
};

TEST_F(CliAuthTest, TheFirstUsersCommandCreatesAdminAndPrintsItsPasswordOnce) {
  CommandResult first = Labelloop({"users", "list"});
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_THAT(first.err, HasSubstr("one-time password")) << first;
  EXPECT_THAT(first.out, HasSubstr("admin")) << first;
  EXPECT_THAT(first.out, HasSubstr("LAST LOGIN")) << first;

  CommandResult second = Labelloop({"users", "list"});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_THAT(second.err, Not(HasSubstr("password"))) << second;

  const Json users = UsersJson();
  ASSERT_EQ(users.size(), 1u) << users;
  EXPECT_EQ(users[0]["name"], "admin");
  EXPECT_EQ(users[0]["role"], "admin");
  EXPECT_TRUE(users[0]["last_login"].is_null());
  EXPECT_FALSE(users[0].contains("password_hash"));
}

TEST_F(CliAuthTest, LabelloopAdminPasswordIsUsedAndNeverPrinted) {
  CommandResult r = RunLabelloopOn(data_, {"users", "list"}, Options("from-the-environment"));
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, Not(HasSubstr("one-time password"))) << r;
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("from-the-environment"))) << r;
  EXPECT_EQ(UsersJson().size(), 1u);
  EXPECT_EQ(DatabaseBytes().find("from-the-environment"), std::string::npos);

  CommandResult short_env = RunLabelloopOn(scratch_.Sub("other"), {"init"}, Options());
  ASSERT_EQ(short_env.exit_code, 0) << short_env;
  CommandResult refused = RunLabelloopOn(scratch_.Sub("other"), {"users", "list"}, Options("short"));
  EXPECT_EQ(refused.exit_code, 2) << refused;
  EXPECT_THAT(refused.err, HasSubstr("LABELLOOP_ADMIN_PASSWORD")) << refused;
  EXPECT_THAT(refused.err, HasSubstr("at least 8 characters")) << refused;
}

TEST_F(CliAuthTest, UsersAreAddedListedRepasswordedAndRemoved) {
  CommandResult add = LabelloopWithStdin({"users", "add", "alice", "--role", "reviewer", "--password-stdin"},
                                         "correct horse\n");
  ASSERT_EQ(add.exit_code, 0) << add;
  EXPECT_THAT(add.err, HasSubstr("added user 'alice' (role reviewer)")) << add;
  EXPECT_EQ(DatabaseBytes().find("correct horse"), std::string::npos) << "the password reached the database";

  Json users = UsersJson();
  ASSERT_EQ(users.size(), 2u) << users;
  EXPECT_EQ(users[1]["name"], "alice");
  EXPECT_EQ(users[1]["role"], "reviewer");

  CommandResult again = LabelloopWithStdin({"users", "add", "alice", "--role", "admin", "--password-stdin"},
                                           "other password\n");
  EXPECT_EQ(again.exit_code, 1) << again;
  EXPECT_THAT(again.err, HasSubstr("user 'alice' already exists")) << again;

  CommandResult passwd = LabelloopWithStdin({"users", "passwd", "alice", "--password-stdin"}, "battery staple\n");
  ASSERT_EQ(passwd.exit_code, 0) << passwd;
  CommandResult passwd_nobody =
      LabelloopWithStdin({"users", "passwd", "nobody", "--password-stdin"}, "battery staple\n");
  EXPECT_EQ(passwd_nobody.exit_code, 1) << passwd_nobody;
  EXPECT_THAT(passwd_nobody.err, HasSubstr("user 'nobody' does not exist")) << passwd_nobody;

  CommandResult remove = Labelloop({"users", "remove", "alice"});
  ASSERT_EQ(remove.exit_code, 0) << remove;
  EXPECT_EQ(UsersJson().size(), 1u);
  CommandResult remove_again = Labelloop({"users", "remove", "alice"});
  EXPECT_EQ(remove_again.exit_code, 1) << remove_again;
}

TEST_F(CliAuthTest, TheLastAdminCannotBeRemoved) {
  CommandResult refused = Labelloop({"users", "remove", "admin"});
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_THAT(refused.err, HasSubstr("last admin")) << refused;
  ASSERT_EQ(LabelloopWithStdin({"users", "add", "root", "--role", "admin", "--password-stdin"}, "correct horse\n")
                .exit_code,
            0);
  CommandResult removed = Labelloop({"users", "remove", "admin"});
  EXPECT_EQ(removed.exit_code, 0) << removed;
  EXPECT_EQ(UsersJson()[0]["name"], "root");
}

TEST_F(CliAuthTest, BadNamesRolesAndPasswordsAreRefusedWithTheRule) {
  CommandResult short_password =
      LabelloopWithStdin({"users", "add", "bob", "--role", "reviewer", "--password-stdin"}, "short\n");
  EXPECT_EQ(short_password.exit_code, 2) << short_password;
  EXPECT_THAT(short_password.err, HasSubstr("at least 8 characters")) << short_password;

  CommandResult bad_name =
      LabelloopWithStdin({"users", "add", "Bob Smith", "--role", "reviewer", "--password-stdin"}, "correct horse\n");
  EXPECT_EQ(bad_name.exit_code, 2) << bad_name;
  EXPECT_THAT(bad_name.err, HasSubstr("user name 'Bob Smith'")) << bad_name;

  CommandResult bad_role =
      LabelloopWithStdin({"users", "add", "bob", "--role", "root", "--password-stdin"}, "correct horse\n");
  EXPECT_EQ(bad_role.exit_code, 2) << bad_role;
  EXPECT_THAT(bad_role.err, HasSubstr("unknown role 'root'")) << bad_role;

  CommandResult no_input = LabelloopWithStdin({"users", "add", "bob", "--role", "reviewer", "--password-stdin"}, "");
  EXPECT_EQ(no_input.exit_code, 2) << no_input;
  EXPECT_THAT(no_input.err, HasSubstr("stdin is empty")) << no_input;

  CommandResult no_tty = Labelloop({"users", "add", "bob", "--role", "reviewer"});
  EXPECT_EQ(no_tty.exit_code, 2) << no_tty;
  EXPECT_THAT(no_tty.err, HasSubstr("--password-stdin")) << no_tty;

  EXPECT_EQ(UsersJson().size(), 1u) << "only admin";
}

TEST_F(CliAuthTest, ATokenIsPrintedOnceAndOnlyItsHashIsKept) {
  CommandResult create = Labelloop({"tokens", "create", "ci-upload", "--role", "consumer"});
  ASSERT_EQ(create.exit_code, 0) << create;
  ASSERT_EQ(create.OutLines().size(), 1u) << "stdout is the token alone\n" << create;
  const std::string token = create.LastOutLine();
  EXPECT_THAT(token, StartsWith("llt_"));
  EXPECT_EQ(token.size(), 47u) << token;
  EXPECT_THAT(create.err, HasSubstr("shown once")) << create;
  EXPECT_EQ(DatabaseBytes().find(token.substr(4)), std::string::npos) << "the token secret reached the database";

  CommandResult list = Labelloop({"tokens", "list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_THAT(list.out, HasSubstr("ci-upload")) << list;
  EXPECT_THAT(list.out, HasSubstr("LAST USED")) << list;
  EXPECT_THAT(list.out, Not(HasSubstr(token.substr(4, 10)))) << list;

  const Json tokens = TokensJson();
  ASSERT_EQ(tokens.size(), 1u) << tokens;
  EXPECT_EQ(tokens[0]["name"], "ci-upload");
  EXPECT_EQ(tokens[0]["role"], "consumer");
  EXPECT_TRUE(tokens[0]["last_used"].is_null());
  EXPECT_TRUE(tokens[0]["revoked"].is_null());
  EXPECT_EQ(tokens[0].dump().find(token.substr(4, 10)), std::string::npos);
}

TEST_F(CliAuthTest, TokensAreRevokedByNameAndNamesAreUniqueAmongActiveOnes) {
  ASSERT_EQ(Labelloop({"tokens", "create", "ci", "--role", "consumer"}).exit_code, 0);
  CommandResult dup = Labelloop({"tokens", "create", "ci", "--role", "admin"});
  EXPECT_EQ(dup.exit_code, 1) << dup;
  EXPECT_THAT(dup.err, HasSubstr("'ci' already exists")) << dup;
  EXPECT_TRUE(dup.out.empty()) << dup;

  CommandResult revoke = Labelloop({"tokens", "revoke", "ci"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke;
  CommandResult revoke_again = Labelloop({"tokens", "revoke", "ci"});
  EXPECT_EQ(revoke_again.exit_code, 1) << revoke_again;
  EXPECT_THAT(revoke_again.err, HasSubstr("no active API token named 'ci'")) << revoke_again;

  ASSERT_EQ(Labelloop({"tokens", "create", "ci", "--role", "admin"}).exit_code, 0);
  const Json tokens = TokensJson();
  ASSERT_EQ(tokens.size(), 2u) << tokens;
  EXPECT_FALSE(tokens[0]["revoked"].is_null()) << tokens;
  EXPECT_TRUE(tokens[1]["revoked"].is_null()) << tokens;
  EXPECT_EQ(tokens[1]["role"], "admin");

  CommandResult bad_role = Labelloop({"tokens", "create", "x", "--role", "superuser"});
  EXPECT_EQ(bad_role.exit_code, 2) << bad_role;
  CommandResult bad_name = Labelloop({"tokens", "create", "CI Bot", "--role", "consumer"});
  EXPECT_EQ(bad_name.exit_code, 2) << bad_name;
  EXPECT_THAT(bad_name.err, HasSubstr("API token name 'CI Bot'")) << bad_name;
}

}  // namespace
}  // namespace labelloop::cli_test
