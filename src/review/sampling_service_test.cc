// SamplingService on in-memory SQLite with a fake clock.
#include "review/sampling_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labelloop::review {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> RequestIds(const std::vector<db::Detection>& ds) {
  std::vector<std::string> ids;
  for (const db::Detection& d : ds) ids.push_back(d.request_id);
  return ids;
}

class SamplingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reviews = db::OpenSqliteReviewDb(":memory:", &clock_);
    auto detections = db::OpenSqliteDetectionDb(":memory:", &clock_);
    ASSERT_TRUE(reviews.ok() && detections.ok()) << reviews.status().ToString() << detections.status().ToString();
    reviews_ = std::move(reviews).value();
    detections_ = std::move(detections).value();
  }

  // Logs detections d<first>..d<last>.
  void Log(int first, int last, const std::string& version = "v1", const std::string& label = "aws_logo") {
    for (int i = first; i <= last; ++i) {
      db::Detection d;
      d.request_id = "d" + std::to_string(i);
      d.created_ms = clock_.NowMs();
      d.image_key = "images_for_detection/" + d.request_id + ".png";
      d.model_version = version;
      d.top_label = label;
      d.confidence_pct = 90;
      d.threshold_pct = 70;
      d.source = std::string(db::kDetectionSourceApi);
      ASSERT_TRUE(detections_->Insert(d).ok());
    }
  }

  std::vector<std::string> SampleOrDie(int64_t interval) {
    Result<std::vector<db::Detection>> sampled = service_->SampleDue(interval);
    EXPECT_TRUE(sampled.ok()) << sampled.status().ToString();
    if (sampled.ok()) {
      for (const db::Detection& d : *sampled) {
        EXPECT_TRUE(d.sampled);
        EXPECT_TRUE(detections_->Get(d.request_id)->sampled);
      }
    }
    return sampled.ok() ? RequestIds(*sampled) : std::vector<std::string>{};
  }

  FakeClock clock_;
  std::unique_ptr<db::ReviewDb> reviews_;
  std::unique_ptr<db::DetectionDb> detections_;
  std::unique_ptr<SamplingService> service_;

  void MakeService() { service_ = std::make_unique<SamplingService>(detections_.get(), reviews_.get(), &clock_); }
};

TEST_F(SamplingServiceTest, EveryNthDetectionIsSampledAndTheCountCarriesOver) {
  MakeService();
  Log(1, 7);
  EXPECT_THAT(SampleOrDie(3), ElementsAre("d3", "d6"));
  EXPECT_THAT(SampleOrDie(3), ElementsAre());  // nothing new
  Log(8, 10);
  EXPECT_THAT(SampleOrDie(3), ElementsAre("d9"));  // d7, d8 counted before: d9 is the 3rd since d6
  EXPECT_EQ(*detections_->Count({.sampled = true}), 3);
  Log(11, 2511);
  const std::vector<std::string> many = SampleOrDie(1000);  // crosses list batches
  EXPECT_THAT(many, ElementsAre("d1009", "d2009"));  // d10 was the 1st after d9
  Log(2512, 2513);
  EXPECT_THAT(SampleOrDie(1), ElementsAre("d2512", "d2513"));  // interval 1: every detection
  EXPECT_EQ(service_->SampleDue(0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SamplingServiceTest, ResetCursorRestartsCountingNow) {
  MakeService();
  Log(1, 4);
  ASSERT_TRUE(service_->ResetCursor().ok());  // sampling switched on after d4
  Log(5, 9);
  EXPECT_THAT(SampleOrDie(2), ElementsAre("d6", "d8"));
  Log(10, 10);
  ASSERT_TRUE(service_->ResetCursor().ok());  // d9 counted once, d10 not at all: both forgotten
  Log(11, 12);
  EXPECT_THAT(SampleOrDie(2), ElementsAre("d12"));
  EXPECT_EQ(reviews_->ReadSamplingCursor()->reset_ms, clock_.NowMs());
}

TEST_F(SamplingServiceTest, PicksOfAnInterruptedRunAreMarkedAndReturnedByTheNext) {
  MakeService();
  Log(1, 6);
  // As if a run had saved its picks and advanced cursor, then crashed before marking them.
  ASSERT_TRUE(reviews_->WriteSamplingCursor({.after_sequence_id = 4, .counted = 0, .pending_request_ids = {"d2", "d4"}})
                  .ok());
  EXPECT_THAT(SampleOrDie(2), ElementsAre("d2", "d4", "d6"));
  EXPECT_TRUE(reviews_->ReadSamplingCursor()->pending_request_ids.empty());
  EXPECT_THAT(SampleOrDie(2), ElementsAre());
}

TEST(WilsonIntervalTest, KnownValues) {
  // Reference values (Wilson score interval, z = 1.96), e.g. from R's binom.confint(method = "wilson").
  auto [low, high] = WilsonInterval95(8, 10);
  EXPECT_NEAR(low, 0.4902, 1e-4);
  EXPECT_NEAR(high, 0.9433, 1e-4);
  std::tie(low, high) = WilsonInterval95(0, 10);
  EXPECT_NEAR(low, 0.0, 1e-12);
  EXPECT_NEAR(high, 0.2775, 1e-4);
  std::tie(low, high) = WilsonInterval95(50, 100);
  EXPECT_NEAR(low, 0.4038, 1e-4);
  EXPECT_NEAR(high, 0.5962, 1e-4);
  std::tie(low, high) = WilsonInterval95(0, 0);
  EXPECT_EQ(low, 0.0);
  EXPECT_EQ(high, 1.0);
}

TEST_F(SamplingServiceTest, AgreementPerVersionWithWilsonInterval) {
  MakeService();
  Log(1, 10, "v1", "aws_logo");
  Log(11, 12, "v2", "amazon_logo");
  std::vector<std::string> all;
  for (int i = 1; i <= 12; ++i) all.push_back("d" + std::to_string(i));
  ASSERT_TRUE(detections_->MarkSampled(all).ok());
  for (int i = 1; i <= 10; ++i) {  // v1: 8 of 10 agree
    ASSERT_TRUE(detections_->UpdateHumanAnswer("d" + std::to_string(i), i <= 8 ? "aws_logo" : "amazon_logo",
                                               std::nullopt, 1)
                    .ok());
  }
  ASSERT_TRUE(detections_->UpdateHumanAnswer("d11", std::nullopt, std::nullopt, 1).ok());  // v2: 0 of 1
  Result<std::vector<AgreementStats>> stats = service_->Agreement();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_EQ(stats->size(), 2u);
  const AgreementStats& v1 = (*stats)[0];
  EXPECT_EQ(v1.model_version, "v1");
  EXPECT_EQ(v1.count, 10);
  EXPECT_EQ(v1.agreeing, 8);
  EXPECT_DOUBLE_EQ(v1.rate, 0.8);
  EXPECT_NEAR(v1.ci_low, 0.4902, 1e-4);
  EXPECT_NEAR(v1.ci_high, 0.9433, 1e-4);
  const AgreementStats& v2 = (*stats)[1];
  EXPECT_EQ(v2.model_version, "v2");
  EXPECT_EQ(v2.count, 1);
  EXPECT_EQ(v2.agreeing, 0);
  EXPECT_DOUBLE_EQ(v2.rate, 0.0);
  EXPECT_NEAR(v2.ci_low, 0.0, 1e-12);
  EXPECT_NEAR(v2.ci_high, 0.7935, 1e-4);
}

}  // namespace
}  // namespace labelloop::review
