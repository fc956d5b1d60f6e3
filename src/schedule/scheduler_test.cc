// Scheduler with a FakeClock over a real SQLite ScheduleDb (in memory, or a temp file for
// persistence and cross-process triggers). No sleeps: time moves by AdvanceMs.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedule/scheduler.h"

namespace labelloop::schedule {

// Readable failures (found by argument-dependent lookup).
void PrintTo(const ScheduleState& s, std::ostream* os) {
  *os << "{" << s.name << ", enabled " << s.enabled << ", period " << s.period_ms << ", next "
      << (s.next_fire_ms ? std::to_string(*s.next_fire_ms) : "none") << ", last "
      << (s.last_fire_ms ? std::to_string(*s.last_fire_ms) : "none") << ", trigger " << s.trigger_requested << "}";
}
void PrintTo(const ScheduleFire& f, std::ostream* os) {
  *os << "{" << f.name << " at " << f.fire_ms << (f.manual ? ", manual}" : "}");
}

namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'700'000'000'000;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::OpenSqliteScheduleDb(":memory:", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    scheduler_ = std::make_unique<Scheduler>(db_.get(), &clock_);
  }

  std::vector<ScheduleFire> TakeDue() {
    auto fires = scheduler_->TakeDue();
    EXPECT_TRUE(fires.ok()) << fires.status().ToString();
    return fires.ok() ? *fires : std::vector<ScheduleFire>{};
  }
  ScheduleState State(std::string_view name) {
    const std::vector<ScheduleState> states = scheduler_->List().value();
    for (const ScheduleState& s : states) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no schedule " << name;
    return {};
  }
  std::optional<int64_t> NextWake() { return scheduler_->NextWakeMs().value(); }

  FakeClock clock_{kT0};
  std::unique_ptr<db::ScheduleDb> db_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, NeverConfiguredSchedulesAreListedDisabledWithTheDefaultPeriod) {
  auto list = scheduler_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, ElementsAre(ScheduleState{"training-poll", false, kDefaultPeriodMs, {}, {}, false},
                                 ScheduleState{"sampling-poll", false, kDefaultPeriodMs, {}, {}, false}));
  EXPECT_THAT(TakeDue(), IsEmpty());
  EXPECT_EQ(NextWake(), std::nullopt);
}

TEST_F(SchedulerTest, ConfigureArmsAndReArmsOnlyWhenTheConfigurationChanges) {
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 720 * kMinute).ok());
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, kT0 + 720 * kMinute);
  clock_.AdvanceMs(100 * kMinute);
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 720 * kMinute).ok());
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, kT0 + 720 * kMinute) << "unchanged configuration re-armed";

  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 5 * kMinute).ok());
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, kT0 + 105 * kMinute) << "a new period counts from now";
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, false, 5 * kMinute).ok());
  EXPECT_EQ(State(kTrainingPoll), (ScheduleState{"training-poll", false, 5 * kMinute, {}, {}, false}));
  clock_.AdvanceMs(kMinute);
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 5 * kMinute).ok());
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, kT0 + 106 * kMinute) << "re-enabled: armed from now";
  EXPECT_EQ(State(kSamplingPoll).enabled, false) << "the other schedule is untouched";
}

TEST_F(SchedulerTest, ADueScheduleFiresOnceAndThenEveryPeriod) {
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 10 * kMinute).ok());
  ASSERT_TRUE(scheduler_->Configure(kSamplingPoll, true, 15 * kMinute).ok());
  EXPECT_EQ(NextWake(), kT0 + 10 * kMinute);
  clock_.AdvanceMs(10 * kMinute - 1);
  EXPECT_THAT(TakeDue(), IsEmpty());
  clock_.AdvanceMs(1);
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"training-poll", kT0 + 10 * kMinute, false}));
  EXPECT_THAT(TakeDue(), IsEmpty()) << "fired twice";
  EXPECT_EQ(State(kTrainingPoll).last_fire_ms, kT0 + 10 * kMinute);
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, kT0 + 20 * kMinute);
  EXPECT_EQ(NextWake(), kT0 + 15 * kMinute);

  clock_.AdvanceMs(5 * kMinute);
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"sampling-poll", kT0 + 15 * kMinute, false}));
  clock_.AdvanceMs(5 * kMinute);
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"training-poll", kT0 + 20 * kMinute, false}));
}

TEST_F(SchedulerTest, AfterALongGapEachScheduleCatchesUpOnceNotOncePerMissedPeriod) {
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 10 * kMinute).ok());
  ASSERT_TRUE(scheduler_->Configure(kSamplingPoll, true, 15 * kMinute).ok());
  clock_.AdvanceMs(7 * 24 * 60 * kMinute);  // a week down
  const int64_t now = clock_.NowMs();
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"sampling-poll", now, false},
                                     ScheduleFire{"training-poll", now, false}));
  EXPECT_THAT(TakeDue(), IsEmpty());
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, now + 10 * kMinute);
  EXPECT_EQ(State(kSamplingPoll).next_fire_ms, now + 15 * kMinute);
}

TEST_F(SchedulerTest, ADisabledScheduleNeverFiresByTime) {
  ASSERT_TRUE(scheduler_->Configure(kSamplingPoll, true, kMinute).ok());
  ASSERT_TRUE(scheduler_->Configure(kSamplingPoll, false, kMinute).ok());
  clock_.AdvanceMs(1000 * kMinute);
  EXPECT_THAT(TakeDue(), IsEmpty());
  EXPECT_EQ(NextWake(), std::nullopt);
}

TEST_F(SchedulerTest, AManualTriggerFiresOnceEvenWhenDisabled) {
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, false, 10 * kMinute).ok());
  clock_.AdvanceMs(kMinute);
  ASSERT_TRUE(scheduler_->RequestTrigger(kTrainingPoll).ok());
  EXPECT_TRUE(State(kTrainingPoll).trigger_requested);
  EXPECT_EQ(NextWake(), clock_.NowMs()) << "a pending trigger is due now";
  ASSERT_TRUE(scheduler_->RequestTrigger(kTrainingPoll).ok());  // twice before the server looks: one run
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"training-poll", kT0 + kMinute, true}));
  EXPECT_THAT(TakeDue(), IsEmpty());
  EXPECT_EQ(State(kTrainingPoll), (ScheduleState{"training-poll", false, 10 * kMinute, {}, kT0 + kMinute, false}));
}

TEST_F(SchedulerTest, AManualTriggerOnAnEnabledScheduleRestartsItsPeriod) {
  ASSERT_TRUE(scheduler_->Configure(kTrainingPoll, true, 10 * kMinute).ok());
  clock_.AdvanceMs(3 * kMinute);
  ASSERT_TRUE(scheduler_->RequestTrigger(kTrainingPoll).ok());
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"training-poll", kT0 + 3 * kMinute, true}));
  EXPECT_EQ(State(kTrainingPoll).next_fire_ms, kT0 + 13 * kMinute);
}

TEST_F(SchedulerTest, ATriggerBeforeTheFirstConfigurationIsKept) {
  ASSERT_TRUE(scheduler_->RequestTrigger(kSamplingPoll).ok());
  EXPECT_EQ(State(kSamplingPoll), (ScheduleState{"sampling-poll", false, kDefaultPeriodMs, {}, {}, true}));
  ASSERT_TRUE(scheduler_->Configure(kSamplingPoll, true, 30 * kMinute).ok());
  EXPECT_THAT(TakeDue(), ElementsAre(ScheduleFire{"sampling-poll", kT0, true}));
}

TEST_F(SchedulerTest, UnknownNamesAndBadPeriodsAreRefused) {
  Status unknown = scheduler_->RequestTrigger("nightly");
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "unknown schedule 'nightly'; the schedules are: training-poll, sampling-poll");
  EXPECT_EQ(scheduler_->Configure("nightly", true, kMinute).code(), StatusCode::kNotFound);
  Status zero = scheduler_->Configure(kTrainingPoll, true, 0);
  EXPECT_EQ(zero.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.message(), HasSubstr("training-poll"));
  EXPECT_EQ(scheduler_->Configure(kTrainingPoll, true, kMaxPeriodMs + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(scheduler_->Configure(kTrainingPoll, true, kMaxPeriodMs).ok());
}

TEST(SchedulerFileTest, StatePersistsAcrossReopenAndTriggersCrossHandles) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-schedule-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/labelloop.db";
  FakeClock clock(kT0);
  {
    auto db = db::OpenSqliteScheduleDb(path, &clock);
    ASSERT_TRUE(db.ok());
    Scheduler server(db->get(), &clock);
    ASSERT_TRUE(server.Configure(kTrainingPoll, true, 10 * kMinute).ok());
    clock.AdvanceMs(10 * kMinute);
    ASSERT_THAT(server.TakeDue().value(), ElementsAre(ScheduleFire{"training-poll", kT0 + 10 * kMinute, false}));
  }
  // The server restarts an hour later: the state is still there; the missed poll fires once.
  clock.AdvanceMs(60 * kMinute);
  auto server_db = db::OpenSqliteScheduleDb(path, &clock);
  auto cli_db = db::OpenSqliteScheduleDb(path, &clock);
  ASSERT_TRUE(server_db.ok() && cli_db.ok());
  Scheduler server(server_db->get(), &clock), cli(cli_db->get(), &clock);
  auto states = cli.List().value();
  EXPECT_EQ(states[0], (ScheduleState{"training-poll", true, 10 * kMinute, kT0 + 20 * kMinute, kT0 + 10 * kMinute,
                                      false}));
  ASSERT_TRUE(server.Configure(kTrainingPoll, true, 10 * kMinute).ok());  // start-up re-configure: a no-op
  EXPECT_THAT(server.TakeDue().value(), ElementsAre(ScheduleFire{"training-poll", kT0 + 70 * kMinute, false}));
  EXPECT_THAT(server.TakeDue().value(), IsEmpty());

  ASSERT_TRUE(cli.RequestTrigger(kSamplingPoll).ok());
  EXPECT_THAT(server.TakeDue().value(), ElementsAre(ScheduleFire{"sampling-poll", kT0 + 70 * kMinute, true}));
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::schedule
