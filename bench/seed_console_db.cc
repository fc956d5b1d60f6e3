// Seeds a labelloop database with many detections and review tasks, through the db
// interfaces (no test-only server path), so the console's page load times can be measured
// at scale (issue 4: < 300 ms with 10,000 detections and 1,000 review tasks).
//
// Usage: seed_console_db DB_PATH [detections=10000] [review_tasks=1000] [image_key] [version]
//   DB_PATH    the data folder's labelloop.db (created by `labelloop init`)
//   image_key  the key every seeded detection points at (use an uploaded image so the
//              console's thumbnails load); default images_for_detection/seed.jpg
//   version    the model version of the seeded detections; default seed-v1
// Detections get labels amazon_logo / aws_logo / none, confidences spread over 0-100, one
// in 50 sampled; the first `review_tasks` of them get an InProgress low-confidence review
// task (linked to the detection), available for a week.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/clock.h"
#include "db/detection_db.h"
#include "db/review_db.h"

namespace {

using labelloop::Status;

int Fail(const Status& status, const char* what) {
  std::fprintf(stderr, "seed_console_db: %s: %s\n", what, status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: seed_console_db DB_PATH [detections] [review_tasks] [image_key] [version]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int detections = argc > 2 ? std::atoi(argv[2]) : 10000;
  const int tasks = argc > 3 ? std::atoi(argv[3]) : 1000;
  const std::string image_key = argc > 4 ? argv[4] : "images_for_detection/seed.jpg";
  const std::string version = argc > 5 ? argv[5] : "seed-v1";
  if (detections < 0 || tasks < 0 || tasks > detections) {
    std::fprintf(stderr, "seed_console_db: need 0 <= review_tasks <= detections\n");
    return 2;
  }
  auto* clock = labelloop::SystemClock::Default();
  auto detection_db = labelloop::db::OpenSqliteDetectionDb(path, clock);
  if (!detection_db.ok()) return Fail(detection_db.status(), "opening the detection log");
  auto review_db = labelloop::db::OpenSqliteReviewDb(path, clock);
  if (!review_db.ok()) return Fail(review_db.status(), "opening the review tables");

  const int64_t now_ms = clock->NowMs();
  const char* labels[] = {"amazon_logo", "aws_logo", ""};
  std::vector<labelloop::db::Detection> batch;
  for (int i = 0; i < detections; ++i) {
    labelloop::db::Detection d;
    d.request_id = "seed-" + std::to_string(i);
    d.created_ms = now_ms - int64_t(detections - i) * 1000;  // one a second, newest last
    d.image_key = image_key;
    d.image_etag = "seed";
    d.model_version = version;
    d.top_label = labels[i % 3];
    d.confidence_pct = d.top_label.empty() ? 0 : double((i * 37) % 1000) / 10.0;
    d.labels_json = d.top_label.empty()
                        ? "[]"
                        : "[{\"name\":\"" + d.top_label + "\",\"confidence\":" + std::to_string(d.confidence_pct) + "}]";
    d.threshold_pct = 70;
    d.review_enabled = true;
    d.sampled = i % 50 == 0;
    d.source = std::string(labelloop::db::kDetectionSourceEvent);
    batch.push_back(std::move(d));
    if (batch.size() == 1000 || i + 1 == detections) {
      if (Status s = (*detection_db)->InsertMany(batch); !s.ok()) return Fail(s, "inserting detections");
      batch.clear();
    }
  }
  for (int i = 0; i < tasks; ++i) {
    labelloop::db::ReviewTask t;
    t.name = "seed-task-" + std::to_string(i);
    t.status = std::string(labelloop::db::kReviewInProgress);
    t.source = "low-confidence";
    t.image_key = image_key;
    t.detection_request_id = "seed-" + std::to_string(i);
    t.model_label = "amazon_logo";
    t.model_confidence_pct = 42;
    t.candidate_labels = {"amazon_logo", "aws_logo"};
    t.created_ms = now_ms - int64_t(tasks - i) * 1000;
    t.expires_ms = now_ms + 7 * 24 * 3600 * 1000LL;
    t.selection = "unranked";  // priority 0: oldest first, as the seeded tasks always were
    if (Status s = (*review_db)->InsertTask(t); !s.ok()) return Fail(s, "inserting a review task");
    if (Status s = (*detection_db)->SetReviewTask(t.detection_request_id, t.name); !s.ok()) {
      return Fail(s, "linking a review task");
    }
  }
  std::printf("seeded %d detections (version %s) and %d review tasks into %s\n", detections, version.c_str(), tasks,
              path.c_str());
  return 0;
}
