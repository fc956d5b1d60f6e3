#include "events/bucket_watcher.h"

#include <gtest/gtest.h>

#include "db/event_db.h"

namespace labelloop::events {
namespace {

class BucketWatcherTest : public ::testing::Test {
 protected:
  BucketWatcherTest() : bucket_(store::NewMemoryObjectStore(&clock_)) {
    auto db = db::OpenSqliteEventDb(":memory:", &clock_);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    queue_ = std::make_unique<EventQueue>(db_.get(), &clock_);
    watcher_ = std::make_unique<BucketWatcher>(bucket_.get(), queue_.get(), &clock_, WatcherOptions{});
  }

  int Poll() {
    auto polled = watcher_->PollOnce();
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    return polled.ok() ? *polled : -1;
  }

  FakeClock clock_;
  std::unique_ptr<store::ObjectStore> bucket_;
  std::unique_ptr<db::EventDb> db_;
  std::unique_ptr<EventQueue> queue_;
  std::unique_ptr<BucketWatcher> watcher_;
};

TEST_F(BucketWatcherTest, QueuesAFreshObjectOnceItStopsChanging) {
  ASSERT_TRUE(bucket_->Put("images_for_detection/a.jpg", "partial").ok());
  EXPECT_EQ(Poll(), 0);  // just written: may still be growing
  clock_.AdvanceMs(250);
  ASSERT_TRUE(bucket_->Put("images_for_detection/a.jpg", "partial and more").ok());
  EXPECT_EQ(Poll(), 0);  // it changed
  clock_.AdvanceMs(250);
  EXPECT_EQ(Poll(), 1);  // unchanged since the last poll: complete
  clock_.AdvanceMs(250);
  EXPECT_EQ(Poll(), 0);  // not again
  auto events = db_->ListPendingEvents(10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, kObjectCreated);
  EXPECT_NE((*events)[0].payload_json.find("\"origin\":\"watcher\""), std::string::npos);
}

TEST_F(BucketWatcherTest, OldObjectsAreCompleteAtFirstSight) {
  ASSERT_TRUE(bucket_->Put("images_for_detection/old.png", "x").ok());
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 1);
}

TEST_F(BucketWatcherTest, OnlyEventKeysCount) {
  ASSERT_TRUE(bucket_->Put("images_labeled_by_folder/l/a.jpg", "x").ok());
  ASSERT_TRUE(bucket_->Put("a2i-human-loop-data/flow/2026/11/26/03/t/input.json", "{}").ok());
  ASSERT_TRUE(bucket_->Put("a2i-human-loop-data/flow/2026/11/26/03/t/output.json", "{}").ok());
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 1);
  EXPECT_FALSE(IsEventObjectKey("images_for_detection/"));
  EXPECT_TRUE(IsEventObjectKey("images_for_detection/sub/x.webp"));
}

TEST_F(BucketWatcherTest, SameContentRewrittenIsNotQueuedAgainButNewContentIs) {
  ASSERT_TRUE(bucket_->Put("images_for_detection/a.jpg", "one").ok());
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 1);
  ASSERT_TRUE(bucket_->Put("images_for_detection/a.jpg", "one").ok());  // same bytes, new mtime
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 0);
  ASSERT_TRUE(bucket_->Put("images_for_detection/a.jpg", "two").ok());
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 1);
}

TEST_F(BucketWatcherTest, ARestartedWatcherDoesNotQueueTwice) {
  ASSERT_TRUE(bucket_->Put("images_for_detection/a.jpg", "one").ok());
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 1);
  watcher_ = std::make_unique<BucketWatcher>(bucket_.get(), queue_.get(), &clock_, WatcherOptions{});
  EXPECT_EQ(Poll(), 0);
}

TEST_F(BucketWatcherTest, ABurstOfAThousandUploadsIsQueuedWhole) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(bucket_->Put("images_for_detection/burst/" + std::to_string(i) + ".jpg", std::to_string(i)).ok());
  }
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Poll(), 1000);
  EXPECT_EQ(*db_->CountEvents(std::string(db::kEventPending)), 1000);
}

TEST(EventQueueTest, WakesOnNewEventsOnly) {
  FakeClock clock;
  auto db = db::OpenSqliteEventDb(":memory:", &clock);
  ASSERT_TRUE(db.ok());
  EventQueue queue(db->get(), &clock);
  int wakeups = 0;
  queue.SetWakeup([&] { ++wakeups; });
  ASSERT_TRUE(queue.ParameterChanged(3, "Minimum-F1-Score", "0.5", 2, "cli").ok());
  ASSERT_TRUE(queue.ParameterChanged(3, "Minimum-F1-Score", "0.5", 2, "cli").ok());
  ASSERT_TRUE(queue.ScheduleFired("training-poll", 1000, false).ok());
  EXPECT_EQ(wakeups, 2);
  auto ignored = queue.ObjectCreated("manifests/x.manifest", "e", 1, "api");
  ASSERT_TRUE(ignored.ok());
  EXPECT_FALSE(ignored->inserted);
}

}  // namespace
}  // namespace labelloop::events
