#include "db/event_db.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace labelloop::db {
namespace {

std::unique_ptr<EventDb> OpenMemory() {
  auto db = OpenSqliteEventDb(":memory:");
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return std::move(db).value();
}

TEST(EventDbTest, SameDedupeKeyIsInsertedOnce) {
  auto db = OpenMemory();
  auto first = db->InsertEvent("object-created", "object:a:1", R"({"key":"a"})", 10);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->inserted);
  auto again = db->InsertEvent("object-created", "object:a:1", R"({"key":"a"})", 20);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->inserted);
  EXPECT_EQ(again->id, first->id);
  auto other = db->InsertEvent("object-created", "object:a:2", R"({"key":"a"})", 30);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->inserted);
  EXPECT_EQ(*db->CountEvents(std::nullopt), 2);
}

TEST(EventDbTest, PendingInOrderUntilDispatched) {
  auto db = OpenMemory();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(db->InsertEvent("t", "k" + std::to_string(i), "{}", i).ok());
  auto pending = db->ListPendingEvents(3);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].dedupe_key, "k0");
  ASSERT_TRUE(db->MarkEventDispatched((*pending)[0].id, "exec-1", 100).ok());
  ASSERT_TRUE(db->MarkEventDispatched((*pending)[0].id, "exec-2", 200).ok());  // idempotent, keeps the first
  auto all = db->ListEvents(10, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->back().execution_id, "exec-1");
  EXPECT_EQ(all->back().status, kEventDispatched);
  EXPECT_EQ(*db->CountEvents(std::string(kEventPending)), 4);
  EXPECT_EQ(db->MarkEventDispatched(999, "x", 1).code(), StatusCode::kNotFound);
}

// The API's own detections: an event born dispatched is never listed as pending, not even
// for an instant (a dispatcher once started an execution for an object not yet written).
TEST(EventDbTest, ADispatchedEventIsNeverPendingAndStillDedupes) {
  auto db = OpenMemory();
  auto handled = db->InsertDispatchedEvent("object-created", "object:a:1", R"({"key":"a"})", 10);
  ASSERT_TRUE(handled.ok()) << handled.status().ToString();
  EXPECT_TRUE(handled->inserted);
  EXPECT_TRUE(db->ListPendingEvents(10)->empty());
  EXPECT_EQ(*db->CountEvents(std::string(kEventDispatched)), 1);
  auto all = db->ListEvents(10, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].dispatched_ms, 10);
  EXPECT_EQ((*all)[0].execution_id, "");
  auto again = db->InsertEvent("object-created", "object:a:1", R"({"key":"a"})", 20);  // the watcher sees it later
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->inserted);
  EXPECT_TRUE(db->ListPendingEvents(10)->empty());
  EXPECT_EQ(db->InsertDispatchedEvent("", "k", "{}", 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(EventDbTest, RejectsBadInput) {
  auto db = OpenMemory();
  EXPECT_EQ(db->InsertEvent("", "k", "{}", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->InsertEvent("t", "k", "[1]", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->InsertEvent("t", "k", "{bad", 1).status().code(), StatusCode::kInvalidArgument);
}

TEST(EventDbTest, CursorsAndTaskRecordsSurviveReopen) {
  const auto path = std::filesystem::temp_directory_path() / ("event_db_test_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto db = OpenSqliteEventDb(path.string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_FALSE((*db)->FindCursor("params").value().has_value());
    ASSERT_TRUE((*db)->PutCursor("params", "7").ok());
    ASSERT_TRUE((*db)->PutCursor("params", "8").ok());
    ASSERT_TRUE((*db)->PutTaskRecord("exec/state#1", R"({"version":"v1"})").ok());
  }
  auto db = OpenSqliteEventDb(path.string());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->FindCursor("params").value().value(), "8");
  EXPECT_EQ((*db)->FindTaskRecord("exec/state#1").value().value(), R"({"version":"v1"})");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace labelloop::db
