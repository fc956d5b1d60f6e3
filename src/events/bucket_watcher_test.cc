#include "events/bucket_watcher.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "db/event_db.h"
#include "store/test_temp_dir.h"

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

// Issue 9: one unreadable file in the bucket folder used to fail every listing, so the
// watcher never queued anything again. Now it is skipped and the watcher goes on.
TEST(BucketWatcherLocalTest, AnUnreadableFileDoesNotStopTheWatcher) {
  store::TestTempDir temp;
  const std::string root = temp.path() + "/bucket";
  {
    auto bucket = store::OpenLocalObjectStore(root);
    ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
    ASSERT_TRUE((*bucket)->Put("images_for_detection/a.jpg", "A").ok());
  }
  const std::string unreadable = root + "/images_for_detection/locked.jpg";
  { std::ofstream(unreadable) << "LOCKED"; }
  ASSERT_EQ(chmod(unreadable.c_str(), 0), 0);
  EXPECT_EXIT(
      {
        if (!store::BecomeUnprivilegedOver(temp.path())) std::_Exit(3);
        FakeClock clock(SystemClock::Default()->NowMs() + 3'600'000);  // every file is settled
        auto bucket = store::OpenLocalObjectStore(root);
        auto db = db::OpenSqliteEventDb(":memory:", &clock);
        if (!bucket.ok() || !db.ok()) std::_Exit(4);
        EventQueue queue(db->get(), &clock);
        BucketWatcher watcher(bucket->get(), &queue, &clock, WatcherOptions{});
        Result<int> first = watcher.PollOnce();
        if (!first.ok() || *first != 1) std::_Exit(5);  // a.jpg, not the locked one
        if (!(*bucket)->Put("images_for_detection/b.jpg", "B").ok()) std::_Exit(6);
        clock.AdvanceMs(10'000);
        Result<int> second = watcher.PollOnce();
        if (!second.ok() || *second != 1) std::_Exit(7);  // b.jpg: the watcher went on
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
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
