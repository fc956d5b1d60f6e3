// Contract of NotificationDb (notification_db.h), run against every implementation (SQLite
// in memory and on a file, so far): the inbox, the delivery queue's claims and outcomes.
#include "db/notification_db.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1'700'000'000'000;

class NotificationDbTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      std::string pattern = (fs::temp_directory_path() / "labelloop-notifydb-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
    }
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<NotificationDb> Open() {
    Result<std::unique_ptr<NotificationDb>> db =
        OpenSqliteNotificationDb(dir_.empty() ? ":memory:" : dir_ + "/labelloop.db", &clock_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  int64_t Insert(const std::string& subject, std::vector<std::string> sinks = {"email", "webhook:ops"},
                 int64_t at_ms = kT0) {
    Result<int64_t> id = db_->InsertNotification(subject, R"({"step":"train"})", at_ms, sinks);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<NotificationDb> db_;
};

TEST_P(NotificationDbTest, InsertStoresUnreadNotificationAndOnePendingDeliveryPerSink) {
  const int64_t id = Insert("Training started");
  Result<NotificationRecord> n = db_->GetNotification(id);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->subject, "Training started");
  EXPECT_EQ(n->body_json, R"({"step":"train"})");
  EXPECT_EQ(n->created_ms, kT0);
  EXPECT_FALSE(n->read);

  Result<std::vector<DeliveryRecord>> deliveries = db_->ListDeliveriesOf(id);
  ASSERT_TRUE(deliveries.ok()) << deliveries.status().ToString();
  ASSERT_EQ(deliveries->size(), 2u);
  for (const DeliveryRecord& d : *deliveries) {
    EXPECT_EQ(d.notification_id, id);
    EXPECT_EQ(d.status, kDeliveryPending);
    EXPECT_EQ(d.attempts, 0);
    EXPECT_EQ(d.next_attempt_ms, kT0);
    EXPECT_EQ(d.last_error, "");
    EXPECT_FALSE(d.delivered_ms.has_value());
  }
  EXPECT_EQ((*deliveries)[0].sink, "email");
  EXPECT_EQ((*deliveries)[1].sink, "webhook:ops");
}

TEST_P(NotificationDbTest, InsertRefusesBadInputAndWritesNothing) {
  Result<int64_t> bad_json = db_->InsertNotification("s", "{not json", kT0, {"email"});
  EXPECT_EQ(bad_json.status().code(), StatusCode::kInvalidArgument);
  Result<int64_t> twice = db_->InsertNotification("s", "{}", kT0, {"email", "email"});
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("'email' is listed twice"));
  EXPECT_EQ(db_->InsertNotification("s", "{}", kT0, {""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(db_->ListNotifications(10, std::nullopt)->empty());
  EXPECT_TRUE(db_->ListDeliveries(std::nullopt, 10)->empty());
}

TEST_P(NotificationDbTest, NoSinksStillStoresTheInboxRow) {
  const int64_t id = Insert("Inbox only", {});
  EXPECT_TRUE(db_->GetNotification(id).ok());
  EXPECT_TRUE(db_->ListDeliveriesOf(id)->empty());
}

TEST_P(NotificationDbTest, ListIsNewestFirstWithPaging) {
  const int64_t a = Insert("a"), b = Insert("b"), c = Insert("c");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  Result<std::vector<NotificationRecord>> page1 = db_->ListNotifications(2, std::nullopt);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].subject, "c");
  EXPECT_EQ((*page1)[1].subject, "b");
  Result<std::vector<NotificationRecord>> page2 = db_->ListNotifications(2, (*page1)[1].id);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].subject, "a");
  EXPECT_EQ(db_->ListNotifications(0, std::nullopt).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListNotifications(1001, std::nullopt).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(NotificationDbTest, MarkReadAndCountUnread) {
  const int64_t a = Insert("a");
  Insert("b");
  EXPECT_EQ(*db_->CountUnreadNotifications(), 2);
  ASSERT_TRUE(db_->MarkNotificationRead(a).ok());
  ASSERT_TRUE(db_->MarkNotificationRead(a).ok());  // idempotent
  EXPECT_TRUE(db_->GetNotification(a)->read);
  EXPECT_EQ(*db_->CountUnreadNotifications(), 1);
  EXPECT_EQ(db_->MarkNotificationRead(9999).code(), StatusCode::kNotFound);
  EXPECT_EQ(db_->GetNotification(9999).status().code(), StatusCode::kNotFound);
}

TEST_P(NotificationDbTest, ClaimTakesTheEarliestDueDeliveryOfTheSinkAndLeasesIt) {
  const int64_t first = Insert("first", {"email"}, kT0);
  const int64_t later = Insert("later", {"email"}, kT0 + 10);
  Insert("other sink", {"webhook:ops"}, kT0);

  EXPECT_FALSE(db_->ClaimNextDueDelivery("email", kT0 - 1, kT0 + 1000)->has_value()) << "nothing due yet";
  Result<std::optional<DeliveryRecord>> claimed = db_->ClaimNextDueDelivery("email", kT0 + 5, kT0 + 1000);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_TRUE(claimed->has_value());
  EXPECT_EQ((*claimed)->notification_id, first);
  EXPECT_EQ((*claimed)->attempts, 1);
  EXPECT_EQ((*claimed)->next_attempt_ms, kT0 + 1000);
  EXPECT_EQ((*claimed)->status, kDeliveryPending);
  // Leased: the second claim at the same time finds nothing more due for this sink.
  EXPECT_FALSE(db_->ClaimNextDueDelivery("email", kT0 + 5, kT0 + 1000)->has_value());
  EXPECT_EQ(*db_->FindNextDueMs("email"), kT0 + 10);
  // When the lease ends the claimed delivery is due again (its worker died), after the
  // one that was due earlier, and its next claim counts one more attempt.
  Result<std::optional<DeliveryRecord>> next = db_->ClaimNextDueDelivery("email", kT0 + 1000, kT0 + 2000);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->notification_id, later);
  Result<std::optional<DeliveryRecord>> again = db_->ClaimNextDueDelivery("email", kT0 + 1000, kT0 + 2000);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->notification_id, first);
  EXPECT_EQ((*again)->attempts, 2);
}

TEST_P(NotificationDbTest, OutcomesRetryDeliverAndFail) {
  const int64_t id = Insert("n", {"email"});
  std::optional<DeliveryRecord> d = *db_->ClaimNextDueDelivery("email", kT0, kT0 + 60'000);
  ASSERT_TRUE(d.has_value());

  ASSERT_TRUE(db_->RecordDeliveryOutcome({d->id, 1, std::string(kDeliveryPending), kT0 + 500, "connection refused",
                                          kT0 + 1})
                  .ok());
  DeliveryRecord retry = db_->ListDeliveriesOf(id)->at(0);
  EXPECT_EQ(retry.status, kDeliveryPending);
  EXPECT_EQ(retry.next_attempt_ms, kT0 + 500);
  EXPECT_EQ(retry.last_error, "connection refused");
  EXPECT_EQ(retry.updated_ms, kT0 + 1);

  d = *db_->ClaimNextDueDelivery("email", kT0 + 500, kT0 + 60'000);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->attempts, 2);
  ASSERT_TRUE(db_->RecordDeliveryOutcome({d->id, 2, std::string(kDeliveryDelivered), std::nullopt, "", kT0 + 600}).ok());
  DeliveryRecord done = db_->ListDeliveriesOf(id)->at(0);
  EXPECT_EQ(done.status, kDeliveryDelivered);
  EXPECT_EQ(done.delivered_ms, kT0 + 600);
  EXPECT_FALSE(done.next_attempt_ms.has_value());
  EXPECT_EQ(done.last_error, "connection refused") << "an empty error keeps the previous one";
  EXPECT_FALSE(db_->FindNextDueMs("email")->has_value());

  // A second outcome for the same attempt is refused: the delivery is no longer pending.
  Status stale = db_->RecordDeliveryOutcome({d->id, 2, std::string(kDeliveryFailed), std::nullopt, "x", kT0 + 700});
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.message(), HasSubstr("delivered after 2 attempts"));
  EXPECT_EQ(db_->RecordDeliveryOutcome({9999, 1, std::string(kDeliveryFailed), std::nullopt, "x", kT0}).code(),
            StatusCode::kNotFound);
}

TEST_P(NotificationDbTest, StaleOutcomeAfterReclaimIsRefused) {
  Insert("n", {"email"});
  std::optional<DeliveryRecord> first = *db_->ClaimNextDueDelivery("email", kT0, kT0 + 10);
  std::optional<DeliveryRecord> second = *db_->ClaimNextDueDelivery("email", kT0 + 10, kT0 + 20);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(db_->RecordDeliveryOutcome({first->id, 1, std::string(kDeliveryDelivered), std::nullopt, "", kT0}).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(db_->RecordDeliveryOutcome({second->id, 2, std::string(kDeliveryDelivered), std::nullopt, "", kT0}).ok());
}

TEST_P(NotificationDbTest, BadOutcomesAreRefused) {
  Insert("n", {"email"});
  std::optional<DeliveryRecord> d = *db_->ClaimNextDueDelivery("email", kT0, kT0 + 10);
  ASSERT_TRUE(d);
  EXPECT_EQ(db_->RecordDeliveryOutcome({d->id, 1, "sent", std::nullopt, "", kT0}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->RecordDeliveryOutcome({d->id, 1, std::string(kDeliveryPending), std::nullopt, "", kT0}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->RecordDeliveryOutcome({d->id, 1, std::string(kDeliveryFailed), kT0, "", kT0}).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(NotificationDbTest, PendingSinksAndFailingThemAll) {
  Insert("a", {"email", "webhook:gone"});
  Insert("b", {"webhook:gone"});
  EXPECT_THAT(*db_->ListSinksWithPendingDeliveries(), ElementsAre("email", "webhook:gone"));
  Result<int64_t> failed = db_->FailPendingDeliveries("webhook:gone", "sink 'webhook:gone' is not configured", kT0 + 1);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 2);
  EXPECT_THAT(*db_->ListSinksWithPendingDeliveries(), ElementsAre("email"));
  Result<std::vector<DeliveryRecord>> list = db_->ListDeliveries(std::string(kDeliveryFailed), 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].last_error, "sink 'webhook:gone' is not configured");
  EXPECT_FALSE((*list)[0].next_attempt_ms.has_value());
  EXPECT_GT((*list)[0].id, (*list)[1].id) << "newest first";
}

TEST_P(NotificationDbTest, ListDeliveriesFiltersByStatus) {
  Insert("a", {"email", "webhook:ops"});
  EXPECT_EQ(db_->ListDeliveries(std::nullopt, 10)->size(), 2u);
  EXPECT_EQ(db_->ListDeliveries(std::string(kDeliveryPending), 10)->size(), 2u);
  EXPECT_EQ(db_->ListDeliveries(std::string(kDeliveryPending), 1)->size(), 1u);
  EXPECT_TRUE(db_->ListDeliveries(std::string(kDeliveryDelivered), 10)->empty());
  Result<std::vector<DeliveryRecord>> bad = db_->ListDeliveries(std::string("sent"), 10);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("'sent'"));
}

// Two connections sharing one file, and reopening it: only a database in a file has them.
class NotificationDbFileTest : public NotificationDbTest {};

TEST_P(NotificationDbFileTest, ConcurrentClaimsNeverTakeTheSameDelivery) {
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) Insert("n" + std::to_string(i), {"email"});
  std::unique_ptr<NotificationDb> other = Open();
  ASSERT_NE(other, nullptr);
  std::vector<int64_t> taken[2];
  auto worker = [&](NotificationDb* db, std::vector<int64_t>* out) {
    while (true) {
      Result<std::optional<DeliveryRecord>> d = db->ClaimNextDueDelivery("email", kT0, kT0 + 1'000'000);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      if (!d->has_value()) return;
      out->push_back((*d)->id);
    }
  };
  std::thread t1(worker, db_.get(), &taken[0]);
  std::thread t2(worker, other.get(), &taken[1]);
  t1.join();
  t2.join();
  std::vector<int64_t> all = taken[0];
  all.insert(all.end(), taken[1].begin(), taken[1].end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a delivery was claimed twice";
}

TEST_P(NotificationDbFileTest, SurvivesReopen) {
  const int64_t id = Insert("kept", {"email"});
  db_ = Open();
  ASSERT_NE(db_, nullptr);
  EXPECT_EQ(db_->GetNotification(id)->subject, "kept");
  EXPECT_EQ(*db_->FindNextDueMs("email"), kT0);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, NotificationDbTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "File" : "Memory"; });
INSTANTIATE_TEST_SUITE_P(Sqlite, NotificationDbFileTest, ::testing::Values(true),
                         [](const ::testing::TestParamInfo<bool>&) { return "File"; });

}  // namespace
}  // namespace labelloop::db
