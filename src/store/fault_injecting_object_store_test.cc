#include "store/fault_injecting_object_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/content_hash.h"
#include "store/object_keys.h"

namespace labelloop::store {
namespace {

using ::testing::HasSubstr;

class FaultInjectingObjectStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> base_ = NewMemoryObjectStore();
  FaultInjectingObjectStore store_{*base_};
};

TEST_F(FaultInjectingObjectStoreTest, PassesCallsThroughWhenNoFaults) {
  ASSERT_TRUE(store_.Put("a/1", "x").ok());
  EXPECT_EQ(*store_.Get("a/1"), "x");
  EXPECT_EQ(store_.Head("a/1")->etag, Sha256Hex("x"));
  EXPECT_EQ(store_.List("a/", "")->objects.size(), 1u);
  EXPECT_TRUE(store_.Copy("a/1", "a/2").ok());
  EXPECT_TRUE(store_.Delete("a/1").ok());
  EXPECT_EQ(store_.CallCount(ObjectStoreVerb::kPut), 1);
  EXPECT_EQ(store_.CallCount(ObjectStoreVerb::kList), 1);
  EXPECT_EQ(store_.InjectedFaultCount(), 0);
  // Errors of the wrapped store come through unchanged.
  EXPECT_EQ(store_.Get("missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_.Put("../bad", "x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FaultInjectingObjectStoreTest, FailsTheNextNCallsOfAVerb) {
  ASSERT_TRUE(store_.Put("k", "v").ok());
  store_.FailNextCalls(ObjectStoreVerb::kGet, 2);
  Result<std::string> first = store_.Get("k");
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(first.status().message(), HasSubstr("Get of 'k'"));
  EXPECT_EQ(store_.Head("k").status().code(), StatusCode::kOk);  // other verbs unaffected
  EXPECT_EQ(store_.Get("k").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(*store_.Get("k"), "v");
  EXPECT_EQ(store_.CallCount(ObjectStoreVerb::kGet), 3);
  EXPECT_EQ(store_.InjectedFaultCount(), 2);
  store_.FailNextCalls(ObjectStoreVerb::kDelete, 1, StatusCode::kPermissionDenied);
  EXPECT_EQ(store_.Delete("k").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(*base_->Get("k"), "v");
}

TEST_F(FaultInjectingObjectStoreTest, FailsEverythingUnderAPrefixUntilCleared) {
  ASSERT_TRUE(store_.Put("images_for_detection/a.png", "x").ok());
  ASSERT_TRUE(store_.Put("manifests/m", "x").ok());
  store_.FailMatching("images_for_detection/");
  EXPECT_EQ(store_.Get("images_for_detection/a.png").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.Put("images_for_detection/b.png", "x").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.List("images_for_detection/", "").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.List("", "").status().code(), StatusCode::kUnavailable);  // would include them
  EXPECT_EQ(store_.Copy("manifests/m", "images_for_detection/c.png").status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store_.Get("manifests/m").ok());
  EXPECT_TRUE(store_.List("manifests/", "").ok());
  EXPECT_EQ(base_->Head("images_for_detection/b.png").status().code(), StatusCode::kNotFound);
  store_.ClearFaults();
  EXPECT_TRUE(store_.Get("images_for_detection/a.png").ok());
}

TEST_F(FaultInjectingObjectStoreTest, PrefixFaultsCanBeLimitedToVerbs) {
  ASSERT_TRUE(store_.Put("evaluation/v1/e.json", "{}").ok());
  store_.FailMatching("evaluation/", {ObjectStoreVerb::kPut}, StatusCode::kResourceExhausted);
  EXPECT_EQ(store_.Put("evaluation/v1/e.json", "new").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(*store_.Get("evaluation/v1/e.json"), "{}");
}

TEST_F(FaultInjectingObjectStoreTest, CrashMidPutLeavesTheOldObject) {
  ASSERT_TRUE(store_.Put("manifests/m", "old").ok());
  store_.CrashNextPut("manifests/m");
  ASSERT_TRUE(store_.Put("manifests/other", "x").ok());  // a different key is not affected
  Result<ObjectInfo> crashed = store_.Put("manifests/m", "new");
  EXPECT_EQ(crashed.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(crashed.status().message(), HasSubstr("crash"));
  EXPECT_EQ(*store_.Get("manifests/m"), "old");
  EXPECT_EQ(store_.Head("manifests/m")->etag, Sha256Hex("old"));
  // A crash before the first version existed leaves nothing.
  store_.CrashNextPut();
  EXPECT_FALSE(store_.Put("manifests/fresh", "x").ok());
  EXPECT_EQ(store_.Head("manifests/fresh").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_.Put("manifests/m", "new").ok());  // only the next Put crashes
  EXPECT_EQ(*store_.Get("manifests/m"), "new");
}

TEST_F(FaultInjectingObjectStoreTest, LostReplyStillStoresTheObject) {
  store_.DropNextPutReply();
  EXPECT_EQ(store_.Put("a", "v").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(*base_->Get("a"), "v");
  EXPECT_TRUE(store_.Put("b", "v").ok());
}

TEST_F(FaultInjectingObjectStoreTest, ListAllSurfacesAFaultOnALaterPage) {
  for (int i = 0; i < 1500; ++i) ASSERT_TRUE(base_->Put("k/" + std::to_string(10000 + i), "").ok());
  Result<std::vector<ObjectInfo>> all = ListAll(store_, "k/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1500u);
  EXPECT_EQ(store_.CallCount(ObjectStoreVerb::kList), 2);
  EXPECT_EQ(all->back().key, "k/11499");
  store_.FailNextCalls(ObjectStoreVerb::kList, 0);
  // Fail the second page only: ListAll returns the error, not a partial listing.
  struct SecondPageFails final : ObjectStore {
    explicit SecondPageFails(ObjectStore& base) : base(base) {}
    Result<ObjectInfo> Put(const std::string& k, const std::string& d) override { return base.Put(k, d); }
    Result<std::string> Get(const std::string& k) override { return base.Get(k); }
    Result<ObjectInfo> Head(const std::string& k) override { return base.Head(k); }
    Result<ListResult> List(const std::string& p, const std::string& t, int m) override {
      if (!t.empty()) return UnavailableError("page 2 unavailable");
      return base.List(p, t, m);
    }
    Result<ObjectInfo> Copy(const std::string& s, const std::string& d) override { return base.Copy(s, d); }
    Status Delete(const std::string& k) override { return base.Delete(k); }
    ObjectStore& base;
  } flaky(*base_);
  EXPECT_EQ(ListAll(flaky, "k/").status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace labelloop::store
