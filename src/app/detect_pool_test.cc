#include "app/detect_pool.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace labelloop::app {
namespace {
namespace fs = std::filesystem;

// Labels an image with its own bytes after a delay that makes later files finish first,
// and records which threads ran it. "bad" bytes are an invalid image.
class FakeDetector final : public model::Detector {
 public:
  FakeDetector(std::set<std::thread::id>* threads, std::mutex* mu) : threads_(threads), mu_(mu) {}
  const std::string& version() const override { return version_; }
  Result<model::Detection> Detect(const std::string& bytes, const std::string& name, int max_results,
                                  double min_confidence) override {
    {
      std::lock_guard lock(*mu_);
      threads_->insert(std::this_thread::get_id());
    }
    int index = bytes == "bad" ? 0 : std::atoi(bytes.c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(index % 4 == 0 ? 8 : 1));
    if (bytes == "bad") return InvalidArgumentError("corrupt JPEG '" + name + "'");
    model::Detection d;
    d.version = version_;
    d.labels.push_back({bytes, min_confidence + max_results, std::nullopt, std::nullopt});
    return d;
  }

 private:
  std::string version_ = "v1";
  std::set<std::thread::id>* threads_;
  std::mutex* mu_;
};

class DetectPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-pool-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  DetectPool MakePool(int workers) {
    std::vector<std::unique_ptr<model::Detector>> detectors;
    for (int i = 0; i < workers; ++i) detectors.push_back(std::make_unique<FakeDetector>(&threads_, &mu_));
    return DetectPool(std::move(detectors));
  }

  std::string dir_;
  std::mutex mu_;
  std::set<std::thread::id> threads_;
};

TEST_F(DetectPoolTest, ReportsEveryFileOnceInInputOrderWhileWorkersRunConcurrently) {
  std::vector<std::string> paths;
  for (int i = 0; i < 40; ++i) paths.push_back(Write(std::to_string(i) + ".jpg", std::to_string(i)));
  DetectPool pool = MakePool(4);
  std::vector<size_t> order;
  const auto caller = std::this_thread::get_id();
  pool.DetectFiles(paths, 2, 10, [&](size_t i, FileDetection r) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ASSERT_TRUE(r.detection.ok()) << r.detection.status().ToString();
    ASSERT_EQ(r.detection->labels.size(), 1u);
    EXPECT_EQ(r.detection->labels[0].name, std::to_string(i));
    EXPECT_EQ(r.detection->labels[0].confidence, 12) << "max_results and min_confidence reach the detector";
    EXPECT_GT(r.elapsed_ms, 0);
    order.push_back(i);
  });
  std::vector<size_t> expected(paths.size());
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i;
  EXPECT_EQ(order, expected);
  EXPECT_EQ(threads_.size(), 4u);
  EXPECT_EQ(threads_.count(std::this_thread::get_id()), 0u) << "workers run on their own threads";
}

TEST_F(DetectPoolTest, UnreadableAndUndecodableFilesAreErrorResultsInTheirPlace) {
  std::vector<std::string> paths = {Write("0.jpg", "0"), (fs::path(dir_) / "missing.jpg").string(),
                                    Write("bad.jpg", "bad"), Write("3.jpg", "3")};
  DetectPool pool = MakePool(3);
  std::vector<std::string> seen;
  pool.DetectFiles(paths, 0, 0, [&](size_t i, FileDetection r) {
    seen.push_back(r.detection.ok() ? r.detection->labels[0].name : std::string(StatusCodeName(r.detection.status().code())));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "not_found", "invalid_argument", "3"}));
}

TEST_F(DetectPoolTest, MoreWorkersThanFilesAndNoFiles) {
  DetectPool pool = MakePool(8);
  int calls = 0;
  pool.DetectFiles({}, 0, 0, [&](size_t, FileDetection) { ++calls; });
  EXPECT_EQ(calls, 0);
  pool.DetectFiles({Write("5.jpg", "5")}, 0, 0, [&](size_t i, FileDetection r) {
    ++calls;
    EXPECT_EQ(i, 0u);
    EXPECT_TRUE(r.detection.ok());
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(threads_.size(), 1u);
}

}  // namespace
}  // namespace labelloop::app
