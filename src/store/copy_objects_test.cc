// CopyObjects: every object with its etag, objects newer than the cut-off left out, objects
// deleted meanwhile counted, and a failing destination stops the copy with the key named.
#include "store/copy_objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/fault_injecting_object_store.h"

namespace labelloop::store {
namespace {

using ::testing::HasSubstr;

TEST(CopyObjectsTest, CopiesEveryObjectOlderThanTheCutOffWithItsEtag) {
  FakeClock clock(1'000'000);
  auto from = NewMemoryObjectStore(&clock);
  auto to = NewMemoryObjectStore(&clock);
  ASSERT_TRUE(from->Put("images_for_detection/a.jpg", "a").ok());
  ASSERT_TRUE(from->Put("images_labeled_by_folder/x/b.jpg", "bb").ok());
  const int64_t snapshot_ms = clock.NowMs();
  clock.AdvanceMs(10);
  ASSERT_TRUE(from->Put("images_for_detection/later.jpg", "later").ok());

  std::vector<std::string> copied;
  CopyObjectsOptions options;
  options.modified_at_or_before_ms = snapshot_ms;
  options.on_copied = [&](const ObjectInfo& info) { copied.push_back(info.key); };
  int64_t last_done = 0;
  options.on_progress = [&](int64_t done, int64_t listed, int64_t) {
    EXPECT_EQ(listed, 3);
    last_done = done;
  };
  Result<CopyObjectsStats> stats = CopyObjects(*from, *to, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->copied, 2);
  EXPECT_EQ(stats->bytes, 3);
  EXPECT_EQ(stats->skipped_newer, 1);
  EXPECT_EQ(last_done, 3);
  EXPECT_EQ(copied, (std::vector<std::string>{"images_for_detection/a.jpg", "images_labeled_by_folder/x/b.jpg"}));
  EXPECT_EQ(*to->Get("images_labeled_by_folder/x/b.jpg"), "bb");
  EXPECT_EQ(to->Head("images_for_detection/a.jpg")->etag, from->Head("images_for_detection/a.jpg")->etag);
  EXPECT_EQ(to->Head("images_for_detection/later.jpg").status().code(), StatusCode::kNotFound);
}

TEST(CopyObjectsTest, AnObjectDeletedMeanwhileIsCountedAndAFailingDestinationStopsTheCopy) {
  auto from = NewMemoryObjectStore();
  auto base = NewMemoryObjectStore();
  ASSERT_TRUE(from->Put("manifests/a", "a").ok());
  FaultInjectingObjectStore flaky_from(*from);
  flaky_from.FailNextCalls(ObjectStoreVerb::kGet, 1, StatusCode::kNotFound);
  Result<CopyObjectsStats> stats = CopyObjects(flaky_from, *base);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->vanished, 1);
  EXPECT_EQ(stats->copied, 0);

  FaultInjectingObjectStore full(*base);
  full.FailNextCalls(ObjectStoreVerb::kPut, 1, StatusCode::kInsufficientStorage);
  Result<CopyObjectsStats> failed = CopyObjects(*from, full);
  EXPECT_EQ(failed.status().code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(failed.status().message(), HasSubstr("'manifests/a'"));
  EXPECT_EQ(base->Head("manifests/a").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace labelloop::store
