#include "common/file_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace labelloop {
namespace {

std::string LockPath() {
  return (std::filesystem::temp_directory_path() / ("file_lock_test_" + std::to_string(::getpid()) + ".lock")).string();
}

// flock locks belong to open file descriptions, so two acquisitions in one process
// conflict just as two processes would.
TEST(FileLockTest, AnExclusiveLockExcludesEveryOtherUntilReleased) {
  const std::string path = LockPath();
  {
    auto held = FileLock::TryAcquire(path, FileLock::Mode::kExclusive);
    ASSERT_TRUE(held.ok()) << held.status().ToString();
    ASSERT_TRUE(held->has_value());
    auto shared = FileLock::TryAcquire(path, FileLock::Mode::kShared);
    ASSERT_TRUE(shared.ok());
    EXPECT_FALSE(shared->has_value());
    auto exclusive = FileLock::TryAcquire(path, FileLock::Mode::kExclusive);
    ASSERT_TRUE(exclusive.ok());
    EXPECT_FALSE(exclusive->has_value());
  }
  auto again = FileLock::TryAcquire(path, FileLock::Mode::kExclusive);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->has_value());
  std::filesystem::remove(path);
}

TEST(FileLockTest, SharedLocksCoexistAndKeepAnExclusiveOneOut) {
  const std::string path = LockPath();
  auto a = FileLock::TryAcquire(path, FileLock::Mode::kShared);
  auto b = FileLock::TryAcquire(path, FileLock::Mode::kShared);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->has_value());
  EXPECT_TRUE(b->has_value());
  auto exclusive = FileLock::TryAcquire(path, FileLock::Mode::kExclusive);
  ASSERT_TRUE(exclusive.ok());
  EXPECT_FALSE(exclusive->has_value());
  FileLock moved = std::move(**a);  // moving keeps the lock
  a->reset();
  b->reset();
  EXPECT_FALSE(FileLock::TryAcquire(path, FileLock::Mode::kExclusive)->has_value());
  std::filesystem::remove(path);
}

TEST(FileLockTest, AnUnopenableFileIsAnError) {
  auto lock = FileLock::TryAcquire("/nonexistent-dir/x.lock", FileLock::Mode::kShared);
  EXPECT_EQ(lock.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace labelloop
