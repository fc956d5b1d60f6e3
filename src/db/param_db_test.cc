// The ParamDb contract, run against SQLite on a file and in memory (PostgreSQL joins by
// adding a factory), plus what only a file shows: two handles (two processes) see one
// change sequence.
#include <filesystem>
#include <functional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/param_db.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct ParamDbFactory {
  std::string name;
  std::function<Result<std::unique_ptr<ParamDb>>(const std::string& dir, const Clock* clock)> open;
};
void PrintTo(const ParamDbFactory& f, std::ostream* os) { *os << f.name; }

const ParamDbFactory kFile{"SqliteFile", [](const std::string& dir, const Clock* clock) {
                             return OpenSqliteParamDb(dir + "/params.db", clock);
                           }};
const ParamDbFactory kMemory{"SqliteMemory",
                             [](const std::string&, const Clock* clock) { return OpenSqliteParamDb(":memory:", clock); }};

class ParamDbContractTest : public ::testing::TestWithParam<ParamDbFactory> {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-paramdb-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = GetParam().open(dir_, &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  ParamChange Append(const std::string& name, const std::string& value, int64_t ms = 1000,
                     const std::string& by = "test") {
    Result<ParamChange> change = db_->AppendVersion(name, value, ms, by);
    EXPECT_TRUE(change.ok()) << change.status().ToString();
    return change.ok() ? *change : ParamChange{};
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<ParamDb> db_;
};

TEST_P(ParamDbContractTest, VersionsCountPerNameAndSeqCountsGlobally) {
  ParamChange a1 = Append("A", "1", 10, "system");
  ParamChange b1 = Append("B", "x", 20, "cli:alice");
  ParamChange a2 = Append("A", "2", 30, "cli:bob");
  EXPECT_EQ(a1, (ParamChange{a1.seq, "A", "1", 1, 10, "system"}));
  EXPECT_EQ(b1.version, 1);
  EXPECT_EQ(a2.version, 2);
  EXPECT_GT(a1.seq, 0);
  EXPECT_LT(a1.seq, b1.seq);
  EXPECT_LT(b1.seq, a2.seq);

  auto latest = db_->FindLatest("A");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(*latest, a2);
  auto versions = db_->ListVersions("A");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, ElementsAre(a2, a1));
  auto all_latest = db_->ListLatest();
  ASSERT_TRUE(all_latest.ok());
  EXPECT_THAT(*all_latest, ElementsAre(a2, b1));
  auto last = db_->LastChangeSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, a2.seq);
}

TEST_P(ParamDbContractTest, TheSameValueAgainIsANewVersion) {
  Append("A", "same");
  EXPECT_EQ(Append("A", "same").version, 2);
}

TEST_P(ParamDbContractTest, NeverWrittenIsEmptyNotAnError) {
  auto latest = db_->FindLatest("nope");
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
  auto versions = db_->ListVersions("nope");
  ASSERT_TRUE(versions.ok());
  EXPECT_THAT(*versions, IsEmpty());
  auto last = db_->LastChangeSeq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 0);
  auto changes = db_->ListChangesAfter(0, 10);
  ASSERT_TRUE(changes.ok());
  EXPECT_THAT(*changes, IsEmpty());
}

TEST_P(ParamDbContractTest, AppendFirstVersionWritesOnlyOnce) {
  auto first = db_->AppendFirstVersion("A", "default", 5, "system");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->version, 1);
  auto again = db_->AppendFirstVersion("A", "other", 6, "system");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  Append("B", "user value");
  auto not_over_user = db_->AppendFirstVersion("B", "default", 7, "system");
  ASSERT_TRUE(not_over_user.ok());
  EXPECT_FALSE(not_over_user->has_value());
  EXPECT_EQ(db_->FindLatest("A")->value().value, "default");
  EXPECT_EQ(db_->FindLatest("B")->value().value, "user value");
  EXPECT_EQ(*db_->LastChangeSeq(), 2) << "no change recorded for the skipped writes";
}

TEST_P(ParamDbContractTest, ListChangesAfterIsACursor) {
  std::vector<ParamChange> written;
  for (int i = 0; i < 7; ++i) written.push_back(Append(i % 2 ? "A" : "B", std::to_string(i), 100 + i));
  std::vector<ParamChange> seen;
  int64_t cursor = 0;
  int batches = 0;
  while (true) {
    auto batch = db_->ListChangesAfter(cursor, 3);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (batch->empty()) break;
    EXPECT_LE(batch->size(), 3u);
    for (const ParamChange& c : *batch) {
      EXPECT_GT(c.seq, cursor);
      cursor = c.seq;
      seen.push_back(c);
    }
    ++batches;
  }
  EXPECT_EQ(seen, written);
  EXPECT_EQ(batches, 3);
  // Only new changes after the cursor.
  ParamChange later = Append("A", "later");
  auto next = db_->ListChangesAfter(cursor, 100);
  ASSERT_TRUE(next.ok());
  EXPECT_THAT(*next, ElementsAre(later));
}

TEST_P(ParamDbContractTest, RefusesBadArguments) {
  EXPECT_EQ(db_->AppendVersion("", "v", 1, "x").status().code(), StatusCode::kInvalidArgument);
  Result<ParamChange> no_actor = db_->AppendVersion("A", "v", 1, "");
  EXPECT_EQ(no_actor.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_actor.status().message(), HasSubstr("modified_by"));
  EXPECT_EQ(db_->AppendFirstVersion("", "v", 1, "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListChangesAfter(0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListChangesAfter(-1, 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*db_->LastChangeSeq(), 0) << "a refused write changed something";
}

TEST_P(ParamDbContractTest, ConcurrentWritersGetDistinctVersions) {
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(db_->AppendVersion("A", std::to_string(t * 100 + i), i, "t").ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto versions = db_->ListVersions("A");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < versions->size(); ++i) {
    EXPECT_EQ((*versions)[i].version, static_cast<int64_t>(versions->size() - i));
  }
}

INSTANTIATE_TEST_SUITE_P(All, ParamDbContractTest, ::testing::Values(kFile, kMemory),
                         [](const auto& info) { return info.param.name; });

TEST(SqliteParamDbTest, TwoHandlesOnOneFileShareVersionsAndTheChangeSequence) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-paramdb-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/shared.db";
  FakeClock clock;
  auto server = OpenSqliteParamDb(path, &clock);
  auto cli = OpenSqliteParamDb(path, &clock);
  ASSERT_TRUE(server.ok() && cli.ok());
  auto cursor = (*server)->LastChangeSeq();
  ASSERT_TRUE(cursor.ok());
  auto from_cli = (*cli)->AppendVersion("A", "1", 1, "cli:x");
  auto from_server = (*server)->AppendVersion("A", "2", 2, "system");
  ASSERT_TRUE(from_cli.ok() && from_server.ok());
  EXPECT_EQ(from_server->version, 2);
  auto seen = (*server)->ListChangesAfter(*cursor, 10);
  ASSERT_TRUE(seen.ok());
  EXPECT_THAT(*seen, ElementsAre(*from_cli, *from_server));
  server->reset();
  cli->reset();
  // Persisted: a fresh handle sees the same history.
  auto reopened = OpenSqliteParamDb(path, &clock);
  ASSERT_TRUE(reopened.ok());
  EXPECT_THAT((*reopened)->ListVersions("A").value(), ElementsAre(*from_server, *from_cli));
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::db
