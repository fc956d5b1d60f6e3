// Test-only: an AuthService on a fresh SQLite AuthDb in a temporary folder (a real file, so
// tests can read what reached the disk) with a FakeClock. Not thread-safe.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "auth/auth_service.h"
#include "db/auth_db.h"

namespace labelloop::auth {

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.password_hash_cost = kMinimalHashCostForTests;  // many sign-ins; cost tested in password_hasher_test
    std::string pattern = (std::filesystem::temp_directory_path() / "labelloop-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Result<std::unique_ptr<db::AuthDb>> db = db::OpenSqliteAuthDb(dir_ + "/labelloop.db", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    service_ = std::make_unique<AuthService>(db_.get(), &clock_, options_);
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Every byte the database has written so far (main file and write-ahead log).
  std::string DatabaseBytes() const {
    std::string all;
    for (const char* suffix : {"", "-wal", "-journal"}) {
      std::ifstream in(dir_ + "/labelloop.db" + suffix, std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      all += buffer.str();
    }
    return all;
  }

  void AddUserOrDie(const std::string& name, const std::string& password, Role role) {
    Status s = service_->AddUser(name, password, role);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  AuthOptions options_;
  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<db::AuthDb> db_;
  std::unique_ptr<AuthService> service_;
};

}  // namespace labelloop::auth
