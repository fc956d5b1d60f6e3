#include "common/private_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace labelloop {
namespace {

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Issue 9: labelloop.db and config.json (SMTP password, webhook secret) were world-readable.
TEST(PrivateFilesTest, TheDataFolderItsDatabaseAndConfigAreOwnerOnly) {
  const std::string base = (std::filesystem::temp_directory_path() / ("private_files_" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(base);
  const std::string data = base + "/data";
  // An older data folder: readable by everyone.
  std::filesystem::create_directories(data);
  chmod(data.c_str(), 0755);
  { std::ofstream(data + "/config.json") << "{\"notifications\": {}}"; }
  chmod((data + "/config.json").c_str(), 0644);
  { std::ofstream(data + "/labelloop.db-wal") << "x"; }
  chmod((data + "/labelloop.db-wal").c_str(), 0644);
  ASSERT_TRUE(SecureDataFolder(data, data + "/labelloop.db").ok());
  EXPECT_EQ(ModeOf(data), 0700);
  EXPECT_EQ(ModeOf(data + "/labelloop.db"), 0600) << "created private before SQLite opens it";
  EXPECT_EQ(ModeOf(data + "/labelloop.db-wal"), 0600);
  EXPECT_EQ(ModeOf(data + "/config.json"), 0600);
  EXPECT_FALSE(std::filesystem::exists(data + "/labelloop.db-shm")) << "companions are not invented";
  // A fresh folder, twice (idempotent).
  ASSERT_TRUE(SecureDataFolder(base + "/fresh/data", base + "/fresh/data/labelloop.db").ok());
  ASSERT_TRUE(SecureDataFolder(base + "/fresh/data", base + "/fresh/data/labelloop.db").ok());
  EXPECT_EQ(ModeOf(base + "/fresh/data"), 0700);
  EXPECT_EQ(ModeOf(base + "/fresh/data/labelloop.db"), 0600);
  // A link planted as the database is not followed.
  std::filesystem::create_symlink("/etc/hostname", base + "/fresh/link.db");
  EXPECT_FALSE(MakePrivateFile(base + "/fresh/link.db").ok());
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace labelloop
