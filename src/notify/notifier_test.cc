// Notifier with a FakeClock and fake sinks: publishing, retries with backoff, giving up,
// sinks that hang, and resuming after a restart.
#include "notify/notifier.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/testing/fake_sink.h"

namespace labelloop::notify {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeSink;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int kWaitMs = 10'000;  // only reached when a test fails

DeliveryOptions FastRetries() {
  DeliveryOptions o;
  o.max_attempts = 4;
  o.base_delay_ms = 1000;
  o.max_delay_ms = 3000;
  return o;
}

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-notifier-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = OpenDb();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    notifier_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<db::NotificationDb> OpenDb() {
    Result<std::unique_ptr<db::NotificationDb>> db = db::OpenSqliteNotificationDb(dir_ + "/labelloop.db", &clock_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // A notifier over fake sinks with these names; the sinks stay reachable in sinks_.
  void MakeNotifier(std::vector<std::string> names, DeliveryOptions options = FastRetries()) {
    notifier_.reset();
    sinks_.clear();
    std::vector<std::unique_ptr<Sink>> owned;
    for (const std::string& name : names) {
      auto sink = std::make_unique<FakeSink>(name);
      sinks_.push_back(sink.get());
      owned.push_back(std::move(sink));
    }
    notifier_ = std::make_unique<Notifier>(db_.get(), std::move(owned), &clock_, options);
  }

  int64_t PublishOrDie(const std::string& subject, nlohmann::json body = {{"step", "test"}}) {
    Result<int64_t> id = notifier_->Publish(subject, std::move(body));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }

  db::DeliveryRecord DeliveryOf(int64_t notification_id, const std::string& sink) {
    Result<std::vector<db::DeliveryRecord>> all = db_->ListDeliveriesOf(notification_id);
    EXPECT_TRUE(all.ok());
    for (const db::DeliveryRecord& d : *all) {
      if (d.sink == sink) return d;
    }
    ADD_FAILURE() << "no delivery of " << notification_id << " to " << sink;
    return {};
  }

  FakeClock clock_{kT0};
  std::string dir_;
  std::unique_ptr<db::NotificationDb> db_;
  std::vector<FakeSink*> sinks_;
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(NotifierTest, PublishStoresInboxRowAndOnePendingDeliveryPerSinkWithoutCallingSinks) {
  MakeNotifier({"email", "webhook:ops"});
  const int64_t id = PublishOrDie("Training started", {{"ProjectVersion", "v1"}});

  Result<std::vector<Notification>> inbox = notifier_->ListInbox(10, std::nullopt);
  ASSERT_TRUE(inbox.ok()) << inbox.status().ToString();
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].id, id);
  EXPECT_EQ((*inbox)[0].subject, "Training started");
  EXPECT_EQ((*inbox)[0].body, nlohmann::json({{"ProjectVersion", "v1"}}));
  EXPECT_EQ((*inbox)[0].created_ms, kT0);
  EXPECT_FALSE((*inbox)[0].read);
  EXPECT_EQ(sinks_[0]->calls() + sinks_[1]->calls(), 0) << "Publish must not call sinks";

  Result<std::vector<db::DeliveryRecord>> pending = notifier_->ListDeliveries("pending", 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);

  EXPECT_EQ(notifier_->DeliverDueNow(), 2);
  ASSERT_EQ(sinks_[0]->delivered().size(), 1u);
  EXPECT_EQ(sinks_[0]->delivered()[0].subject, "Training started");
  EXPECT_EQ(sinks_[1]->delivered()[0].body["ProjectVersion"], "v1");
  const db::DeliveryRecord d = DeliveryOf(id, "email");
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.delivered_ms, kT0);
  EXPECT_EQ(notifier_->DeliverDueNow(), 0) << "nothing left";
}

TEST_F(NotifierTest, InboxReadStateAndPaging) {
  MakeNotifier({});
  const int64_t a = PublishOrDie("a");
  const int64_t b = PublishOrDie("b");
  EXPECT_EQ(*notifier_->CountUnread(), 2);
  ASSERT_TRUE(notifier_->MarkRead(a).ok());
  EXPECT_EQ(*notifier_->CountUnread(), 1);
  EXPECT_TRUE(notifier_->GetNotification(a)->read);
  EXPECT_EQ(notifier_->MarkRead(a + 100).code(), StatusCode::kNotFound);
  Result<std::vector<Notification>> page = notifier_->ListInbox(1, b);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, a);
  EXPECT_EQ(notifier_->ListInbox(0, std::nullopt).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(NotifierTest, PublishRefusesBadInput) {
  MakeNotifier({"email"});
  EXPECT_EQ(notifier_->Publish("", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(notifier_->Publish(std::string(1001, 's'), {}).status().code(), StatusCode::kInvalidArgument);
  Result<int64_t> bad_utf8 = notifier_->Publish("s", {{"k", "\xff"}});
  EXPECT_EQ(bad_utf8.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_utf8.status().message(), HasSubstr("body of notification 's'"));
  EXPECT_TRUE(notifier_->ListInbox(10, std::nullopt)->empty());
}

TEST_F(NotifierTest, UnavailableIsRetriedWithExponentialBackoff) {
  MakeNotifier({"email"});
  sinks_[0]->QueueResults({UnavailableError("connection refused"), UnavailableError("timed out")});
  const int64_t id = PublishOrDie("n");

  EXPECT_EQ(notifier_->DeliverDueNow(), 1);
  db::DeliveryRecord d = DeliveryOf(id, "email");
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.next_attempt_ms, kT0 + 1000) << "base delay after the first failure";
  EXPECT_THAT(d.last_error, HasSubstr("connection refused"));

  clock_.AdvanceMs(999);
  EXPECT_EQ(notifier_->DeliverDueNow(), 0) << "not due before its time";
  clock_.AdvanceMs(1);
  EXPECT_EQ(notifier_->DeliverDueNow(), 1);
  d = DeliveryOf(id, "email");
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.next_attempt_ms, kT0 + 1000 + 2000) << "the delay doubles";
  EXPECT_THAT(d.last_error, HasSubstr("timed out"));

  clock_.AdvanceMs(2000);
  EXPECT_EQ(notifier_->DeliverDueNow(), 1);
  d = DeliveryOf(id, "email");
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.delivered_ms, kT0 + 3000);
  EXPECT_FALSE(d.next_attempt_ms.has_value());
  EXPECT_EQ(sinks_[0]->delivered().size(), 1u);
}

TEST_F(NotifierTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  MakeNotifier({"webhook:dead"});
  sinks_[0]->SetStandingResult(UnavailableError("HTTP 503 from the endpoint"));
  const int64_t id = PublishOrDie("n");
  const std::vector<int64_t> expected_delays = {1000, 2000, 3000};  // capped at max_delay_ms
  for (int attempt = 1; attempt <= 4; ++attempt) {
    ASSERT_EQ(notifier_->DeliverDueNow(), 1) << "attempt " << attempt;
    const db::DeliveryRecord d = DeliveryOf(id, "webhook:dead");
    EXPECT_EQ(d.attempts, attempt);
    if (attempt < 4) {
      EXPECT_EQ(d.status, "pending");
      EXPECT_EQ(*d.next_attempt_ms - clock_.NowMs(), expected_delays[attempt - 1]);
      clock_.SetMs(*d.next_attempt_ms);
    }
  }
  const db::DeliveryRecord d = DeliveryOf(id, "webhook:dead");
  EXPECT_EQ(d.status, "failed");
  EXPECT_FALSE(d.next_attempt_ms.has_value());
  EXPECT_THAT(d.last_error, HasSubstr("gave up after 4 attempts"));
  EXPECT_THAT(d.last_error, HasSubstr("HTTP 503 from the endpoint"));
  clock_.AdvanceMs(1'000'000);
  EXPECT_EQ(notifier_->DeliverDueNow(), 0);
  EXPECT_EQ(sinks_[0]->calls(), 4);
  Result<std::vector<db::DeliveryRecord>> failed = notifier_->ListDeliveries("failed", 10);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->size(), 1u);
}

TEST_F(NotifierTest, NonRetryableErrorFailsAtOnce) {
  MakeNotifier({"webhook:ops"});
  sinks_[0]->QueueResults({FailedPreconditionError("the endpoint replied HTTP 404")});
  const int64_t id = PublishOrDie("n");
  EXPECT_EQ(notifier_->DeliverDueNow(), 1);
  const db::DeliveryRecord d = DeliveryOf(id, "webhook:ops");
  EXPECT_EQ(d.status, "failed");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_THAT(d.last_error, HasSubstr("HTTP 404"));
}

TEST_F(NotifierTest, ADeadSinkDoesNotAffectTheOthers) {
  MakeNotifier({"email", "webhook:dead"});
  sinks_[1]->SetStandingResult(UnavailableError("connection refused"));
  PublishOrDie("a");
  PublishOrDie("b");
  EXPECT_EQ(notifier_->DeliverDueNow(), 4);
  EXPECT_EQ(sinks_[0]->delivered().size(), 2u);
  EXPECT_EQ(notifier_->ListDeliveries("delivered", 10)->size(), 2u);
  EXPECT_EQ(notifier_->ListDeliveries("pending", 10)->size(), 2u);
}

TEST_F(NotifierTest, ABlockedSinkDoesNotBlockPublish) {
  MakeNotifier({"email"});
  sinks_[0]->Block();
  ASSERT_TRUE(notifier_->Start().ok());
  PublishOrDie("first");
  ASSERT_TRUE(sinks_[0]->WaitForCalls(1, kWaitMs)) << "the delivery thread never called the sink";
  // The sink hangs inside Deliver; publishing still returns at once.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) PublishOrDie("more " + std::to_string(i));
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed_ms, 2000);
  EXPECT_EQ(notifier_->ListInbox(100, std::nullopt)->size(), 21u);
  sinks_[0]->Unblock();
  ASSERT_TRUE(sinks_[0]->WaitForCalls(21, kWaitMs));
  notifier_->Stop();
  EXPECT_EQ(sinks_[0]->delivered().size(), 21u);
  EXPECT_EQ(notifier_->ListDeliveries("delivered", 100)->size(), 21u);
}

TEST_F(NotifierTest, BackgroundThreadsDeliverAndStopPromptly) {
  DeliveryOptions options = FastRetries();
  options.poll_interval_ms = 3'600'000;  // only a publish (or Stop) may wake the threads
  MakeNotifier({"email", "webhook:ops"}, options);
  ASSERT_TRUE(notifier_->Start().ok());
  EXPECT_EQ(notifier_->Start().code(), StatusCode::kFailedPrecondition);
  PublishOrDie("n");
  ASSERT_TRUE(sinks_[0]->WaitForCalls(1, kWaitMs));
  ASSERT_TRUE(sinks_[1]->WaitForCalls(1, kWaitMs));
  const auto start = std::chrono::steady_clock::now();
  notifier_->Stop();
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count(),
            1000);
  notifier_->Stop();  // idempotent
  ASSERT_TRUE(notifier_->Start().ok()) << "restartable";
}

TEST_F(NotifierTest, ListenerSeesEachCommittedNotification) {
  MakeNotifier({"email"});
  std::vector<std::string> seen;
  notifier_->SetListener([&](const Notification& n) {
    EXPECT_TRUE(notifier_->GetNotification(n.id).ok()) << "called after the commit";
    seen.push_back(n.subject);
  });
  PublishOrDie("a");
  PublishOrDie("b");
  notifier_->SetListener(nullptr);
  PublishOrDie("c");
  EXPECT_THAT(seen, ElementsAre("a", "b"));
}

TEST_F(NotifierTest, PendingDeliveriesResumeAfterReopeningTheDatabase) {
  MakeNotifier({"email", "webhook:ops"});
  sinks_[0]->QueueResults({UnavailableError("down")});
  const int64_t failed_once = PublishOrDie("retried after restart");
  EXPECT_EQ(notifier_->DeliverDueNow(), 2);  // email fails once; the webhook is delivered
  const int64_t never_tried = PublishOrDie("published just before the restart");

  // "Restart": drop the notifier and the connection, open the file again.
  notifier_.reset();
  db_ = OpenDb();
  ASSERT_NE(db_, nullptr);
  MakeNotifier({"email", "webhook:ops"});
  clock_.AdvanceMs(1000);
  EXPECT_EQ(notifier_->DeliverDueNow(), 3);
  ASSERT_EQ(sinks_[0]->delivered().size(), 2u);
  EXPECT_EQ(sinks_[0]->delivered()[0].id, never_tried) << "the one due first goes first";
  EXPECT_EQ(sinks_[0]->delivered()[1].id, failed_once);
  EXPECT_EQ(sinks_[1]->delivered().size(), 1u);
  EXPECT_EQ(DeliveryOf(failed_once, "email").attempts, 2);
  EXPECT_TRUE(notifier_->ListDeliveries("pending", 10)->empty());
}

TEST_F(NotifierTest, DeliveryInterruptedByACrashIsRetriedWhenItsLeaseEnds) {
  DeliveryOptions options = FastRetries();
  options.lease_ms = 60'000;
  MakeNotifier({"email"}, options);
  const int64_t id = PublishOrDie("n");
  // A process claimed the delivery and died before recording the outcome.
  ASSERT_TRUE(db_->ClaimNextDueDelivery("email", kT0, kT0 + options.lease_ms)->has_value());
  EXPECT_EQ(notifier_->DeliverDueNow(), 0) << "leased";
  clock_.AdvanceMs(options.lease_ms);
  EXPECT_EQ(notifier_->DeliverDueNow(), 1);
  EXPECT_EQ(DeliveryOf(id, "email").status, "delivered");
  EXPECT_EQ(DeliveryOf(id, "email").attempts, 2);
}

TEST_F(NotifierTest, DeliveriesOfARemovedSinkFailWithAReason) {
  MakeNotifier({"email", "webhook:old"});
  const int64_t id = PublishOrDie("n");
  MakeNotifier({"email"});  // the config no longer lists webhook:old
  EXPECT_EQ(notifier_->DeliverDueNow(), 1);
  const db::DeliveryRecord d = DeliveryOf(id, "webhook:old");
  EXPECT_EQ(d.status, "failed");
  EXPECT_THAT(d.last_error, HasSubstr("sink 'webhook:old' is no longer configured"));
}

TEST_F(NotifierTest, ListDeliveriesRefusesAnUnknownStatus) {
  MakeNotifier({"email"});
  EXPECT_EQ(notifier_->ListDeliveries("sent", 10).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace labelloop::notify
