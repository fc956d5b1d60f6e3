// DetectionDb contract, run on SQLite (":memory:" and a file for the timing check).
#include "db/detection_db.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::db {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Detection MakeDetection(int i, std::string version = "v1", std::string label = "aws_logo", double confidence = 90) {
  Detection d;
  d.request_id = "req-" + std::to_string(i);
  d.created_ms = 1'000'000 + i;
  d.image_key = "images_for_detection/img-" + std::to_string(i) + ".png";
  d.image_etag = "etag" + std::to_string(i);
  d.model_version = std::move(version);
  d.top_label = std::move(label);
  d.confidence_pct = confidence;
  d.labels_json = R"([{"name":"aws_logo","confidence":90}])";
  d.threshold_pct = 70;
  d.review_enabled = true;
  d.source = std::string(kDetectionSourceEvent);
  return d;
}

std::vector<std::string> RequestIds(const std::vector<Detection>& ds) {
  std::vector<std::string> ids;
  for (const Detection& d : ds) ids.push_back(d.request_id);
  return ids;
}

class DetectionDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<DetectionDb>> db = OpenSqliteDetectionDb(":memory:", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  void InsertOrDie(const Detection& d) { ASSERT_TRUE(db_->Insert(d).ok()) << d.request_id; }

  FakeClock clock_;
  std::unique_ptr<DetectionDb> db_;
};

TEST_F(DetectionDbTest, InsertGetRoundTripsEveryFieldAndAssignsSequence) {
  Detection d = MakeDetection(1);
  d.review_task = "review-x";
  d.human_label = "aws_logo";
  d.human_copied_key = "images_labeled_by_folder/aws_logo/humanLoopName-review-x-img-1.png";
  d.human_completed_ms = 5;
  d.sampled = true;
  d.source = std::string(kDetectionSourceApi);
  ASSERT_TRUE(db_->Insert(d).ok());
  Result<Detection> got = db_->Get("req-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->sequence_id, 1);
  d.sequence_id = 1;
  EXPECT_EQ(*got, d);
  InsertOrDie(MakeDetection(2));
  EXPECT_EQ(db_->Get("req-2")->sequence_id, 2);
  EXPECT_EQ(*db_->LastSequenceId(), 2);
}

TEST_F(DetectionDbTest, DuplicateRequestIdIsAlreadyExists) {
  InsertOrDie(MakeDetection(1));
  const Status status = db_->Insert(MakeDetection(1));
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("req-1"));
}

TEST_F(DetectionDbTest, InsertManyIsAllOrNothing) {
  InsertOrDie(MakeDetection(2));
  const Status status = db_->InsertMany({MakeDetection(1), MakeDetection(2), MakeDetection(3)});
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("req-2"));
  EXPECT_EQ(*db_->Count({}), 1);
  Detection bad = MakeDetection(4);
  bad.source = "";
  EXPECT_EQ(db_->InsertMany({MakeDetection(1), bad}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*db_->Count({}), 1);
  ASSERT_TRUE(db_->InsertMany({MakeDetection(1), MakeDetection(3)}).ok());
  EXPECT_EQ(*db_->Count({}), 3);
}

TEST_F(DetectionDbTest, GetMissingIsNotFound) {
  EXPECT_EQ(db_->Get("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*db_->LastSequenceId(), 0);
}

TEST_F(DetectionDbTest, InvalidDetectionsAreRefusedNamingTheField) {
  struct Case {
    std::function<void(Detection&)> mutate;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {[](Detection& d) { d.request_id = ""; }, "request_id"},
      {[](Detection& d) { d.request_id = std::string(129, 'r'); }, "request_id"},
      {[](Detection& d) { d.image_key = ""; }, "image_key"},
      {[](Detection& d) { d.model_version = ""; }, "model_version"},
      {[](Detection& d) { d.source = "ftp"; }, "source 'ftp'"},
      {[](Detection& d) { d.confidence_pct = 101; }, "confidence_pct"},
      {[](Detection& d) { d.confidence_pct = std::nan(""); }, "confidence_pct"},
      {[](Detection& d) { d.threshold_pct = -1; }, "threshold_pct"},
      {[](Detection& d) { d.labels_json = "{}"; }, "not a JSON array"},
      {[](Detection& d) { d.labels_json = "[oops"; }, "labels_json"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    Detection d = MakeDetection(1);
    c.mutate(d);
    const Status status = db_->Insert(d);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.rule));
  }
  EXPECT_EQ(*db_->Count({}), 0);
}

TEST_F(DetectionDbTest, ListIsNewestFirstAndPagesWithoutGapsOrRepeats) {
  for (int i = 1; i <= 7; ++i) InsertOrDie(MakeDetection(i));
  // Two rows with the same created_ms: the later insert comes first.
  Detection tie = MakeDetection(8);
  tie.created_ms = MakeDetection(7).created_ms;
  InsertOrDie(tie);
  DetectionFilter filter;
  filter.limit = 3;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    Result<DetectionPage> page = db_->List(filter);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    for (const std::string& id : RequestIds(page->detections)) seen.push_back(id);
    if (page->next_cursor.empty()) break;
    filter.page_cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("req-8", "req-7", "req-6", "req-5", "req-4", "req-3", "req-2", "req-1"));
}

TEST_F(DetectionDbTest, ListRefusesBadCursorAndLimit) {
  DetectionFilter filter;
  filter.page_cursor = "garbage";
  EXPECT_EQ(db_->List(filter).status().code(), StatusCode::kInvalidArgument);
  filter.page_cursor = "12.x";
  EXPECT_EQ(db_->List(filter).status().code(), StatusCode::kInvalidArgument);
  filter.page_cursor.clear();
  filter.limit = 0;
  EXPECT_EQ(db_->List(filter).status().code(), StatusCode::kInvalidArgument);
  filter.limit = kMaxDetectionPageSize + 1;
  EXPECT_EQ(db_->List(filter).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DetectionDbTest, FiltersCombineAndCountMatchesList) {
  InsertOrDie(MakeDetection(1, "v1", "aws_logo"));
  InsertOrDie(MakeDetection(2, "v1", "amazon_logo"));
  InsertOrDie(MakeDetection(3, "v2", "aws_logo"));
  Detection special = MakeDetection(4, "v2", "aws_logo");
  special.image_key = "images_for_detection/Holiday/Beach.JPG";
  InsertOrDie(special);
  ASSERT_TRUE(db_->SetReviewTask("req-2", "review-2").ok());
  ASSERT_TRUE(db_->SetReviewTask("req-3", "review-3").ok());
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-3", "aws_logo", std::nullopt, 9).ok());
  ASSERT_TRUE(db_->MarkSampled({"req-1", "req-3"}).ok());

  const auto ids = [&](DetectionFilter f) {
    Result<DetectionPage> page = db_->List(f);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(*db_->Count(f), static_cast<int64_t>(page->detections.size()));
    return RequestIds(page->detections);
  };
  EXPECT_THAT(ids({.model_version = "v1"}), ElementsAre("req-2", "req-1"));
  EXPECT_THAT(ids({.top_label = "aws_logo"}), ElementsAre("req-4", "req-3", "req-1"));
  EXPECT_THAT(ids({.model_version = "v2", .top_label = "aws_logo"}), ElementsAre("req-4", "req-3"));
  EXPECT_THAT(ids({.key_contains = "beach"}), ElementsAre("req-4"));
  EXPECT_THAT(ids({.key_contains = "%"}), ElementsAre());  // no LIKE wildcards
  EXPECT_THAT(ids({.review_state = DetectionReviewState::kNotReviewed}), ElementsAre("req-4", "req-1"));
  EXPECT_THAT(ids({.review_state = DetectionReviewState::kPending}), ElementsAre("req-2"));
  EXPECT_THAT(ids({.review_state = DetectionReviewState::kCompleted}), ElementsAre("req-3"));
  EXPECT_THAT(ids({.sampled = true}), ElementsAre("req-3", "req-1"));
  EXPECT_THAT(ids({.sampled = false}), ElementsAre("req-4", "req-2"));
  EXPECT_EQ(*db_->Count({}), 4);
}

TEST_F(DetectionDbTest, FirstReviewTaskWinsAndHumanAnswerIsReplaced) {
  InsertOrDie(MakeDetection(1));
  ASSERT_TRUE(db_->SetReviewTask("req-1", "first").ok());
  ASSERT_TRUE(db_->SetReviewTask("req-1", "second").ok());
  EXPECT_EQ(db_->Get("req-1")->review_task, "first");
  EXPECT_EQ(db_->SetReviewTask("nope", "x").code(), StatusCode::kNotFound);

  ASSERT_TRUE(db_->UpdateHumanAnswer("req-1", std::nullopt, std::nullopt, 10).ok());  // None of the Above
  Detection d = *db_->Get("req-1");
  EXPECT_EQ(d.human_label, std::nullopt);
  EXPECT_EQ(d.human_completed_ms, 10);
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-1", "aws_logo", "images_labeled_by_folder/aws_logo/x.png", 11).ok());
  d = *db_->Get("req-1");
  EXPECT_EQ(d.human_label, "aws_logo");
  EXPECT_EQ(d.human_copied_key, "images_labeled_by_folder/aws_logo/x.png");
  EXPECT_EQ(d.human_completed_ms, 11);
  EXPECT_EQ(db_->UpdateHumanAnswer("nope", "x", std::nullopt, 1).code(), StatusCode::kNotFound);
}

TEST_F(DetectionDbTest, MarkSampledIsAllOrNothing) {
  InsertOrDie(MakeDetection(1));
  InsertOrDie(MakeDetection(2));
  const Status status = db_->MarkSampled({"req-1", "missing", "req-2"});
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("missing"));
  EXPECT_FALSE(db_->Get("req-1")->sampled);
  ASSERT_TRUE(db_->MarkSampled({"req-1", "req-2"}).ok());
  ASSERT_TRUE(db_->MarkSampled({"req-1"}).ok());  // again: still OK
  EXPECT_TRUE(db_->Get("req-2")->sampled);
}

TEST_F(DetectionDbTest, ListUnsampledSinceSkipsSampledAndIsOldestFirst) {
  for (int i = 1; i <= 6; ++i) InsertOrDie(MakeDetection(i));
  ASSERT_TRUE(db_->MarkSampled({"req-3"}).ok());
  Result<std::vector<Detection>> page = db_->ListUnsampledSince(1, 3);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_THAT(RequestIds(*page), ElementsAre("req-2", "req-4", "req-5"));
  EXPECT_THAT(RequestIds(*db_->ListUnsampledSince(5, 10)), ElementsAre("req-6"));
  EXPECT_EQ(db_->ListUnsampledSince(0, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DetectionDbTest, ConfidenceHistogramHasTenBinsWithHundredInTheLast) {
  const std::vector<double> confidences = {0, 9.99, 10, 55, 59.9, 99.9, 100};
  for (size_t i = 0; i < confidences.size(); ++i) {
    InsertOrDie(MakeDetection(static_cast<int>(i), "v1", "x", confidences[i]));
  }
  InsertOrDie(MakeDetection(100, "v2", "x", 50));
  Result<ConfidenceHistogram> h = db_->ComputeConfidenceHistogram("v1");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_THAT(h->counts, ElementsAre(2, 1, 0, 0, 0, 2, 0, 0, 0, 2));
  EXPECT_THAT(db_->ComputeConfidenceHistogram("none")->counts, ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

TEST_F(DetectionDbTest, SampledAgreementCountsOnlyAnsweredSampledDetections) {
  InsertOrDie(MakeDetection(1, "v1", "aws_logo"));  // sampled, human agrees
  InsertOrDie(MakeDetection(2, "v1", "aws_logo"));  // sampled, human disagrees
  InsertOrDie(MakeDetection(3, "v1", ""));          // sampled, model no label, human None of the Above: agree
  InsertOrDie(MakeDetection(4, "v1", "aws_logo"));  // sampled, not answered
  InsertOrDie(MakeDetection(5, "v1", "aws_logo"));  // answered, not sampled
  InsertOrDie(MakeDetection(6, "v2", "aws_logo"));  // sampled, human None of the Above: disagree
  ASSERT_TRUE(db_->MarkSampled({"req-1", "req-2", "req-3", "req-4", "req-6"}).ok());
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-1", "aws_logo", std::nullopt, 1).ok());
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-2", "amazon_logo", std::nullopt, 1).ok());
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-3", std::nullopt, std::nullopt, 1).ok());
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-5", "aws_logo", std::nullopt, 1).ok());
  ASSERT_TRUE(db_->UpdateHumanAnswer("req-6", std::nullopt, std::nullopt, 1).ok());
  Result<std::vector<SampledAgreementCount>> counts = db_->CountSampledAgreement();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].model_version, "v1");
  EXPECT_EQ((*counts)[0].reviewed, 3);
  EXPECT_EQ((*counts)[0].agreeing, 2);
  EXPECT_EQ((*counts)[1].model_version, "v2");
  EXPECT_EQ((*counts)[1].reviewed, 1);
  EXPECT_EQ((*counts)[1].agreeing, 0);
}

// 10,000 detections in a database file, logged in batches of 100 (a poll's worth), then
// filtered pages read: all of it must stay well under a second. Single-row commits are timed
// too (printed; one commit per detection is what the detection flow does).
TEST(DetectionDbTimingTest, TenThousandRowsInsertAndListUnderOneSecond) {
  std::string pattern = (fs::temp_directory_path() / "labelloop-detections-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  FakeClock clock;
  {
    Result<std::unique_ptr<DetectionDb>> opened = OpenSqliteDetectionDb(pattern + "/metadata.db", &clock);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    DetectionDb& db = **opened;
    constexpr int kRows = 10'000;
    constexpr int kBatch = 100;
    const auto start = std::chrono::steady_clock::now();
    for (int first = 0; first < kRows; first += kBatch) {
      std::vector<Detection> batch;
      for (int i = first; i < first + kBatch; ++i) {
        batch.push_back(MakeDetection(i, i % 2 ? "v1" : "v2", i % 3 ? "aws_logo" : "amazon_logo",
                                      static_cast<double>(i % 101)));
      }
      const Status status = db.InsertMany(batch);
      ASSERT_TRUE(status.ok()) << status.ToString();
    }
    const auto inserted = std::chrono::steady_clock::now();
    int64_t listed = 0;
    DetectionFilter filter{.model_version = "v1", .top_label = "amazon_logo", .limit = 100};
    for (int page = 0; page < 10; ++page) {
      Result<DetectionPage> result = db.List(filter);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      listed += static_cast<int64_t>(result->detections.size());
      filter.page_cursor = result->next_cursor;
    }
    EXPECT_EQ(listed, 1000);
    EXPECT_EQ(*db.Count({.model_version = "v1", .top_label = "amazon_logo"}), 1667);
    EXPECT_EQ(db.List({.key_contains = "img-9999.", .limit = 10})->detections.size(), 1u);
    EXPECT_EQ(db.ListUnsampledSince(9'000, 1000)->size(), 1000u);
    EXPECT_EQ(db.ComputeConfidenceHistogram("v1")->counts[9], 544);  // odd i with i % 101 >= 90
    const auto done = std::chrono::steady_clock::now();

    constexpr int kSingles = 1000;
    for (int i = kRows; i < kRows + kSingles; ++i) ASSERT_TRUE(db.Insert(MakeDetection(i)).ok());
    const auto singles = std::chrono::steady_clock::now();

    const auto us = [](auto d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
    std::printf("[ timing ] %d inserts in batches of %d: %lld ms; 10 filtered pages + count + search + "
                "histogram: %lld ms; single-row commits: %lld us each\n",
                kRows, kBatch, static_cast<long long>(us(inserted - start) / 1000),
                static_cast<long long>(us(done - inserted) / 1000),
                static_cast<long long>(us(singles - done) / kSingles));
    EXPECT_LT(us(done - start), 1'000'000);
  }
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace labelloop::db
