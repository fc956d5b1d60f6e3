// SQLite-specific behaviour: migrations, file settings, corrupt files, several handles on
// one file. The shared MetadataDb contract is in metadata_db_contract_test.cc.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/metadata_db.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_migrations.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;
using ::testing::HasSubstr;

class SqliteMetadataDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/metadata.db";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<MetadataDb> OpenOrDie() {
    Result<std::unique_ptr<MetadataDb>> db = OpenSqliteMetadataDb(path_, &clock_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // (version, applied_ms) rows of schema_migrations, read over a raw connection.
  std::vector<std::pair<int64_t, int64_t>> AppliedMigrations(sqlite::Connection& connection) {
    Result<sqlite::Statement> stmt =
        connection.Prepare("SELECT version, applied_ms FROM schema_migrations ORDER BY version", "test");
    EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
    std::vector<std::pair<int64_t, int64_t>> rows;
    while (stmt.ok() && stmt->Step().value()) rows.emplace_back(stmt->ColumnInt64(0), stmt->ColumnInt64(1));
    return rows;
  }

  std::string QueryText(sqlite::Connection& connection, const std::string& sql) {
    Result<sqlite::Statement> stmt = connection.Prepare(sql, "test");
    if (!stmt.ok()) return "error: " + stmt.status().ToString();
    Result<bool> row = stmt->Step();
    if (!row.ok()) return "error: " + row.status().ToString();
    return *row ? stmt->ColumnText(0) : "";
  }

  ModelVersion Version(const std::string& name) {
    ModelVersion v;
    v.name = name;
    v.status = std::string(kTrainingCompleted);
    v.labels = {"a", "b"};
    v.created_ms = 1;
    return v;
  }

  std::string dir_;
  std::string path_;
  FakeClock clock_{1'000'000};
};

TEST_F(SqliteMetadataDbTest, ReopenKeepsDataAndAppliesNoMigrationTwice) {
  {
    std::unique_ptr<MetadataDb> db = OpenOrDie();
    ASSERT_TRUE(db->CreateModelVersion(Version("v1")).ok());
    ASSERT_TRUE(db->PutEvaluation("v1", "{}").ok());
    ASSERT_TRUE(db->PutEmbedding({"h", "b", "p"}, "bytes").ok());
  }
  clock_.AdvanceMs(60'000);
  {
    std::unique_ptr<MetadataDb> db = OpenOrDie();
    EXPECT_EQ(*db->GetModelVersion("v1"), Version("v1"));
    EXPECT_EQ(*db->GetEvaluation("v1"), "{}");
    EXPECT_EQ(db->FindEmbedding({"h", "b", "p"})->value(), "bytes");
  }
  Result<sqlite::Connection> raw = sqlite::Connection::Open(path_);
  ASSERT_TRUE(raw.ok());
  const auto applied = AppliedMigrations(*raw);
  ASSERT_EQ(applied.size(), sqlite::SqliteMigrations().size());
  for (size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].first, static_cast<int64_t>(i + 1));
    EXPECT_EQ(applied[i].second, 1'000'000) << "re-applied on reopen";
  }
}

TEST_F(SqliteMetadataDbTest, FileUsesWalModeAndForeignKeysAreEnforced) {
  std::unique_ptr<MetadataDb> db = OpenOrDie();
  Result<sqlite::Connection> raw = sqlite::Connection::Open(path_);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(QueryText(*raw, "PRAGMA journal_mode"), "wal");  // persistent in the file
  EXPECT_EQ(db->PutEvaluation("no-such-version", "{}").code(), StatusCode::kNotFound);
}

TEST_F(SqliteMetadataDbTest, OnlyNewMigrationsAreApplied) {
  const int64_t base = static_cast<int64_t>(sqlite::SqliteMigrations().size());
  Result<sqlite::Connection> connection = sqlite::Connection::Open(path_);
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(sqlite::ApplyMigrations(*connection, sqlite::SqliteMigrations(), clock_).ok());
  clock_.AdvanceMs(5);
  std::vector<sqlite::Migration> newer = sqlite::SqliteMigrations();
  newer.push_back({static_cast<int>(base + 1), "test: add a table",
                   "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (42);"});
  ASSERT_TRUE(sqlite::ApplyMigrations(*connection, newer, clock_).ok());
  ASSERT_TRUE(sqlite::ApplyMigrations(*connection, newer, clock_).ok());  // idempotent
  EXPECT_EQ(QueryText(*connection, "SELECT COUNT(*) FROM extra"), "1");
  const auto applied = AppliedMigrations(*connection);
  ASSERT_EQ(applied.size(), static_cast<size_t>(base + 1));
  EXPECT_EQ(applied.front().second, 1'000'000);
  EXPECT_EQ(applied.back().second, 1'000'005);
}

TEST_F(SqliteMetadataDbTest, FailedMigrationIsRolledBackWhole) {
  const int broken_version = static_cast<int>(sqlite::SqliteMigrations().size()) + 1;
  std::vector<sqlite::Migration> migrations = sqlite::SqliteMigrations();
  migrations.push_back({broken_version, "test: broken", "CREATE TABLE half (x); INSERT INTO missing VALUES (1);"});
  Result<sqlite::Connection> connection = sqlite::Connection::Open(path_);
  ASSERT_TRUE(connection.ok());
  const Status status = sqlite::ApplyMigrations(*connection, migrations, clock_);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("migration " + std::to_string(broken_version)));
  EXPECT_THAT(status.message(), HasSubstr("missing"));
  EXPECT_THAT(QueryText(*connection, "SELECT COUNT(*) FROM half"), HasSubstr("no such table"));
  EXPECT_EQ(AppliedMigrations(*connection).size(), sqlite::SqliteMigrations().size());
  // The earlier migrations stay applied and the database still opens.
  EXPECT_NE(OpenOrDie(), nullptr);
}

TEST_F(SqliteMetadataDbTest, DatabaseFromANewerLabelloopIsRefused) {
  ASSERT_NE(OpenOrDie(), nullptr);
  {
    Result<sqlite::Connection> raw = sqlite::Connection::Open(path_);
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw->Exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)", "test").ok());
  }
  Result<std::unique_ptr<MetadataDb>> db = OpenSqliteMetadataDb(path_, &clock_);
  EXPECT_EQ(db.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(db.status().message(), HasSubstr("999"));
  EXPECT_THAT(db.status().message(), HasSubstr(path_));
}

TEST_F(SqliteMetadataDbTest, FileThatIsNotADatabaseGivesDataLossNamingIt) {
  {
    std::ofstream out(path_, std::ios::binary);
    std::mt19937 random(7);
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>(random()));
  }
  Result<std::unique_ptr<MetadataDb>> db = OpenSqliteMetadataDb(path_, &clock_);
  EXPECT_EQ(db.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(db.status().message(), HasSubstr(path_));
  EXPECT_THAT(db.status().message(), HasSubstr("not a database"));
}

TEST_F(SqliteMetadataDbTest, CorruptPagesGiveDataLossNotACrash) {
  {
    std::unique_ptr<MetadataDb> db = OpenOrDie();
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(db->CreateModelVersion(Version("v" + std::to_string(i))).ok());
      ASSERT_TRUE(db->PutEmbedding({"h" + std::to_string(i), "b", "p"}, std::string(3000, 'e')).ok());
    }
  }
  ASSERT_FALSE(fs::exists(path_ + "-wal") && fs::file_size(path_ + "-wal") > 0) << "WAL not checkpointed on close";
  const auto size = fs::file_size(path_);
  ASSERT_GT(size, 8 * 4096u);
  {
    // Keep page 1 (header and schema), scribble over every other page.
    std::fstream file(path_, std::ios::in | std::ios::out | std::ios::binary);
    std::mt19937 random(11);
    file.seekp(4096);
    for (uintmax_t i = 4096; i < size; ++i) file.put(static_cast<char>(random()));
  }
  Result<std::unique_ptr<MetadataDb>> opened = OpenSqliteMetadataDb(path_, &clock_);
  if (!opened.ok()) {
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << opened.status().ToString();
    return;
  }
  MetadataDb& db = **opened;
  std::vector<Status> results = {db.GetModelVersion("v7").status(), db.ListModelVersions().status(),
                                 db.FindEmbedding({"h3", "b", "p"}).status(), db.CountEmbeddings().status(),
                                 db.CreateModelVersion(Version("new"))};
  int data_loss = 0;
  for (const Status& status : results) {
    EXPECT_THAT(status.code(), AnyOf(StatusCode::kOk, StatusCode::kDataLoss, StatusCode::kNotFound))
        << status.ToString();
    if (status.code() == StatusCode::kDataLoss) {
      ++data_loss;
      EXPECT_THAT(status.message(), HasSubstr(path_));
    }
  }
  EXPECT_GT(data_loss, 0);
}

TEST_F(SqliteMetadataDbTest, TruncatedFileGivesAClearError) {
  { ASSERT_NE(OpenOrDie(), nullptr); }
  fs::resize_file(path_, 100);  // half a header
  Result<std::unique_ptr<MetadataDb>> db = OpenSqliteMetadataDb(path_, &clock_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kDataLoss) << db.status().ToString();
  EXPECT_THAT(db.status().message(), HasSubstr(path_));
}

TEST_F(SqliteMetadataDbTest, MissingFolderIsAnErrorNamingThePath) {
  const std::string path = dir_ + "/no/such/folder/metadata.db";
  Result<std::unique_ptr<MetadataDb>> db = OpenSqliteMetadataDb(path, &clock_);
  EXPECT_EQ(db.status().code(), StatusCode::kFailedPrecondition) << db.status().ToString();
  EXPECT_THAT(db.status().message(), HasSubstr(path));
  EXPECT_EQ(OpenSqliteMetadataDb("", &clock_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteMetadataDbTest, TwoHandlesOnOneFileWaitForEachOther) {
  std::unique_ptr<MetadataDb> first = OpenOrDie();
  std::unique_ptr<MetadataDb> second = OpenOrDie();
  std::atomic<int> failures{0};
  const auto writer = [&](MetadataDb* db, const std::string& tag) {
    for (int i = 0; i < 40; ++i) {
      if (Status st = db->PutEmbedding({tag + std::to_string(i), "b", "p"}, tag); !st.ok()) {
        ++failures;
        ADD_FAILURE() << st.ToString();
      }
    }
  };
  std::thread a(writer, first.get(), "a");
  std::thread b(writer, second.get(), "b");
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(*first->CountEmbeddings(), 80);
  EXPECT_EQ(second->FindEmbedding({"a7", "b", "p"})->value(), "a");
}

}  // namespace
}  // namespace labelloop::db
