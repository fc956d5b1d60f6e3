// Disk full and read-only, for real: the data folder of a real `labelloop serve` is a small
// tmpfs that the test fills up (ENOSPC), and a bind mount makes one bucket prefix read-only
// (EROFS). Uploads must fail with 507 and a clear message, leave nothing half-written, the
// server must keep answering reads, and uploads must work again as soon as there is room,
// without a restart. Needs root (CAP_SYS_ADMIN) to mount: without it the test fails and
// says so, it does not skip.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "../cli/cli_runner.h"
#include "api_client.h"
#include "server_process.h"

namespace labelloop::e2e {
namespace {

namespace fs = std::filesystem;
using cli_test::RunLabelloopOn;
using cli_test::ScratchDir;

constexpr char kTmpfsSize[] = "size=24m";

// Mounts on construction (error() says why it could not); unmounts on destruction.
class ScopedMount {
 public:
  ScopedMount(const std::string& source, const std::string& target, const char* type, unsigned long flags,
              const char* options) : target_(target) {
    if (mount(source.c_str(), target.c_str(), type, flags, options) != 0) {
      error_ = "mount " + std::string(type ? type : "--bind") + " at " + target + ": " + std::strerror(errno) +
               " (this test needs root or CAP_SYS_ADMIN)";
      return;
    }
    mounted_ = true;
  }
  ~ScopedMount() {
    if (mounted_) umount2(target_.c_str(), MNT_DETACH);
  }
  const std::string& error() const { return error_; }

 private:
  std::string target_, error_;
  bool mounted_ = false;
};

// Writes zeros into `path` until the filesystem is full; returns the bytes written.
int64_t FillUp(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(64 * 1024, '\0');
  int64_t written = 0;
  while (out.write(chunk.data(), std::streamsize(chunk.size()))) {
    out.flush();
    if (!out) break;
    written += int64_t(chunk.size());
  }
  return written;
}

// True when writing one byte into a new file under `dir` fails: the disk is really full,
// so the upload below cannot sneak into a leftover page.
bool NoRoomForAnotherFile(const std::string& dir) {
  const std::string probe = dir + "/probe.bin";
  std::ofstream out(probe, std::ios::binary);
  out.put('x');
  out.flush();
  const bool full = !out;
  out.close();
  fs::remove(probe);
  return full;
}

// Every hidden temp file (".tmp-...") under `dir`: what a half-written Put would leave.
std::vector<std::string> TempFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(".tmp-")) out.push_back(e.path().string());
  }
  return out;
}

std::vector<std::string> ListedKeys(ApiClient& api, const std::string& prefix) {
  ApiAnswer a = api.Get("/api/v1/objects?prefix=" + PercentEncode(prefix));
  std::vector<std::string> keys;
  for (const auto& o : a.json.value("objects", nlohmann::json::array())) keys.push_back(o.value("key", ""));
  return keys;
}

class DiskFullE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_.Sub("data");
    fs::create_directories(data_);
    tmpfs_ = std::make_unique<ScopedMount>("tmpfs", data_, "tmpfs", 0, kTmpfsSize);
    ASSERT_TRUE(tmpfs_->error().empty()) << tmpfs_->error();
    ASSERT_EQ(RunLabelloopOn(data_, {"init"}).exit_code, 0);
    ASSERT_EQ(RunLabelloopOn(data_, {"params", "set", "Enable-Automatic-Training", "false"}).exit_code, 0);
    auto token = RunLabelloopOn(data_, {"tokens", "create", "diskfull", "--role", "admin"});
    ASSERT_EQ(token.exit_code, 0) << token;
    // The server's own stdout/stderr files sit beside the data folder, outside the tmpfs.
    server_ = std::make_unique<ServerProcess>(LABELLOOP_BINARY, data_, std::vector<std::string>{"--wait-seconds", "1"},
                                              std::map<std::string, std::string>{{"LABELLOOP_ADMIN_PASSWORD", "disk-full-admin"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
    api_ = std::make_unique<ApiClient>(server_->url(), token.LastOutLine());
    image_ = cli_test::ReadFileBytes(cli_test::ExamplesDir() + "/amazon_logo/amazon-1.png");
  }

  ApiAnswer Put(const std::string& key) {
    return api_->PutBytes("/api/v1/objects/" + EncodeKeyPath(key), image_, "image/png");
  }

  // The server still answers reads: liveness, an object stored before, a listing, parameters.
  void ExpectReadsServed(const std::string& stored_key) {
    EXPECT_EQ(api_->Get("/api/v1/health").status, 200);
    ApiAnswer got = api_->Get("/api/v1/objects/" + EncodeKeyPath(stored_key));
    EXPECT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.body, image_);
    EXPECT_EQ(api_->Get("/api/v1/objects?prefix=images_labeled_by_folder/").status, 200);
    EXPECT_EQ(api_->Get("/api/v1/parameters").status, 200);
    EXPECT_EQ(api_->Get("/api/v1/models").status, 200);
  }

  ScratchDir scratch_{"labelloop-diskfull"};
  std::string data_, image_;
  std::unique_ptr<ScopedMount> tmpfs_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(DiskFullE2eTest, UploadsToAFullDiskFailWith507AndWorkAgainWhenSpaceReturns) {
  const std::string before = "images_labeled_by_folder/amazon_logo/before.jpg";
  ASSERT_EQ(Put(before).status, 200);
  const std::string filler = data_ + "/filler.bin";
  ASSERT_GT(FillUp(filler), 0);
  ASSERT_TRUE(NoRoomForAnotherFile(data_)) << "the tmpfs still takes a small file after FillUp";

  const std::string key = "images_labeled_by_folder/amazon_logo/while-full.jpg";
  for (int i = 0; i < 3; ++i) {
    ApiAnswer full = Put(key);
    ASSERT_EQ(full.status, 507) << full.body;
    EXPECT_EQ(full.json["error"].value("code", ""), "insufficient_storage") << full.body;
    const std::string message = full.json["error"].value("message", "");
    EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
    EXPECT_NE(message.find(key), std::string::npos) << message;
  }
  // Nothing half-written became an object, and no temp file is left behind.
  EXPECT_EQ(api_->Get("/api/v1/objects/" + EncodeKeyPath(key)).status, 404);
  EXPECT_EQ(ListedKeys(*api_, "images_labeled_by_folder/"), std::vector<std::string>{before});
  EXPECT_EQ(TempFiles(data_ + "/bucket"), std::vector<std::string>{});
  ExpectReadsServed(before);

  // Room again: the same server takes the upload.
  fs::remove(filler);
  ApiAnswer again = Put(key);
  ASSERT_EQ(again.status, 200) << again.body << server_->log();
  EXPECT_EQ(api_->Get("/api/v1/objects/" + EncodeKeyPath(key)).body, image_);
  EXPECT_EQ(ListedKeys(*api_, "images_labeled_by_folder/"), (std::vector<std::string>{before, key}));
  EXPECT_TRUE(server_->running());
  EXPECT_EQ(server_->Terminate(), 0) << server_->log();
}

TEST_F(DiskFullE2eTest, UploadsToAReadOnlyFolderFailWith507AndWorkAgainWhenItIsWritable) {
  const std::string before = "images_labeled_by_folder/amazon_logo/before.jpg";
  ASSERT_EQ(Put(before).status, 200);
  // A read-only bind mount of one prefix: the database and the rest stay writable.
  const std::string folder = data_ + "/bucket/images_labeled_by_folder";
  {
    ScopedMount bind(folder, folder, nullptr, MS_BIND, nullptr);
    ASSERT_TRUE(bind.error().empty()) << bind.error();
    ScopedMount read_only("", folder, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr);
    ASSERT_TRUE(read_only.error().empty()) << read_only.error();

    const std::string key = "images_labeled_by_folder/amazon_logo/while-read-only.jpg";
    ApiAnswer refused = Put(key);
    ASSERT_EQ(refused.status, 507) << refused.body;
    EXPECT_EQ(refused.json["error"].value("code", ""), "insufficient_storage") << refused.body;
    EXPECT_NE(refused.json["error"].value("message", "").find("Read-only file system"), std::string::npos)
        << refused.body;
    EXPECT_EQ(ListedKeys(*api_, "images_labeled_by_folder/"), std::vector<std::string>{before});
    ExpectReadsServed(before);
    // Other prefixes still take uploads.
    EXPECT_EQ(Put("images_for_detection/elsewhere.jpg").status, 200);
  }  // unmounted: writable again
  ApiAnswer again = Put("images_labeled_by_folder/amazon_logo/after.jpg");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(server_->Terminate(), 0) << server_->log();
}

}  // namespace
}  // namespace labelloop::e2e
