// The ScheduleDb contract, run against SQLite on a file and in memory, plus two handles on
// one file (the server and the CLI).
#include <filesystem>
#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/schedule_db.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct ScheduleDbFactory {
  std::string name;
  std::function<Result<std::unique_ptr<ScheduleDb>>(const std::string& dir, const Clock* clock)> open;
};
void PrintTo(const ScheduleDbFactory& f, std::ostream* os) { *os << f.name; }

const ScheduleDbFactory kFile{"SqliteFile", [](const std::string& dir, const Clock* clock) {
                                return OpenSqliteScheduleDb(dir + "/schedules.db", clock);
                              }};
const ScheduleDbFactory kMemory{"SqliteMemory", [](const std::string&, const Clock* clock) {
                                  return OpenSqliteScheduleDb(":memory:", clock);
                                }};

class ScheduleDbContractTest : public ::testing::TestWithParam<ScheduleDbFactory> {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-scheduledb-XXXXXX").string();
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

  ScheduleRecord Get(const std::string& name) {
    auto found = db_->FindSchedule(name);
    EXPECT_TRUE(found.ok() && found->has_value()) << name;
    return found.ok() && found->has_value() ? **found : ScheduleRecord{};
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<ScheduleDb> db_;
};

TEST_P(ScheduleDbContractTest, ConfigureCreatesArmsAndReArmsOnlyOnChange) {
  auto created = db_->ConfigureSchedule("s", true, 100, 1000);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(*created);
  EXPECT_EQ(Get("s"), (ScheduleRecord{"s", true, 100, 1100, std::nullopt, false}));

  auto same = db_->ConfigureSchedule("s", true, 100, 5000);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);
  EXPECT_EQ(Get("s").next_fire_ms, 1100) << "unchanged configuration must not re-arm";

  ASSERT_TRUE(db_->ConfigureSchedule("s", true, 300, 5000).ok());
  EXPECT_EQ(Get("s").next_fire_ms, 5300);
  ASSERT_TRUE(db_->ConfigureSchedule("s", false, 300, 6000).ok());
  EXPECT_EQ(Get("s"), (ScheduleRecord{"s", false, 300, std::nullopt, std::nullopt, false}));
  ASSERT_TRUE(db_->ConfigureSchedule("s", true, 300, 7000).ok());
  EXPECT_EQ(Get("s").next_fire_ms, 7300);
}

TEST_P(ScheduleDbContractTest, TakeDueTakesOnceAndAdvances) {
  ASSERT_TRUE(db_->ConfigureSchedule("a", true, 100, 0).ok());
  ASSERT_TRUE(db_->ConfigureSchedule("b", true, 1000, 0).ok());
  auto none = db_->TakeDue(99);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());

  auto due = db_->TakeDue(100);
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  EXPECT_THAT(*due, ElementsAre(ScheduleRecord{"a", true, 100, 100, std::nullopt, false}));
  EXPECT_EQ(Get("a"), (ScheduleRecord{"a", true, 100, 200, 100, false}));
  EXPECT_THAT(db_->TakeDue(100).value(), IsEmpty()) << "taken twice";

  // Long after: each fires once, next from now.
  auto late = db_->TakeDue(10'000);
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 2u);
  EXPECT_EQ(Get("a").next_fire_ms, 10'100);
  EXPECT_EQ(Get("b").next_fire_ms, 11'000);
  EXPECT_THAT(db_->TakeDue(10'000).value(), IsEmpty());
}

TEST_P(ScheduleDbContractTest, TriggerFiresOnceEvenWhenDisabledOrAbsent) {
  ASSERT_TRUE(db_->ConfigureSchedule("off", false, 100, 0).ok());
  ASSERT_TRUE(db_->RequestTrigger("off", 999).ok());
  ASSERT_TRUE(db_->RequestTrigger("new", 500).ok());
  EXPECT_EQ(Get("new"), (ScheduleRecord{"new", false, 500, std::nullopt, std::nullopt, true}));
  EXPECT_EQ(Get("off").period_ms, 100) << "the period of an existing schedule is kept";

  auto due = db_->TakeDue(50);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_TRUE((*due)[0].trigger_requested);
  EXPECT_EQ(Get("off"), (ScheduleRecord{"off", false, 100, std::nullopt, 50, false}));
  EXPECT_THAT(db_->TakeDue(1'000'000).value(), IsEmpty());

  // A configuration change keeps a pending trigger.
  ASSERT_TRUE(db_->RequestTrigger("new", 500).ok());
  ASSERT_TRUE(db_->ConfigureSchedule("new", true, 700, 2'000'000).ok());
  EXPECT_TRUE(Get("new").trigger_requested);
}

TEST_P(ScheduleDbContractTest, ListIsOrderedByNameAndBadArgumentsAreRefused) {
  ASSERT_TRUE(db_->ConfigureSchedule("zeta", true, 1, 0).ok());
  ASSERT_TRUE(db_->ConfigureSchedule("alpha", false, 1, 0).ok());
  auto list = db_->ListSchedules();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alpha");
  EXPECT_EQ(db_->ConfigureSchedule("", true, 1, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ConfigureSchedule("x", true, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->RequestTrigger("x", -5).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(db_->FindSchedule("x")->has_value());
}

INSTANTIATE_TEST_SUITE_P(All, ScheduleDbContractTest, ::testing::Values(kFile, kMemory),
                         [](const auto& info) { return info.param.name; });

TEST(SqliteScheduleDbTest, ATriggerFromAnotherHandleIsTakenByExactlyOneHandle) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-scheduledb-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  FakeClock clock;
  auto server1 = OpenSqliteScheduleDb(pattern + "/db", &clock);
  auto server2 = OpenSqliteScheduleDb(pattern + "/db", &clock);
  auto cli = OpenSqliteScheduleDb(pattern + "/db", &clock);
  ASSERT_TRUE(server1.ok() && server2.ok() && cli.ok());
  ASSERT_TRUE((*server1)->ConfigureSchedule("s", true, 1000, 0).ok());
  ASSERT_TRUE((*cli)->RequestTrigger("s", 1).ok());
  auto first = (*server2)->TakeDue(10);
  auto second = (*server1)->TakeDue(10);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size() + second->size(), 1u);
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::db
