// The ObjectStore contract: one suite, run against every implementation (local folder and
// memory; S3 joins by adding a factory). Tests that need to touch the storage behind the
// store's back (files copied in by hand) skip stores that have no such back door.
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/content_hash.h"
#include "store/object_keys.h"
#include "store/object_store.h"
#include "store/test_temp_dir.h"

namespace labelloop::store {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct StoreUnderTest {
  std::unique_ptr<ObjectStore> store;
  // Writes `data` at bucket-relative `path` without going through the store (a hand copy
  // into the folder, or another client). Empty when the store has no back door.
  std::function<void(const std::string& path, const std::string& data)> write_by_hand;
};

struct StoreFactory {
  std::string name;
  std::function<StoreUnderTest(const std::string& temp_dir)> make;
};

// Names the parameter in test output and ctest names.
void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

void WriteFileByHand(const std::string& root, const std::string& path, const std::string& data) {
  const std::filesystem::path full = std::filesystem::path(root) / path;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary | std::ios::trunc);  // in place: same inode if it exists
  out << data;
  ASSERT_TRUE(out.good()) << full;
}

// Without fsync: these tests are about semantics, and fsync under a busy disk costs
// ~15 ms a Put. local_object_store_test.cc runs the default (syncing) configuration.
const StoreFactory kLocal{"Local", [](const std::string& dir) {
                            const std::string root = dir + "/bucket";
                            Result<std::unique_ptr<ObjectStore>> store =
                                OpenLocalObjectStore(root, LocalObjectStoreOptions{.sync = false});
                            EXPECT_TRUE(store.ok()) << store.status().ToString();
                            return StoreUnderTest{std::move(store).value(),
                                                  [root](const std::string& path, const std::string& data) {
                                                    WriteFileByHand(root, path, data);
                                                  }};
                          }};
const StoreFactory kMemory{"Memory", [](const std::string&) { return StoreUnderTest{NewMemoryObjectStore(), {}}; }};

class ObjectStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    under_test_ = GetParam().make(temp_.path());
    ASSERT_NE(under_test_.store, nullptr);
  }

  ObjectStore& store() { return *under_test_.store; }

  void PutOrDie(const std::string& key, const std::string& data) {
    Result<ObjectInfo> info = store().Put(key, data);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
  }

  std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
    std::vector<std::string> keys;
    for (const ObjectInfo& o : objects) keys.push_back(o.key);
    return keys;
  }

  std::vector<std::string> ListKeys(const std::string& prefix) {
    Result<ListResult> page = store().List(prefix, "");
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return {};
    EXPECT_EQ(page->next_continuation_token, "");
    return Keys(page->objects);
  }

  TestTempDir temp_;
  StoreUnderTest under_test_;
};

TEST_P(ObjectStoreContractTest, PutThenGetReturnsTheBytes) {
  const std::string binary("\0\x01\xff\n\r binary \0", 14);
  const std::string large(1 << 20, 'L');
  PutOrDie("images_for_detection/a.png", binary);
  PutOrDie("manifests/empty.manifest", "");
  PutOrDie("evaluation/v1/model.bin", large);
  EXPECT_EQ(*store().Get("images_for_detection/a.png"), binary);
  EXPECT_EQ(*store().Get("manifests/empty.manifest"), "");
  EXPECT_EQ(*store().Get("evaluation/v1/model.bin"), large);
}

TEST_P(ObjectStoreContractTest, PutInfoHasSha256EtagSizeAndTimeAndMatchesHead) {
  const int64_t before_ms = SystemClock::Default()->NowMs();
  Result<ObjectInfo> put = store().Put("images_for_detection/x.jpg", "hello");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->key, "images_for_detection/x.jpg");
  EXPECT_EQ(put->etag, Sha256Hex("hello"));
  EXPECT_EQ(put->etag, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(put->size_bytes, 5);
  EXPECT_GE(put->last_modified_ms, before_ms - 2000);
  EXPECT_LE(put->last_modified_ms, SystemClock::Default()->NowMs() + 2000);
  Result<ObjectInfo> head = store().Head("images_for_detection/x.jpg");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(*head, *put);
  EXPECT_EQ(store().Put("empty", "")->etag, Sha256Hex(""));
}

TEST_P(ObjectStoreContractTest, OverwriteReplacesBytesAndEtag) {
  PutOrDie("manifests/m", "first version");
  PutOrDie("manifests/m", "second");
  EXPECT_EQ(*store().Get("manifests/m"), "second");
  EXPECT_EQ(store().Head("manifests/m")->etag, Sha256Hex("second"));
  EXPECT_EQ(store().Head("manifests/m")->size_bytes, 6);
  EXPECT_THAT(ListKeys("manifests/"), ElementsAre("manifests/m"));
}

// PutFile: the bytes of a local file (an upload the server streamed to disk), stored as
// Put would store them; the file is the caller's to remove afterwards.
TEST_P(ObjectStoreContractTest, PutFileStoresTheFilesBytesAsPutWould) {
  // Beside the bucket (same file system: the local store renames it into place).
  const std::string local = temp_.path() + "/upload-1";
  const std::string binary = std::string("\0\x01\xff binary ", 11) + std::string(3 << 20, 'B');
  {
    std::ofstream out(local, std::ios::binary);
    out << binary;
  }
  Result<ObjectInfo> put = store().PutFile("images_for_detection/up.jpg", local);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->key, "images_for_detection/up.jpg");
  EXPECT_EQ(put->etag, Sha256Hex(binary));
  EXPECT_EQ(put->size_bytes, static_cast<int64_t>(binary.size()));
  EXPECT_EQ(*store().Get("images_for_detection/up.jpg"), binary);
  EXPECT_EQ(*store().Head("images_for_detection/up.jpg"), *put);
  EXPECT_THAT(ListKeys("images_for_detection/"), ElementsAre("images_for_detection/up.jpg"));
  std::filesystem::remove(local);

  // Replaces an existing object; an empty file is an empty object.
  { std::ofstream out(local, std::ios::binary); }
  ASSERT_TRUE(store().PutFile("images_for_detection/up.jpg", local).ok());
  EXPECT_EQ(*store().Get("images_for_detection/up.jpg"), "");
  std::filesystem::remove(local);

  EXPECT_EQ(store().PutFile("../escape", local).status().code(), StatusCode::kInvalidArgument);
  Result<ObjectInfo> missing = store().PutFile("manifests/m", temp_.path() + "/no-such-file");
  EXPECT_EQ(missing.status().code(), StatusCode::kUnavailable) << missing.status().ToString();
  EXPECT_FALSE(store().Head("manifests/m").ok());
}

TEST_P(ObjectStoreContractTest, MissingObjectsAreNotFoundNamingTheKey) {
  PutOrDie("images_labeled_by_folder/cat/1.png", "x");
  for (const std::string key : {"nope.png", "images_labeled_by_folder/cat", "images_labeled_by_folder/cat/2.png",
                                "images_labeled_by_folder/cat/1.png/deeper"}) {
    SCOPED_TRACE(key);
    Result<std::string> get = store().Get(key);
    EXPECT_EQ(get.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(get.status().message(), HasSubstr(QuoteKey(key)));
    Result<ObjectInfo> head = store().Head(key);
    EXPECT_EQ(head.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(head.status().message(), HasSubstr(QuoteKey(key)));
  }
}

TEST_P(ObjectStoreContractTest, DeleteRemovesAndIsIdempotent) {
  PutOrDie("images_for_detection/d.png", "x");
  PutOrDie("images_for_detection/keep.png", "y");
  ASSERT_TRUE(store().Delete("images_for_detection/d.png").ok());
  EXPECT_EQ(store().Get("images_for_detection/d.png").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Head("images_for_detection/d.png").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().Delete("images_for_detection/d.png").ok());
  EXPECT_TRUE(store().Delete("never/existed.png").ok());
  EXPECT_THAT(ListKeys(""), ElementsAre("images_for_detection/keep.png"));
}

TEST_P(ObjectStoreContractTest, ListFiltersByPrefixInByteOrder) {
  // '-' < '.' < '/' < '0' < 'Z' < 'a' < multi-byte: a folder "a" sorts as "a/".
  const std::vector<std::string> sorted = {"a-b",     "a.b",      "a/b",      "a/c/d",      "a/c/e",    "a0",
                                           "aZ",      "ab",       "b/\xC3\xA9", "images_labeled_by_folder/aws/1.jpg",
                                           "images_labeled_by_folder/aws/2.jpg", "images_labeled_by_folder/aws_logo/1.jpg",
                                           "z"};
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) PutOrDie(*it, "data:" + *it);
  EXPECT_THAT(ListKeys(""), ElementsAreArray(sorted));
  EXPECT_THAT(ListKeys("a/"), ElementsAre("a/b", "a/c/d", "a/c/e"));
  EXPECT_THAT(ListKeys("a/c"), ElementsAre("a/c/d", "a/c/e"));
  EXPECT_THAT(ListKeys("a"), ElementsAre("a-b", "a.b", "a/b", "a/c/d", "a/c/e", "a0", "aZ", "ab"));
  EXPECT_THAT(ListKeys("images_labeled_by_folder/aws"),
              ElementsAre("images_labeled_by_folder/aws/1.jpg", "images_labeled_by_folder/aws/2.jpg",
                          "images_labeled_by_folder/aws_logo/1.jpg"));
  EXPECT_THAT(ListKeys("images_labeled_by_folder/aws/"),
              ElementsAre("images_labeled_by_folder/aws/1.jpg", "images_labeled_by_folder/aws/2.jpg"));
  EXPECT_THAT(ListKeys("images_for_detection/"), IsEmpty());
  EXPECT_THAT(ListKeys("q"), IsEmpty());
  EXPECT_THAT(ListKeys("a/b"), ElementsAre("a/b"));
}

TEST_P(ObjectStoreContractTest, ListInfoMatchesHead) {
  PutOrDie("evaluation/v1/evaluation.json", "{}");
  PutOrDie("evaluation/v1/model.bin", "weights");
  Result<ListResult> page = store().List("evaluation/", "");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  for (const ObjectInfo& info : page->objects) EXPECT_EQ(info, *store().Head(info.key));
  EXPECT_EQ(page->objects[1].etag, Sha256Hex("weights"));
  EXPECT_EQ(page->objects[1].size_bytes, 7);
}

TEST_P(ObjectStoreContractTest, ListPaginatesWithContinuationTokens) {
  std::vector<std::string> keys;
  for (int folder = 0; folder < 5; ++folder) {
    for (int i = 0; i < 5; ++i) keys.push_back("images_labeled_by_folder/l" + std::to_string(folder) + "/" + std::to_string(i) + ".png");
  }
  for (const std::string& key : keys) PutOrDie(key, key);
  PutOrDie("manifests/outside", "not under the prefix");
  for (int page_size : {1, 3, 5, 7, 24, 25, 26, 1000, 5000}) {
    SCOPED_TRACE(page_size);
    std::vector<std::string> seen;
    std::string token;
    int pages = 0;
    do {
      Result<ListResult> page = store().List("images_labeled_by_folder/", token, page_size);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      ASSERT_LE(static_cast<int>(page->objects.size()), page_size);
      for (const ObjectInfo& o : page->objects) seen.push_back(o.key);
      if (!page->next_continuation_token.empty()) {
        EXPECT_EQ(static_cast<int>(page->objects.size()), page_size) << "only full pages have a token";
      }
      token = page->next_continuation_token;
      ASSERT_LT(++pages, 100);
    } while (!token.empty());
    EXPECT_EQ(seen, keys);
    EXPECT_EQ(pages, (25 + page_size - 1) / page_size);  // no empty trailing page
  }
}

TEST_P(ObjectStoreContractTest, ListRejectsBadArguments) {
  PutOrDie("a/1", "x");
  PutOrDie("a/2", "x");
  EXPECT_EQ(store().List("a/", "", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().List("a/", "", -3).status().code(), StatusCode::kInvalidArgument);
  for (const std::string& token : std::vector<std::string>{"b/1", "../x", "a//b", "a/.tmp-1", std::string("a/\0", 3)}) {
    Result<ListResult> page = store().List("a/", token, 1);
    EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(page.status().message(), HasSubstr("continuation token"));
  }
  // A token for a key that has since been deleted still works: it is a position.
  Result<ListResult> first = store().List("a/", "", 1);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store().Delete(first->objects[0].key).ok());
  Result<ListResult> rest = store().List("a/", first->next_continuation_token, 1);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_THAT(Keys(rest->objects), ElementsAre("a/2"));
}

TEST_P(ObjectStoreContractTest, ListAllReturnsEverythingUnderThePrefix) {
  for (int i = 0; i < 30; ++i) PutOrDie("images_for_detection/" + std::to_string(100 + i) + ".png", "x");
  PutOrDie("manifests/m", "x");
  Result<std::vector<ObjectInfo>> all = ListAll(store(), "images_for_detection/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 30u);
  EXPECT_EQ(all->front().key, "images_for_detection/100.png");
  EXPECT_EQ(ListAll(store(), "nothing/")->size(), 0u);
  EXPECT_EQ(ListAll(store(), "/bad").status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreContractTest, CopyDuplicatesTheObject) {
  PutOrDie("images_for_detection/src.png", "pixels");
  PutOrDie("images_labeled_by_folder/cat/dst.png", "old");
  Result<ObjectInfo> copy = store().Copy("images_for_detection/src.png", "images_labeled_by_folder/cat/dst.png");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->key, "images_labeled_by_folder/cat/dst.png");
  EXPECT_EQ(copy->etag, Sha256Hex("pixels"));
  EXPECT_EQ(copy->size_bytes, 6);
  EXPECT_EQ(*store().Get("images_labeled_by_folder/cat/dst.png"), "pixels");
  EXPECT_EQ(*store().Get("images_for_detection/src.png"), "pixels");
  EXPECT_EQ(*store().Head("images_labeled_by_folder/cat/dst.png"), *copy);
  // Into a folder that does not exist yet (a new label).
  ASSERT_TRUE(store().Copy("images_for_detection/src.png", "images_labeled_by_folder/new label/x.png").ok());
  EXPECT_EQ(*store().Get("images_labeled_by_folder/new label/x.png"), "pixels");
  // Onto itself.
  ASSERT_TRUE(store().Copy("images_for_detection/src.png", "images_for_detection/src.png").ok());
  EXPECT_EQ(*store().Get("images_for_detection/src.png"), "pixels");
}

TEST_P(ObjectStoreContractTest, CopyOfMissingSourceIsNotFoundNamingTheSource) {
  Result<ObjectInfo> copy = store().Copy("images_for_detection/missing.png", "images_labeled_by_folder/x/y.png");
  EXPECT_EQ(copy.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(copy.status().message(), HasSubstr("'images_for_detection/missing.png'"));
  EXPECT_EQ(store().Head("images_labeled_by_folder/x/y.png").status().code(), StatusCode::kNotFound);
}

TEST_P(ObjectStoreContractTest, EveryVerbRejectsBadKeysNamingThem) {
  PutOrDie("good", "x");
  const std::vector<std::string> bad_keys = {"",        "../escape",  "/abs",  "a/./b", "a//b", "trailing/",
                                             "back\\slash", std::string("nul\0", 4), "del\x7f", "bad\xff",
                                             ".meta/x", "a/.tmp-123", std::string(1025, 'k')};
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE(QuoteKey(key));
    const auto expect_bad = [&](const Status& status) {
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
      if (!key.empty()) {
        EXPECT_THAT(status.message(), HasSubstr(QuoteKey(key)));
      }
    };
    expect_bad(store().Put(key, "data").status());
    expect_bad(store().Get(key).status());
    expect_bad(store().Head(key).status());
    expect_bad(store().Delete(key));
    expect_bad(store().Copy(key, "good").status());
    expect_bad(store().Copy("good", key).status());
    if (!key.empty() && key != "trailing/") expect_bad(store().List(key, "").status());
  }
  EXPECT_THAT(ListKeys(""), ElementsAre("good"));
  EXPECT_EQ(*store().Get("good"), "x");
}

TEST_P(ObjectStoreContractTest, ConcurrentPutsToOneKeyLeaveACompleteObject) {
  constexpr int kWriters = 4;
  constexpr int kPutsPerWriter = 15;
  constexpr size_t kSize = 64 * 1024;
  const std::string key = "images_for_detection/contended.png";
  std::set<std::string> etags;
  for (int w = 0; w < kWriters; ++w) etags.insert(Sha256Hex(std::string(kSize, static_cast<char>('A' + w))));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done) {
      Result<std::string> data = store().Get(key);
      if (!data.ok()) continue;  // not written yet
      if (data->size() != kSize || data->find_first_not_of(data->front()) != std::string::npos) ++torn;
    }
  });
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string data(kSize, static_cast<char>('A' + w));
      for (int i = 0; i < kPutsPerWriter; ++i) {
        if (!store().Put(key, data).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(torn, 0);
  Result<std::string> final_data = store().Get(key);
  ASSERT_TRUE(final_data.ok());
  const std::string etag = Sha256Hex(*final_data);
  EXPECT_TRUE(etags.count(etag)) << "final object is not one of the written ones";
  EXPECT_EQ(store().Head(key)->etag, etag);
  EXPECT_THAT(ListKeys(""), ElementsAre(key));  // no temp files show up
}

TEST_P(ObjectStoreContractTest, ListSkipsTempAndHiddenFiles) {
  if (!under_test_.write_by_hand) GTEST_SKIP() << "no back door into " << GetParam().name;
  PutOrDie("images_for_detection/real.png", "real");
  // What a crash in the middle of a Put leaves, and what other tools leave.
  under_test_.write_by_hand("images_for_detection/.tmp-0123456789abcdef", "half a write");
  under_test_.write_by_hand(".tmp-fedcba9876543210", "half a write");
  under_test_.write_by_hand("images_for_detection/.DS_Store", "finder");
  under_test_.write_by_hand("images_for_detection/.real.png.Xy12Ab", "rsync in progress");
  under_test_.write_by_hand(".hidden-folder/x.png", "hidden");
  EXPECT_THAT(ListKeys(""), ElementsAre("images_for_detection/real.png"));
  EXPECT_THAT(ListKeys("images_for_detection/"), ElementsAre("images_for_detection/real.png"));
  EXPECT_EQ(*store().Get("images_for_detection/real.png"), "real");
}

TEST_P(ObjectStoreContractTest, FilesAddedByHandAreObjectsWithCorrectEtag) {
  if (!under_test_.write_by_hand) GTEST_SKIP() << "no back door into " << GetParam().name;
  PutOrDie("images_labeled_by_folder/aws_logo/api.png", "via api");
  under_test_.write_by_hand("images_labeled_by_folder/aws_logo/hand.png", "copied by hand");
  under_test_.write_by_hand("images_labeled_by_folder/new_label/deep/er.png", "new folder by hand");
  Result<ListResult> page = store().List("images_labeled_by_folder/", "");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 3u);
  EXPECT_EQ(page->objects[1].key, "images_labeled_by_folder/aws_logo/hand.png");
  EXPECT_EQ(page->objects[1].etag, Sha256Hex("copied by hand"));
  EXPECT_EQ(page->objects[1].size_bytes, 14);
  EXPECT_GT(page->objects[1].last_modified_ms, 0);
  EXPECT_EQ(page->objects[2].etag, Sha256Hex("new folder by hand"));
  EXPECT_EQ(*store().Head("images_labeled_by_folder/aws_logo/hand.png"), page->objects[1]);
  EXPECT_EQ(*store().Get("images_labeled_by_folder/new_label/deep/er.png"), "new folder by hand");
}

TEST_P(ObjectStoreContractTest, FileModifiedByHandGetsAFreshEtag) {
  if (!under_test_.write_by_hand) GTEST_SKIP() << "no back door into " << GetParam().name;
  const std::string key = "images_for_detection/edit.png";
  PutOrDie(key, "original");
  ASSERT_EQ(store().Head(key)->etag, Sha256Hex("original"));
  under_test_.write_by_hand(key, "ORIGINAL");  // same size, in place
  EXPECT_EQ(store().Head(key)->etag, Sha256Hex("ORIGINAL"));
  EXPECT_EQ(store().List("images_for_detection/", "")->objects.at(0).etag, Sha256Hex("ORIGINAL"));
  under_test_.write_by_hand(key, "longer content now");
  EXPECT_EQ(store().Head(key)->etag, Sha256Hex("longer content now"));
  EXPECT_EQ(store().Head(key)->size_bytes, 18);
}

INSTANTIATE_TEST_SUITE_P(Stores, ObjectStoreContractTest, ::testing::Values(kLocal, kMemory),
                         [](const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace labelloop::store
