// Behaviour specific to the local-folder bucket (the shared contract is in
// object_store_contract_test.cc): file layout, folder pruning, the etag cache, and what
// people may drop into the folder by hand.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "common/content_hash.h"
#include "store/local_files.h"
#include "store/object_keys.h"
#include "store/object_store.h"
#include "store/test_temp_dir.h"

namespace labelloop::store {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    Result<std::unique_ptr<ObjectStore>> opened = OpenLocalObjectStore(root_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  void WriteByHand(const std::string& path, const std::string& data) {
    fs::create_directories((fs::path(root_) / path).parent_path());
    std::ofstream out(fs::path(root_) / path, std::ios::binary | std::ios::trunc);
    out << data;
  }

  std::string ReadByHand(const std::string& path) {
    std::ifstream in(fs::path(root_) / path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::vector<std::string> ListKeys(const std::string& prefix) {
    Result<std::vector<ObjectInfo>> all = ListAll(*store_, prefix);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::vector<std::string> keys;
    if (all.ok()) {
      for (const ObjectInfo& o : *all) keys.push_back(o.key);
    }
    return keys;
  }

  TestTempDir temp_;
  const std::string root_ = temp_.path() + "/bucket";
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(LocalObjectStoreTest, ObjectsArePlainFilesUnderTheRoot) {
  ASSERT_TRUE(store_->Put("images_labeled_by_folder/aws_logo/1.png", "png bytes").ok());
  EXPECT_EQ(ReadByHand("images_labeled_by_folder/aws_logo/1.png"), "png bytes");
  EXPECT_TRUE(fs::is_directory(fs::path(root_) / ".meta"));
}

TEST_F(LocalObjectStoreTest, OpenCreatesTheFolderAndRejectsAFile) {
  EXPECT_TRUE(fs::is_directory(root_));
  const std::string file = temp_.path() + "/plain-file";
  std::ofstream(file) << "x";
  Result<std::unique_ptr<ObjectStore>> opened = OpenLocalObjectStore(file);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("plain-file"));
  EXPECT_EQ(OpenLocalObjectStore(file + "/below").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(OpenLocalObjectStore("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalObjectStoreTest, EmptyTopLevelFoldersListNothing) {
  for (std::string_view prefix : TopLevelPrefixes()) fs::create_directories(fs::path(root_) / prefix);
  EXPECT_THAT(ListKeys(""), IsEmpty());
  EXPECT_THAT(ListKeys("images_for_detection/"), IsEmpty());
  EXPECT_EQ(store_->Head("images_for_detection").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("images_for_detection").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("images_for_detection").ok());
  EXPECT_TRUE(fs::is_directory(fs::path(root_) / "images_for_detection"));
}

TEST_F(LocalObjectStoreTest, DeletePrunesEmptyFoldersButKeepsTopLevelPrefixes) {
  ASSERT_TRUE(store_->Put("images_labeled_by_folder/cat/deep/1.png", "x").ok());
  ASSERT_TRUE(store_->Put("images_labeled_by_folder/cat/2.png", "x").ok());
  ASSERT_TRUE(store_->Put("other/nested/x", "x").ok());
  ASSERT_TRUE(store_->Delete("images_labeled_by_folder/cat/deep/1.png").ok());
  EXPECT_FALSE(fs::exists(fs::path(root_) / "images_labeled_by_folder/cat/deep"));
  EXPECT_TRUE(fs::exists(fs::path(root_) / "images_labeled_by_folder/cat"));  // still has 2.png
  ASSERT_TRUE(store_->Delete("images_labeled_by_folder/cat/2.png").ok());
  EXPECT_FALSE(fs::exists(fs::path(root_) / "images_labeled_by_folder/cat"));
  EXPECT_TRUE(fs::is_directory(fs::path(root_) / "images_labeled_by_folder"));
  ASSERT_TRUE(store_->Delete("other/nested/x").ok());
  EXPECT_FALSE(fs::exists(fs::path(root_) / "other"));
  EXPECT_TRUE(fs::is_directory(root_));
}

TEST_F(LocalObjectStoreTest, AnObjectAndAFolderCannotShareAName) {
  ASSERT_TRUE(store_->Put("a", "file").ok());
  Result<ObjectInfo> below = store_->Put("a/b", "x");
  EXPECT_EQ(below.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(below.status().message(), HasSubstr("'a/b'"));
  ASSERT_TRUE(store_->Put("f/g", "x").ok());
  Result<ObjectInfo> over = store_->Put("f", "x");
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(over.status().message(), HasSubstr("folder"));
  EXPECT_EQ(*store_->Get("a"), "file");
  EXPECT_EQ(*store_->Get("f/g"), "x");
  EXPECT_THAT(ListKeys(""), ElementsAre("a", "f/g"));  // no temp file left behind
}

TEST_F(LocalObjectStoreTest, EtagCacheSurvivesReopenAndHealsWhenCorrupt) {
  ASSERT_TRUE(store_->Put("manifests/m", "content").ok());
  Reopen();
  EXPECT_EQ(store_->Head("manifests/m")->etag, Sha256Hex("content"));
  // Scribble over every cache entry: Head must notice and re-hash, not trust garbage.
  int entries = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(root_) / ".meta")) {
    if (!entry.is_regular_file()) continue;
    std::ofstream(entry.path(), std::ios::trunc) << "garbage";
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(store_->Head("manifests/m")->etag, Sha256Hex("content"));
  fs::remove_all(fs::path(root_) / ".meta");
  EXPECT_EQ(store_->Head("manifests/m")->etag, Sha256Hex("content"));
}

TEST_F(LocalObjectStoreTest, HandEditThatRestoresSizeAndMtimeStillChangesTheEtag) {
  ASSERT_TRUE(store_->Put("images_for_detection/x.png", "aaaa").ok());
  const ObjectInfo before = *store_->Head("images_for_detection/x.png");
  const std::string path = root_ + "/images_for_detection/x.png";
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  WriteByHand("images_for_detection/x.png", "bbbb");
  // Put the old mtime back, as `touch -r` or a careless copy tool would; ctime still moves.
  const timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  const ObjectInfo after = *store_->Head("images_for_detection/x.png");
  EXPECT_EQ(after.last_modified_ms, before.last_modified_ms);
  EXPECT_EQ(after.etag, Sha256Hex("bbbb"));
}

TEST_F(LocalObjectStoreTest, FileReplacedByRenameGetsAFreshEtag) {
  ASSERT_TRUE(store_->Put("images_for_detection/x.png", "one").ok());
  ASSERT_EQ(store_->Head("images_for_detection/x.png")->etag, Sha256Hex("one"));
  WriteByHand("incoming.tmp", "two");
  fs::rename(fs::path(root_) / "incoming.tmp", fs::path(root_) / "images_for_detection/x.png");
  EXPECT_EQ(store_->Head("images_for_detection/x.png")->etag, Sha256Hex("two"));
}

TEST_F(LocalObjectStoreTest, ListIgnoresLinksSpecialFilesAndInvalidNames) {
  ASSERT_TRUE(store_->Put("images_for_detection/real.png", "x").ok());
  fs::create_symlink("/etc/hostname", fs::path(root_) / "images_for_detection/link.png");
  fs::create_directory_symlink(root_, fs::path(root_) / "images_for_detection/loop");
  ASSERT_EQ(mkfifo((root_ + "/images_for_detection/fifo.png").c_str(), 0644), 0);
  WriteByHand("images_for_detection/back\\slash.png", "x");
  WriteByHand("images_for_detection/bad\xff.png", "x");
  WriteByHand("images_for_detection/ctl\x01.png", "x");
  EXPECT_THAT(ListKeys(""), ElementsAre("images_for_detection/real.png"));
  // A symlink or FIFO named like a key is not an object (and reading the FIFO must not hang).
  EXPECT_EQ(store_->Get("images_for_detection/link.png").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("images_for_detection/fifo.png").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Head("images_for_detection/fifo.png").status().code(), StatusCode::kNotFound);
}

TEST_F(LocalObjectStoreTest, ListPagesOverManyFoldersWithoutRescanningSkippedOnes) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(store_->Put("images_labeled_by_folder/l" + std::to_string(i % 4) + "/" + std::to_string(i), "x").ok());
  }
  std::string token;
  std::vector<std::string> seen;
  do {
    Result<ListResult> page = store_->List("images_labeled_by_folder/l", token, 5);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const ObjectInfo& o : page->objects) seen.push_back(o.key);
    token = page->next_continuation_token;
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(LocalObjectStoreTest, PutsAndDeletesInTheSameFolderRaceSafely) {
  // Delete prunes a folder the moment it is empty; a Put into that folder must still succeed.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string key = "other/f" + std::to_string(i % 3) + "/sub/t" + std::to_string(t);
        if (Status st = store_->Put(key, "x").status(); !st.ok()) {
          ++failures;
          ADD_FAILURE() << st.ToString();
        }
        if (Status st = store_->Delete(key); !st.ok()) {
          ++failures;
          ADD_FAILURE() << st.ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_THAT(ListKeys(""), IsEmpty());
}

TEST_F(LocalObjectStoreTest, ReadOnlyFolderGivesPermissionDeniedNamingTheKey) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  ASSERT_TRUE(store_->Put("manifests/a", "x").ok());
  fs::permissions(fs::path(root_) / "manifests", fs::perms::owner_read | fs::perms::owner_exec);
  Result<ObjectInfo> put = store_->Put("manifests/b", "x");
  fs::permissions(fs::path(root_) / "manifests", fs::perms::owner_all);
  EXPECT_EQ(put.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(put.status().message(), HasSubstr("'manifests/b'"));
}

// Issue 9: a folder link inside the bucket (`ln -s / images_labeled_by_folder/x`) must not
// let any verb reach outside the bucket folder.
TEST_F(LocalObjectStoreTest, LinkedFoldersAreNeverFollowed) {
  const fs::path outside = fs::path(temp_.path()) / "outside";
  fs::create_directories(outside / "etc");
  { std::ofstream(outside / "etc" / "passwd") << "SECRET"; }
  ASSERT_TRUE(store_->Put("images_for_detection/real.jpg", "REAL").ok());
  fs::create_directories(fs::path(root_) / "images_labeled_by_folder");
  fs::create_directory_symlink(outside, fs::path(root_) / "images_labeled_by_folder" / "x");
  fs::create_directory_symlink("/", fs::path(root_) / "images_labeled_by_folder" / "root");
  for (const std::string key : {"images_labeled_by_folder/x/etc/passwd", "images_labeled_by_folder/root/etc/passwd"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(store_->Copy(key, "images_for_detection/stolen.jpg").status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(store_->Delete(key).ok());  // nothing of the bucket's there to delete
  }
  EXPECT_EQ(ReadByHand("../outside/etc/passwd"), "SECRET");
  EXPECT_THAT(ListKeys("images_labeled_by_folder/x/"), IsEmpty());
  EXPECT_THAT(ListKeys("images_labeled_by_folder/root/etc/"), IsEmpty());
  EXPECT_THAT(ListKeys(""), ElementsAre("images_for_detection/real.jpg"));
  // Writes through a link are refused and land nowhere.
  Result<ObjectInfo> put = store_->Put("images_labeled_by_folder/x/etc/planted", "EVIL");
  EXPECT_EQ(put.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(put.status().message(), HasSubstr("symbolic link"));
  EXPECT_EQ(store_->Copy("images_for_detection/real.jpg", "images_labeled_by_folder/x/copied").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(outside / "etc" / "planted"));
  EXPECT_FALSE(fs::exists(outside / "copied"));
  // A top-level prefix replaced by a link is refused the same way.
  fs::remove_all(fs::path(root_) / "manifests");
  fs::create_directory_symlink(outside, fs::path(root_) / "manifests");
  EXPECT_EQ(store_->Put("manifests/v1.manifest", "x").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Get("manifests/etc/passwd").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(outside / "v1.manifest"));
}

// Issue 9: one unreadable file must not hide the rest of the bucket from listings (the
// watcher lists every poll); it is left out and reported once.
TEST_F(LocalObjectStoreTest, AnUnreadableFileIsLeftOutOfListingsAndReportedOnce) {
  ASSERT_TRUE(store_->Put("images_for_detection/a.jpg", "A").ok());
  ASSERT_TRUE(store_->Put("images_for_detection/c.jpg", "C").ok());
  WriteByHand("images_for_detection/b.jpg", "B");
  ASSERT_EQ(chmod((root_ + "/images_for_detection/b.jpg").c_str(), 0), 0);
  EXPECT_EXIT(
      {
        if (!BecomeUnprivilegedOver(temp_.path())) std::_Exit(3);
        std::ostringstream log;
        spdlog::set_default_logger(
            std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
        Result<std::unique_ptr<ObjectStore>> store = OpenLocalObjectStore(root_);
        if (!store.ok()) std::_Exit(4);
        for (int i = 0; i < 3; ++i) {
          Result<std::vector<ObjectInfo>> all = ListAll(**store, "images_for_detection/");
          if (!all.ok() || all->size() != 2 || (*all)[1].key != "images_for_detection/c.jpg") std::_Exit(5);
        }
        if ((*store)->Get("images_for_detection/b.jpg").status().code() != StatusCode::kPermissionDenied) std::_Exit(6);
        const std::string text = log.str();
        const size_t first = text.find("skipping 'images_for_detection/b.jpg'");
        if (first == std::string::npos) std::_Exit(7);
        if (text.find("skipping", first + 1) != std::string::npos) std::_Exit(8);  // once
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// A full or read-only disk is its own code (the API answers 507), apart from a refusal.
TEST(LocalFilesTest, FullAndReadOnlyDisksAreInsufficientStorage) {
  for (int err : {ENOSPC, EDQUOT, EROFS}) {
    Status s = local::ErrnoToStatus(err, "storing object 'k'");
    EXPECT_EQ(s.code(), StatusCode::kInsufficientStorage) << err;
    EXPECT_THAT(s.message(), HasSubstr("storing object 'k': "));
  }
  EXPECT_EQ(local::ErrnoToStatus(EACCES, "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(local::ErrnoToStatus(EIO, "x").code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace labelloop::store
