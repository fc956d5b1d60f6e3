// A fresh temporary folder for one test, removed with everything in it at destruction.
// For tests of src/store only.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace labelloop::store {

class TestTempDir {
 public:
  TestTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "labelloop-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TestTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TestTempDir(const TestTempDir&) = delete;
  TestTempDir& operator=(const TestTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// For tests of files a process may not read: root reads everything, so such a test runs its
// body in a child process (EXPECT_EXIT) that first opens `dir` to everyone and drops to the
// unprivileged user "nobody" (65534). A no-op for a process that is not root. Returns false
// when the switch failed.
inline bool BecomeUnprivilegedOver(const std::string& dir) {
  if (geteuid() != 0) return true;
  std::error_code ec;
  for (std::filesystem::path p = dir; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) ::chmod(p.c_str(), (st.st_mode & 07777) | 0055);  // traversable
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_directory()) ::chmod(entry.path().c_str(), 0777);
  }
  ::chmod(dir.c_str(), 0777);
  return setgid(65534) == 0 && setuid(65534) == 0;
}

}  // namespace labelloop::store
