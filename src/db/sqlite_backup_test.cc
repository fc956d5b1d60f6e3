// The online copy of a live database: a consistent snapshot while another connection keeps
// committing, and clear errors for a missing source, an existing destination, a file that is
// not a database.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/sqlite_backup.h"
#include "db/sqlite_handle.h"
#include "db/sqlite_open.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SqliteBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-sqlite-backup-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  sqlite::Connection OpenOrDie(const std::string& path) {
    Result<sqlite::Connection> c = sqlite::Connection::Open(path);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  int64_t Count(const std::string& path) {
    sqlite::Connection c = OpenOrDie(path);
    Result<sqlite::Statement> stmt = c.Prepare("SELECT count(*) FROM t", "count");
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(*stmt->Step());
    return stmt->ColumnInt64(0);
  }

  std::string dir_;
  FakeClock clock_;
};

TEST_F(SqliteBackupTest, EveryConnectionCommitsDurably) {
  Result<sqlite::Connection> c = sqlite::OpenMigratedConnection(dir_ + "/db", clock_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Result<sqlite::Statement> stmt = c->Prepare("PRAGMA synchronous", "synchronous");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt64(0), 2) << "2 is FULL: a commit is fsynced before it returns";
}

TEST_F(SqliteBackupTest, CopiesOneSnapshotWhileAnotherConnectionWrites) {
  const std::string source = dir_ + "/live.db";
  {
    sqlite::Connection c = OpenOrDie(source);
    ASSERT_TRUE(c.Exec("PRAGMA journal_mode=WAL; CREATE TABLE t(x INTEGER, pad BLOB)", "schema").ok());
    // Enough pages for several backup steps.
    ASSERT_TRUE(c.Exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 5000) "
                       "INSERT INTO t SELECT i, randomblob(1000) FROM n", "fill").ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    sqlite::Connection c = OpenOrDie(source);
    ASSERT_TRUE(c.Exec("PRAGMA busy_timeout=5000", "busy").ok());
    while (!stop) {
      if (c.Exec("INSERT INTO t VALUES (-1, randomblob(1000))", "insert").ok()) ++commits;
    }
  });
  int64_t rows_at_snapshot = -1;
  DatabaseCopyHooks hooks;
  hooks.on_snapshot = [&] {
    // Wait for the writer to commit more while the snapshot is held.
    const int before = commits;
    while (commits < before + 20) std::this_thread::yield();
  };
  int progress_calls = 0;
  hooks.on_progress = [&](int64_t done, int64_t total) {
    ++progress_calls;
    EXPECT_LE(done, total);
  };
  Result<DatabaseCopyStats> stats = CopySqliteDatabase(source, dir_ + "/copy.db", hooks);
  stop = true;
  writer.join();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GT(progress_calls, 1);
  EXPECT_GT(stats->pages, 1024);
  // The copy is whole and self-consistent: every row the snapshot had, none of the later ones.
  rows_at_snapshot = Count(dir_ + "/copy.db");
  EXPECT_GE(rows_at_snapshot, 5000);
  EXPECT_LT(rows_at_snapshot, Count(source));
}

TEST_F(SqliteBackupTest, RefusesAMissingSourceAnExistingDestinationAndAFileThatIsNotADatabase) {
  EXPECT_EQ(CopySqliteDatabase(dir_ + "/none.db", dir_ + "/copy.db").status().code(), StatusCode::kNotFound);
  { OpenOrDie(dir_ + "/a.db").Exec("CREATE TABLE t(x)", "schema").IgnoreError(); }
  std::ofstream(dir_ + "/exists.db") << "x";
  Result<DatabaseCopyStats> exists = CopySqliteDatabase(dir_ + "/a.db", dir_ + "/exists.db");
  EXPECT_EQ(exists.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(exists.status().message(), HasSubstr("exists.db"));
  std::ofstream(dir_ + "/text.db") << "this is not an SQLite database, just some text that is long enough";
  Result<DatabaseCopyStats> text = CopySqliteDatabase(dir_ + "/text.db", dir_ + "/copy.db");
  EXPECT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("text.db"));
  EXPECT_FALSE(fs::exists(dir_ + "/copy.db")) << "a failed copy leaves nothing behind";
}

}  // namespace
}  // namespace labelloop::db
