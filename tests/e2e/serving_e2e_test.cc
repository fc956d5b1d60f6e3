// RUNNING means serving, and images wait for a model, end to end: the real `labelloop
// serve` over HTTP on a copy of the CLI tests' sample model (trained once per test run,
// tests/cli/sample_model.h), so no test here trains. The seed walkthrough itself (toggle,
// train, poll until RUNNING, upload at once) is TheSeedWalkthroughRunsItself in
// serve_e2e_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "../cli/cli_runner.h"
#include "../cli/sample_model.h"
#include "api_client.h"
#include "hostile_images.h"
#include "server_process.h"

namespace labelloop::e2e {
namespace {

using cli_test::RunLabelloopOn;
using cli_test::ScratchDir;
using nlohmann::json;

const std::string kInference = std::string(LABELLOOP_SOURCE_DIR) + "/examples/inference_images/";

template <typename Fn>
bool WaitUntil(int timeout_s, Fn done, int poll_ms = 50) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return done();
}

class ServingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const cli_test::SampleModel& model = cli_test::GetSampleModel();
    ASSERT_TRUE(model.error.empty()) << model.error;
    version_ = model.version;
    data_ = scratch_.path() + "/data";
    cli_test::CopySampleData(model, data_);
    auto token = RunLabelloopOn(data_, {"tokens", "create", "e2e", "--role", "admin"});
    ASSERT_EQ(token.exit_code, 0) << token;
    token_ = token.LastOutLine();
    server_ = std::make_unique<ServerProcess>(LABELLOOP_BINARY, data_, std::vector<std::string>{"--wait-seconds", "1"},
                                              std::map<std::string, std::string>{{"LABELLOOP_ADMIN_PASSWORD", "e2e-admin-password"}});
    Restart();
  }

  void Restart() {
    ASSERT_TRUE(server_->Start()) << server_->log();
    api_ = std::make_unique<ApiClient>(server_->url(), token_);
  }

  std::string StatusOf(const std::string& version) {
    return api_->Get("/api/v1/models/" + version).json.value("status", "");
  }

  // Puts an inference image into images_for_detection/ under `name`.
  void Upload(const std::string& file, const std::string& name) {
    ApiAnswer a = api_->PutBytes("/api/v1/objects/" + EncodeKeyPath("images_for_detection/" + name),
                                 cli_test::ReadFileBytes(kInference + file), "image/png");
    ASSERT_EQ(a.status, 200) << a.body;
  }

  json Detections(const std::string& query) { return api_->Get("/api/v1/detections?limit=1000&" + query).json; }
  int64_t Total(const std::string& query) { return Detections(query).value("total", int64_t{-1}); }

  // The detection log entry of the image put under `name`, or null.
  json DetectionOf(const std::string& name) {
    json list = Detections("q=" + PercentEncode(name)).value("detections", json::array());
    return list.size() == 1 ? list[0] : json();
  }

  // The detection executions that failed (their causes show in a failing expectation).
  json FailedDetectionExecutions() {
    json e = api_->Get("/api/v1/executions?branch=detection&status=FAILED&limit=100").json;
    return e.is_object() ? e.value("executions", json::array()) : json("executions not listed");
  }

  ApiAnswer Lifecycle(const std::string& action) {
    return api_->PostJson("/api/v1/models/" + version_ + "/" + action, json::object());
  }

  ScratchDir scratch_{"labelloop-serving-e2e"};
  std::string data_, token_, version_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
};

// Issue 10: a client that uploads the instant RUNNING appears gets a detection from that
// version, 20 times in a row. Each start comes from elsewhere (the API on another thread,
// or `labelloop models start` in another process) while this thread polls the list.
TEST_F(ServingE2eTest, AnUploadTheInstantRunningAppearsIsDetectedByThatVersion) {
  const std::string image = cli_test::ReadFileBytes(kInference + "inference-image-1.png");
  for (int cycle = 0; cycle < 20; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::future<bool> started = std::async(std::launch::async, [&, cycle] {
      if (cycle % 2 == 0) return ApiClient(server_->url(), token_).PostJson("/api/v1/models/" + version_ + "/start", json::object()).status == 200;
      return RunLabelloopOn(data_, {"models", "start", version_}).exit_code == 0;
    });
    ASSERT_TRUE(WaitUntil(60, [&] { return StatusOf(version_) == "RUNNING"; }, 2)) << server_->log();
    // The instant it shows: a synchronous detection and an image dropped into the bucket.
    ApiAnswer detected = api_->PostBytes("/api/v1/detect?filename=instant.png", image, "image/png");
    const std::string name = "instant-" + std::to_string(cycle) + ".png";
    Upload("inference-image-1.png", name);
    EXPECT_EQ(detected.status, 200) << detected.body;
    EXPECT_EQ(detected.json.value("status", ""), "detected") << detected.body;
    EXPECT_EQ(detected.json.value("version", ""), version_) << detected.body;
    ASSERT_TRUE(WaitUntil(30, [&] { return !DetectionOf(name).is_null(); })) << server_->log();
    EXPECT_EQ(DetectionOf(name).value("version", ""), version_);
    ASSERT_TRUE(started.get());
    ApiAnswer stopped = Lifecycle("stop");
    ASSERT_EQ(stopped.status, 200) << stopped.body;
    ASSERT_EQ(stopped.json.value("status", ""), "STOPPED") << stopped.body;
  }
  EXPECT_EQ(Total("status=pending"), 0);
  EXPECT_EQ(FailedDetectionExecutions(), json::array());
}

// STOPPED means not serving, by the API and by the CLI in another process; what arrives
// meanwhile waits and is detected once a version serves again.
TEST_F(ServingE2eTest, StopReallyStopsServingAndImagesWaitForTheNextStart) {
  ASSERT_EQ(Lifecycle("start").json.value("status", ""), "RUNNING");
  Upload("inference-image-2.jpeg", "before-stop.jpeg");
  ASSERT_TRUE(WaitUntil(30, [&] { return !DetectionOf("before-stop.jpeg").is_null(); }));
  ApiAnswer stopped = Lifecycle("stop");
  ASSERT_EQ(stopped.json.value("status", ""), "STOPPED") << stopped.body;
  ApiAnswer during = api_->PostBytes("/api/v1/detect?filename=during.png",
                                     cli_test::ReadFileBytes(kInference + "inference-image-3.png"), "image/png");
  EXPECT_EQ(during.status, 202) << during.body;
  EXPECT_EQ(during.json.value("status", ""), "pending");
  Upload("inference-image-3.png", "while-stopped.png");
  ASSERT_TRUE(WaitUntil(30, [&] { return Total("status=pending") == 2; })) << Detections("status=pending").dump();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Total(""), 1);  // nothing detected while stopped
  json pending = api_->Get("/api/v1/detections/" + during.json.value("request_id", "")).json;
  EXPECT_EQ(pending.value("status", ""), "pending") << pending.dump();

  // The CLI in another process: start takes effect in the server, and returns once it has.
  auto start = RunLabelloopOn(data_, {"models", "start", version_});
  ASSERT_EQ(start.exit_code, 0) << start;
  EXPECT_NE(start.out.find("RUNNING"), std::string::npos) << start;
  // A queued image leaves the queue just after its detection is logged (and its review
  // task made), so a reader may briefly see it in both lists: wait for the queue to empty.
  ASSERT_TRUE(WaitUntil(30, [&] { return Total("") == 3 && Total("status=pending") == 0; })) << server_->log();
  EXPECT_EQ(DetectionOf("while-stopped.png").value("version", ""), version_);
  json later = api_->Get("/api/v1/detections/" + during.json.value("request_id", "")).json;
  EXPECT_EQ(later.value("status", ""), "detected") << later.dump();
  EXPECT_EQ(later.value("version", ""), version_);

  auto stop = RunLabelloopOn(data_, {"models", "stop", version_});
  ASSERT_EQ(stop.exit_code, 0) << stop;
  EXPECT_NE(stop.out.find("STOPPED"), std::string::npos) << stop;
  Upload("inference-image-5.png", "after-cli-stop.png");
  ASSERT_TRUE(WaitUntil(30, [&] { return Total("status=pending") == 1; }));
  EXPECT_EQ(Total(""), 3);
  EXPECT_EQ(FailedDetectionExecutions(), json::array());
}

// Images uploaded before any version serves are pending (readiness says so), survive a
// SIGKILL, and are detected exactly once, oldest first, once a version serves.
TEST_F(ServingE2eTest, PendingImagesSurviveAKillAndAreDetectedOnceOldestFirst) {
  ApiAnswer ready = api_->Get("/api/v1/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json.value("status", ""), "not_ready");
  EXPECT_EQ(ready.json["components"].value("model", ""), "none") << ready.body;
  EXPECT_EQ(ready.json["components"].value("database", ""), "ok") << ready.body;
  const std::vector<std::string> files = {"inference-image-1.png", "inference-image-2.jpeg", "inference-image-3.png",
                                          "inference-image-5.png", "inference-image-10.jpeg"};
  std::vector<std::string> names;
  for (size_t i = 0; i < files.size(); ++i) {
    names.push_back("early-" + std::to_string(i) + "-" + files[i]);
    Upload(files[i], names.back());
    // One at a time, so "oldest" is well defined.
    ASSERT_TRUE(WaitUntil(30, [&] { return Total("status=pending") == int64_t(i + 1); })) << server_->log();
  }
  json listed = Detections("status=pending");
  ASSERT_EQ(listed["detections"].size(), files.size());
  EXPECT_EQ(listed["detections"][0].value("status", ""), "pending");
  EXPECT_TRUE(listed["detections"][0]["version"].is_null());
  server_->Kill();
  Restart();
  EXPECT_EQ(Total("status=pending"), int64_t(files.size()));
  EXPECT_EQ(Total(""), 0);
  ASSERT_EQ(Lifecycle("start").json.value("status", ""), "RUNNING");
  ASSERT_TRUE(WaitUntil(60, [&] { return Total("") == int64_t(files.size()); })) << server_->log();
  EXPECT_EQ(Total("status=pending"), 0);
  // Newest first in the log: reversed, the upload order.
  const json log = Detections("");  // kept: a range-for over a temporary's member dangles
  std::vector<std::string> order;
  for (const json& d : log["detections"]) order.insert(order.begin(), d.value("image_key", ""));
  std::vector<std::string> expected;
  for (const std::string& n : names) expected.push_back("images_for_detection/" + n);
  EXPECT_EQ(order, expected);
  for (const json& d : log["detections"]) EXPECT_EQ(d.value("version", ""), version_);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Total(""), int64_t(files.size()));  // exactly once
  EXPECT_EQ(FailedDetectionExecutions(), json::array());

  ready = api_->Get("/api/v1/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json, json({{"status", "ready"},
                              {"components", {{"database", "ok"}, {"bucket", "ok"}, {"backbone", "ok"},
                                              {"engine", "ok"}, {"model", "ok"}}}}));
}

// A corrupt image fails for good, with its reason, and does not hold up the others.
TEST_F(ServingE2eTest, ACorruptImageFailsWithItsReasonAndTheOthersGoOn) {
  ASSERT_EQ(Lifecycle("start").json.value("status", ""), "RUNNING");
  ApiAnswer put = api_->PutBytes("/api/v1/objects/" + EncodeKeyPath("images_for_detection/broken.jpg"),
                                 std::string("\xff\xd8\xff\xe0 not really a jpeg", 22), "image/jpeg");
  ASSERT_EQ(put.status, 200) << put.body;
  Upload("inference-image-2.jpeg", "fine.jpeg");
  ASSERT_TRUE(WaitUntil(30, [&] { return Total("status=failed") == 1 && Total("") == 1; })) << server_->log();
  json failed = Detections("status=failed")["detections"][0];
  EXPECT_EQ(failed.value("image_key", ""), "images_for_detection/broken.jpg");
  EXPECT_FALSE(failed.value("reason", "").empty()) << failed.dump();
  EXPECT_EQ(Total("status=pending"), 0);
  EXPECT_EQ(api_->Get("/api/v1/detections?status=bogus").status, 400);
}

// Issue 9 row 5 through the API: an image above the decoder's limits is refused from its
// header with 413 (not 429, not pending), kept as failed with the reason, never retried.
TEST_F(ServingE2eTest, AnImageAboveTheDecoderLimitsFailsForGoodWith413) {
  ASSERT_EQ(Lifecycle("start").json.value("status", ""), "RUNNING");
  ApiAnswer refused = api_->PostBytes("/api/v1/detect?filename=bomb.tiff", TiffSizeBomb(), "image/tiff");
  ASSERT_EQ(refused.status, 413) << refused.body;
  EXPECT_EQ(refused.json["error"].value("code", ""), "image_too_large") << refused.body;
  EXPECT_NE(refused.body.find("30000x30000 = 900 Mpixel"), std::string::npos) << refused.body;
  json failed = Detections("status=failed")["detections"];
  ASSERT_EQ(failed.size(), 1u) << failed.dump();
  EXPECT_NE(failed[0].value("reason", "").find("50 Mpixel limit"), std::string::npos) << failed.dump();
  EXPECT_EQ(Total("status=pending"), 0);
  EXPECT_TRUE(server_->running());
}

}  // namespace
}  // namespace labelloop::e2e
