// StatsDb on SQLite: the counts /metrics reads follow what the other adapters write to the
// same file (detections by version and label, events by status), and an empty database
// reads as empty maps.
#include "db/stats_db.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "db/detection_db.h"
#include "db/event_db.h"

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;

Detection NewDetection(const std::string& id, const std::string& version, const std::string& label) {
  Detection d;
  d.request_id = id;
  d.created_ms = 1000;
  d.image_key = "images_for_detection/" + id + ".png";
  d.image_etag = "etag-" + id;
  d.model_version = version;
  d.top_label = label;
  d.confidence_pct = 80;
  d.labels_json = "[]";
  d.threshold_pct = 70;
  d.source = std::string(kDetectionSourceEvent);
  return d;
}

TEST(StatsDbTest, CountsFollowWhatTheOtherAdaptersWrite) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-stats-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/labelloop.db";
  FakeClock clock;
  auto stats = OpenSqliteStatsDb(path, &clock);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto empty = (*stats)->ReadCounts();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->detections.empty());
  EXPECT_TRUE(empty->events_by_status.empty());
  EXPECT_TRUE(empty->review_tasks_by_status.empty());

  auto detections = OpenSqliteDetectionDb(path, &clock);
  ASSERT_TRUE(detections.ok());
  ASSERT_TRUE((*detections)->Insert(NewDetection("a", "v1", "amazon_logo")).ok());
  ASSERT_TRUE((*detections)->Insert(NewDetection("b", "v1", "amazon_logo")).ok());
  ASSERT_TRUE((*detections)->Insert(NewDetection("c", "v2", "")).ok());
  auto events = OpenSqliteEventDb(path, &clock);
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE((*events)->InsertEvent("object-created", "object:a:1", "{}", 1).ok());
  ASSERT_TRUE((*events)->InsertEvent("object-created", "object:b:1", "{}", 2).ok());

  auto counts = (*stats)->ReadCounts();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->detections.size(), 2u);
  EXPECT_EQ((counts->detections[{"v1", "amazon_logo"}]), 2);
  EXPECT_EQ((counts->detections[{"v2", ""}]), 1);
  EXPECT_EQ(counts->events_by_status["pending"], 2);
  fs::remove_all(pattern);
}

TEST(StatsDbTest, AnEmptyPathIsRefused) {
  FakeClock clock;
  EXPECT_EQ(OpenSqliteStatsDb("", &clock).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace labelloop::db
