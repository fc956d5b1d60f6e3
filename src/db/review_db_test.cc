// ReviewDb contract, run on SQLite (":memory:", and a file shared by two handles for the
// compare-and-set).
#include "db/review_db.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "db/sqlite_handle.h"
#include "db/sqlite_migrations.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ReviewTask MakeTask(const std::string& name, int64_t created_ms, std::string source = "low-confidence",
                    double priority = 0.5, std::string selection = "uncertainty") {
  ReviewTask t;
  t.name = name;
  t.status = std::string(kReviewInProgress);
  t.source = std::move(source);
  t.image_key = "images_for_detection/" + name + ".png";
  t.detection_request_id = "req-" + name;
  t.model_label = "aws_logo";
  t.model_confidence_pct = 42.5;
  t.candidate_labels = {"amazon_logo", "aws_logo"};
  t.created_ms = created_ms;
  t.expires_ms = created_ms + 1000;
  t.priority = priority;
  t.selection = std::move(selection);
  return t;
}

std::vector<std::string> Names(const std::vector<ReviewTask>& tasks) {
  std::vector<std::string> names;
  for (const ReviewTask& t : tasks) names.push_back(t.name);
  return names;
}

class ReviewDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<ReviewDb>> db = OpenSqliteReviewDb(":memory:", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  FakeClock clock_;
  std::unique_ptr<ReviewDb> db_;
};

TEST_F(ReviewDbTest, InsertGetRoundTripsAndStartsAtRevisionOne) {
  ReviewTask t = MakeTask("t1", 100);
  t.revision = 77;  // ignored
  ASSERT_TRUE(db_->InsertTask(t).ok());
  Result<ReviewTask> got = db_->GetTask("t1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  t.revision = 1;
  EXPECT_EQ(*got, t);
  EXPECT_EQ(db_->GetTask("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(ReviewDbTest, NameAndDetectionSourcePairAreUnique) {
  ASSERT_TRUE(db_->InsertTask(MakeTask("t1", 100)).ok());
  Status status = db_->InsertTask(MakeTask("t1", 100, "sampling"));
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("review task 't1'"));
  ReviewTask same_detection = MakeTask("t2", 100);
  same_detection.detection_request_id = "req-t1";
  status = db_->InsertTask(same_detection);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("req-t1"));
  same_detection.source = "sampling";  // another source may review the same detection
  EXPECT_TRUE(db_->InsertTask(same_detection).ok());

  Result<std::optional<ReviewTask>> found = db_->FindTaskByDetection("req-t1", "sampling");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "t2");
  EXPECT_FALSE(db_->FindTaskByDetection("req-t9", "sampling")->has_value());
}

TEST_F(ReviewDbTest, UpdateIsCompareAndSetAndAppendsAnswers) {
  ASSERT_TRUE(db_->InsertTask(MakeTask("t1", 100)).ok());
  ReviewTask t = *db_->GetTask("t1");
  t.claimed_by = "alice";
  t.claim_expires_ms = 500;
  ASSERT_TRUE(db_->UpdateTask(t, std::nullopt).ok());
  // A writer holding the old revision loses.
  Status stale = db_->UpdateTask(t, std::nullopt);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.message(), HasSubstr("changed concurrently"));

  t = *db_->GetTask("t1");
  EXPECT_EQ(t.revision, 2);
  EXPECT_EQ(t.claimed_by, "alice");
  t.claimed_by.reset();
  t.claim_expires_ms.reset();
  ASSERT_TRUE(db_->UpdateTask(t, ReviewAnswer{"alice", "aws_logo", 200}).ok());
  t = *db_->GetTask("t1");
  ASSERT_TRUE(db_->UpdateTask(t, ReviewAnswer{"bob", std::nullopt, 150}).ok());
  t = *db_->GetTask("t1");
  EXPECT_THAT(t.answers, ElementsAre(ReviewAnswer{"bob", std::nullopt, 150}, ReviewAnswer{"alice", "aws_logo", 200}));

  // The same reviewer twice: refused, and the task update is rolled back with it.
  ReviewTask changed = t;
  changed.status = std::string(kReviewCompleted);
  const Status twice = db_->UpdateTask(changed, ReviewAnswer{"alice", "amazon_logo", 300});
  EXPECT_EQ(twice.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(twice.message(), HasSubstr("'alice'"));
  EXPECT_EQ(db_->GetTask("t1")->status, kReviewInProgress);
  EXPECT_EQ(db_->GetTask("t1")->revision, t.revision);

  ReviewTask missing = MakeTask("ghost", 1);
  EXPECT_EQ(db_->UpdateTask(missing, std::nullopt).code(), StatusCode::kNotFound);
}

TEST_F(ReviewDbTest, NextAvailableIsOldestUnheldUnansweredAndUnexpired) {
  ASSERT_TRUE(db_->InsertTask(MakeTask("old", 100)).ok());
  ASSERT_TRUE(db_->InsertTask(MakeTask("mid", 200)).ok());
  ASSERT_TRUE(db_->InsertTask(MakeTask("new", 300)).ok());
  const auto next = [&](const std::string& reviewer, int64_t now) -> std::string {
    Result<std::optional<ReviewTask>> t = db_->FindNextAvailable(reviewer, now);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() && t->has_value() ? (*t)->name : "";
  };
  EXPECT_EQ(next("alice", 400), "old");
  EXPECT_EQ(*db_->CountAvailable(400), 3);

  ReviewTask old = *db_->GetTask("old");
  old.claimed_by = "bob";
  old.claim_expires_ms = 600;
  ASSERT_TRUE(db_->UpdateTask(old, std::nullopt).ok());
  EXPECT_EQ(next("alice", 400), "mid");  // bob holds "old"
  EXPECT_EQ(next("bob", 400), "old");    // his own hold comes first
  EXPECT_EQ(*db_->CountAvailable(400), 2);
  EXPECT_EQ(next("alice", 600), "old");  // the hold ran out
  EXPECT_EQ(*db_->CountAvailable(600), 3);

  ReviewTask mid = *db_->GetTask("mid");
  ASSERT_TRUE(db_->UpdateTask(mid, ReviewAnswer{"carol", "aws_logo", 1}).ok());
  EXPECT_EQ(next("carol", 400), "new");  // carol answered "mid" already

  EXPECT_EQ(next("alice", 1250), "new");  // "old" and "mid" expired at 1100 and 1200
  EXPECT_EQ(next("alice", 1300), "");
  EXPECT_EQ(*db_->CountAvailable(1300), 0);
  EXPECT_THAT(Names(*db_->ListExpiredInProgress(1250, 10)), ElementsAre("old", "mid"));
  EXPECT_THAT(Names(*db_->ListExpiredInProgress(1300, 1)), ElementsAre("old"));
}

TEST_F(ReviewDbTest, ListFiltersPagesAndCounts) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(db_->InsertTask(MakeTask("t" + std::to_string(i), 100 + i, i % 2 ? "sampling" : "low-confidence")).ok());
  }
  ReviewTask t4 = *db_->GetTask("t4");
  t4.status = std::string(kReviewStopped);
  ASSERT_TRUE(db_->UpdateTask(t4, std::nullopt).ok());

  ReviewFilter filter{.limit = 2};
  std::vector<std::string> seen;
  while (true) {
    Result<ReviewTaskPage> page = db_->ListTasks(filter);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->total_count, 5);
    for (const std::string& n : Names(page->tasks)) seen.push_back(n);
    if (page->next_cursor.empty()) break;
    filter.page_cursor = page->next_cursor;
  }
  EXPECT_THAT(seen, ElementsAre("t4", "t3", "t2", "t1", "t0"));

  Result<ReviewTaskPage> sampling = db_->ListTasks({.source = "sampling"});
  EXPECT_THAT(Names(sampling->tasks), ElementsAre("t3", "t1"));
  EXPECT_EQ(sampling->total_count, 2);
  Result<ReviewTaskPage> open_low = db_->ListTasks({.status = "InProgress", .source = "low-confidence"});
  EXPECT_THAT(Names(open_low->tasks), ElementsAre("t2", "t0"));

  EXPECT_EQ(db_->ListTasks({.status = "Done"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListTasks({.page_cursor = "nonsense"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListTasks({.limit = 0}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ReviewDbTest, UnwrittenOutputsAreListedUntilMarkedWritten) {
  ASSERT_TRUE(db_->InsertTask(MakeTask("t1", 100)).ok());
  ReviewTask t = *db_->GetTask("t1");
  t.status = std::string(kReviewCompleted);
  t.final_label = "aws_logo";
  t.agreement = 1.0;
  t.completed_ms = 150;
  t.output_key = "a2i-human-loop-data/x/output.json";
  ASSERT_TRUE(db_->UpdateTask(t, ReviewAnswer{"alice", "aws_logo", 150}).ok());
  EXPECT_THAT(Names(*db_->ListUnwrittenOutputs(10)), ElementsAre("t1"));
  t = *db_->GetTask("t1");
  t.output_written = true;
  ASSERT_TRUE(db_->UpdateTask(t, std::nullopt).ok());
  EXPECT_TRUE(db_->ListUnwrittenOutputs(10)->empty());
  EXPECT_EQ(db_->GetTask("t1")->agreement, 1.0);
}

TEST_F(ReviewDbTest, SamplingCursorDefaultsToZeroAndRoundTrips) {
  EXPECT_EQ(*db_->ReadSamplingCursor(), SamplingCursor{});
  const SamplingCursor cursor{.after_sequence_id = 42, .counted = 7, .pending_request_ids = {"a", "b"}, .reset_ms = 9};
  ASSERT_TRUE(db_->WriteSamplingCursor(cursor).ok());
  EXPECT_EQ(*db_->ReadSamplingCursor(), cursor);
  ASSERT_TRUE(db_->WriteSamplingCursor({.after_sequence_id = 43}).ok());
  EXPECT_EQ(*db_->ReadSamplingCursor(), SamplingCursor{.after_sequence_id = 43});
}

// The queue: higher priority first whatever the selection (a random pick sits where its
// random priority puts it), ties oldest first; a reviewer's own hold still comes first.
TEST_F(ReviewDbTest, NextAvailableFollowsPriorityThenOldest) {
  ASSERT_TRUE(db_->InsertTask(MakeTask("old-sure", 100, "low-confidence", 0.10)).ok());
  ASSERT_TRUE(db_->InsertTask(MakeTask("random", 150, "low-confidence", 0.60, "random")).ok());
  ASSERT_TRUE(db_->InsertTask(MakeTask("unsure", 200, "low-confidence", 0.95)).ok());
  ASSERT_TRUE(db_->InsertTask(MakeTask("sample", 250, "sampling", 0.30, "sampled")).ok());
  ASSERT_TRUE(db_->InsertTask(MakeTask("unsure-newer", 300, "low-confidence", 0.95)).ok());
  std::vector<std::string> order;
  for (int i = 0; i < 5; ++i) {
    Result<std::optional<ReviewTask>> next = db_->FindNextAvailable("alice", 400);
    ASSERT_TRUE(next.ok() && next->has_value()) << next.status().ToString();
    order.push_back((*next)->name);
    ReviewTask answered = **next;
    ASSERT_TRUE(db_->UpdateTask(answered, ReviewAnswer{"alice", "aws_logo", 400}).ok());
  }
  EXPECT_THAT(order, ElementsAre("unsure", "unsure-newer", "random", "sample", "old-sure"));

  ReviewTask held = *db_->GetTask("old-sure");
  held.claimed_by = "bob";
  held.claim_expires_ms = 900;
  ASSERT_TRUE(db_->UpdateTask(held, std::nullopt).ok());
  EXPECT_EQ((*db_->FindNextAvailable("bob", 400))->name, "old-sure");
  EXPECT_EQ((*db_->FindNextAvailable("carol", 400))->name, "unsure");
}

TEST_F(ReviewDbTest, ListsInQueueOrderPageByPage) {
  const double priorities[] = {0.2, 0.9, 0.2, 1.0 / 3, 0.9, 0.0};
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(db_->InsertTask(MakeTask("t" + std::to_string(i), 100 + i, "low-confidence", priorities[i])).ok());
  }
  ReviewFilter filter{.limit = 1, .order = ReviewOrder::kQueue};  // every boundary: ties, 1/3
  std::vector<std::string> seen;
  while (true) {
    Result<ReviewTaskPage> page = db_->ListTasks(filter);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->total_count, 6);
    for (const std::string& n : Names(page->tasks)) seen.push_back(n);
    if (page->next_cursor.empty()) break;
    filter.page_cursor = page->next_cursor;
  }
  EXPECT_THAT(seen, ElementsAre("t1", "t4", "t3", "t0", "t2", "t5"));
  // A cursor of one order is refused by the other.
  const std::string queue_cursor = db_->ListTasks({.limit = 1, .order = ReviewOrder::kQueue})->next_cursor;
  const std::string newest_cursor = db_->ListTasks({.limit = 1})->next_cursor;
  EXPECT_EQ(db_->ListTasks({.page_cursor = queue_cursor}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListTasks({.page_cursor = newest_cursor, .order = ReviewOrder::kQueue}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->ListTasks({.page_cursor = "qnan:1:x", .order = ReviewOrder::kQueue}).status().code(),
            StatusCode::kInvalidArgument);
}

// A database from before the ranked queue: its open tasks get priority 0 and selection
// "unranked", so they follow the ranked ones, oldest first among themselves.
TEST(ReviewDbMigrationTest, TasksFromBeforeRankingComeAfterRankedOnesOldestFirst) {
  std::string dir = (fs::temp_directory_path() / "labelloop-reviews-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/metadata.db";
  FakeClock clock;
  {
    Result<sqlite::Connection> old = sqlite::Connection::Open(path);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    std::vector<sqlite::Migration> before = sqlite::SqliteMigrations();
    while (before.back().version >= 10) before.pop_back();  // the schema before the queue was ranked
    ASSERT_TRUE(sqlite::ApplyMigrations(*old, before, clock).ok());
    for (const auto& [name, created_ms] : {std::pair{"legacy-new", 200}, std::pair{"legacy-old", 100}}) {
      ASSERT_TRUE(old->Exec(fmt::format("INSERT INTO review_tasks (name, status, source, image_key, "
                                        "detection_request_id, model_label, model_confidence_pct, candidate_labels, "
                                        "reviews_required, created_ms, expires_ms, output_key, output_written, "
                                        "revision) VALUES ('{0}', 'InProgress', 'low-confidence', 'k/{0}.png', "
                                        "'req-{0}', 'aws_logo', 40, '[]', 1, {1}, 5000, '', 0, 1)",
                                        name, created_ms),
                            "legacy task")
                      .ok());
    }
  }
  Result<std::unique_ptr<ReviewDb>> db = OpenSqliteReviewDb(path, &clock);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->InsertTask(MakeTask("ranked", 300, "low-confidence", 0.05)).ok());
  const ReviewTask legacy = *(*db)->GetTask("legacy-old");
  EXPECT_EQ(legacy.priority, 0.0);
  EXPECT_EQ(legacy.selection, "unranked");
  EXPECT_THAT(Names((*db)->ListTasks({.order = ReviewOrder::kQueue})->tasks),
              ElementsAre("ranked", "legacy-old", "legacy-new"));
  EXPECT_EQ((*(*db)->FindNextAvailable("alice", 400))->name, "ranked");
  db->reset();
  fs::remove_all(dir);
}

// Two handles on one file (two processes, in effect): only one claim of a revision wins.
TEST(ReviewDbFileTest, CompareAndSetHoldsAcrossConnections) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-reviews-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  FakeClock clock;
  {
    auto a = OpenSqliteReviewDb(pattern + "/metadata.db", &clock);
    auto b = OpenSqliteReviewDb(pattern + "/metadata.db", &clock);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
    ASSERT_TRUE((*a)->InsertTask(MakeTask("t1", 100)).ok());
    ReviewTask via_a = *(*a)->GetTask("t1");
    ReviewTask via_b = *(*b)->GetTask("t1");
    via_a.claimed_by = "alice";
    via_b.claimed_by = "bob";
    ASSERT_TRUE((*a)->UpdateTask(via_a, std::nullopt).ok());
    EXPECT_EQ((*b)->UpdateTask(via_b, std::nullopt).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ((*b)->GetTask("t1")->claimed_by, "alice");
  }
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::db
