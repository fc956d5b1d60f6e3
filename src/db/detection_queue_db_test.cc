#include "db/detection_queue_db.h"

#include <gtest/gtest.h>

#include "db/detection_db.h"

namespace labelloop::db {
namespace {

std::unique_ptr<DetectionQueueDb> OpenMemory() {
  auto db = OpenSqliteDetectionQueueDb(":memory:");
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}

QueuedImage Pending(const std::string& request_id, int64_t next_attempt_ms = 0) {
  QueuedImage q;
  q.request_id = request_id;
  q.image_key = "images_for_detection/" + request_id + ".png";
  q.source = std::string(kDetectionSourceEvent);
  q.arrived_ms = 100;
  q.status = std::string(kQueuedPending);
  q.next_attempt_ms = next_attempt_ms;
  q.last_error = "no model version is serving";
  return q;
}

TEST(DetectionQueueDbTest, AnImageIsQueuedOnceAndDueOnesComeOldestFirst) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Add(Pending("b")).ok());
  ASSERT_TRUE(db->Add(Pending("a")).ok());
  ASSERT_TRUE(db->Add(Pending("later", 5'000)).ok());
  Result<QueuedImage> again = db->Add(Pending("b", 9'999));  // a re-run: the first row stays
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->next_attempt_ms, 0);
  EXPECT_EQ(*db->Count(""), 3);
  std::vector<QueuedImage> due = *db->ListDue(1'000, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].request_id, "b");  // arrival order, not name order
  EXPECT_EQ(due[1].request_id, "a");
  EXPECT_EQ(db->ListDue(1'000, 1)->size(), 1u);
  EXPECT_EQ(db->ListDue(5'000, 10)->size(), 3u);
  EXPECT_EQ(**db->NextAttemptMs(), 0);
}

TEST(DetectionQueueDbTest, RescheduleFailAndRemove) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Add(Pending("a")).ok());
  ASSERT_TRUE(db->Add(Pending("b")).ok());
  ASSERT_TRUE(db->Reschedule("a", 1, 2'000, "Unavailable: busy").ok());
  QueuedImage a = **db->Find("a");
  EXPECT_EQ(a.attempts, 1);
  EXPECT_EQ(a.next_attempt_ms, 2'000);
  EXPECT_EQ(a.last_error, "Unavailable: busy");
  ASSERT_TRUE(db->MarkFailed("b", 1, "InvalidArgument: corrupt").ok());
  EXPECT_EQ(*db->Count(kQueuedFailed), 1);
  EXPECT_EQ(*db->Count(kQueuedPending), 1);
  EXPECT_TRUE(db->ListDue(1'000, 10)->empty());  // a waits, b failed
  EXPECT_EQ(**db->NextAttemptMs(), 2'000);
  std::vector<QueuedImage> failed = *db->List(kQueuedFailed, 10, std::nullopt);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request_id, "b");
  EXPECT_EQ(db->Reschedule("missing", 1, 0, "").code(), StatusCode::kNotFound);
  EXPECT_EQ(db->MarkFailed("missing", 1, "").code(), StatusCode::kNotFound);
  ASSERT_TRUE(db->Remove("a").ok());
  ASSERT_TRUE(db->Remove("a").ok());  // absent: OK
  EXPECT_FALSE(db->Find("a")->has_value());
  EXPECT_FALSE(db->NextAttemptMs()->has_value());
}

TEST(DetectionQueueDbTest, ListPagesNewestFirst) {
  auto db = OpenMemory();
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(db->Add(Pending(id)).ok());
  std::vector<QueuedImage> page = *db->List("", 2, std::nullopt);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].request_id, "c");
  EXPECT_EQ(page[1].request_id, "b");
  std::vector<QueuedImage> rest = *db->List("", 2, page[1].sequence_id);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].request_id, "a");
}

TEST(DetectionQueueDbTest, BadRowsAreRefused) {
  auto db = OpenMemory();
  QueuedImage q = Pending("a");
  q.request_id = "";
  EXPECT_EQ(db->Add(q).status().code(), StatusCode::kInvalidArgument);
  q = Pending("a");
  q.image_key = "";
  EXPECT_EQ(db->Add(q).status().code(), StatusCode::kInvalidArgument);
  q = Pending("a");
  q.status = "detected";
  EXPECT_EQ(db->Add(q).status().code(), StatusCode::kInvalidArgument);
  q = Pending(std::string(kMaxRequestIdBytes + 1, 'x'));
  EXPECT_EQ(db->Add(q).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace labelloop::db
