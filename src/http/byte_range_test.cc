#include "http/byte_range.h"

#include <gtest/gtest.h>

namespace labelloop::http {
namespace {

TEST(ByteRangeTest, OneRangeOrMergedRangesArePartial) {
  RangePlan plan = PlanRange("bytes=0-9", 100);
  EXPECT_EQ(plan.kind, RangePlan::kPartial);
  EXPECT_EQ(plan.first, 0);
  EXPECT_EQ(plan.last, 9);
  plan = PlanRange("bytes=90-", 100);
  EXPECT_EQ(plan.kind, RangePlan::kPartial);
  EXPECT_EQ(plan.first, 90);
  EXPECT_EQ(plan.last, 99);
  plan = PlanRange("bytes=-10", 100);
  EXPECT_EQ(plan.first, 90);
  plan = PlanRange("bytes=50-1000", 100);
  EXPECT_EQ(plan.last, 99);
  plan = PlanRange("bytes=0-4, 5-9 ,3-6", 100);  // adjacent and overlapping: one range
  EXPECT_EQ(plan.kind, RangePlan::kPartial);
  EXPECT_EQ(plan.first, 0);
  EXPECT_EQ(plan.last, 9);
}

TEST(ByteRangeTest, ManyDisjointOrMalformedRangesGetTheWholeBody) {
  std::string many = "bytes=0-";
  for (int i = 0; i < 2700; ++i) many += ",0-";
  EXPECT_EQ(PlanRange(many, 20'000).kind, RangePlan::kWhole);
  EXPECT_EQ(PlanRange("bytes=0-1,10-11", 100).kind, RangePlan::kWhole);
  for (const char* bad : {"", "items=0-1", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=1", "bytes=--1",
                          "bytes=99999999999999999999-"}) {
    EXPECT_EQ(PlanRange(bad, 100).kind, RangePlan::kWhole) << bad;
  }
}

TEST(ByteRangeTest, RangesPastTheEndAreUnsatisfiable) {
  EXPECT_EQ(PlanRange("bytes=100-", 100).kind, RangePlan::kUnsatisfiable);
  EXPECT_EQ(PlanRange("bytes=-0", 100).kind, RangePlan::kUnsatisfiable);
  EXPECT_EQ(PlanRange("bytes=0-", 0).kind, RangePlan::kUnsatisfiable);
  EXPECT_EQ(PlanRange("bytes=200-300,0-1", 100).kind, RangePlan::kPartial);  // one satisfiable is enough
}

}  // namespace
}  // namespace labelloop::http
