// End to end, as a user runs it: the real `labelloop serve` over real HTTP, with a real SMTP
// server (Debian's aiosmtpd) receiving the notifications. The seed walkthrough: upload the
// two sample folders, toggle Enable-Automatic-Training, a version trains, passes the F1 gate,
// starts and is deployed ("Status: RUNNING" by e-mail); inference images are detected and
// the uncertain ones get review tasks; 9 more labelled images do not retrain, a 10th does.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "../cli/cli_runner.h"
#include "api_client.h"
#include "notify/testing/received_email.h"
#include "notify/testing/smtp_test_server.h"
#include "server_process.h"

namespace labelloop::e2e {
namespace {

namespace fs = std::filesystem;
using cli_test::RunLabelloopOn;
using cli_test::ScratchDir;
using nlohmann::json;

const std::string kExamples = std::string(LABELLOOP_SOURCE_DIR) + "/examples";

// Polls `done` every 100 ms until it holds or `timeout_s` pass; returns whether it held.
template <typename Fn>
bool WaitUntil(int timeout_s, Fn done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::string ContentType(const std::string& path) {
  if (path.ends_with(".png")) return "image/png";
  return "image/jpeg";
}

class ServeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto smtp = notify::testing::SmtpTestServer::Start();
    ASSERT_TRUE(smtp.ok()) << smtp.status().ToString();
    smtp_ = std::move(smtp).value();
    data_ = scratch_.Sub("data");
    auto init = RunLabelloopOn(data_, {"init"});
    ASSERT_EQ(init.exit_code, 0) << init;
    cli_test::WriteFileBytes(data_ + "/config.json",
                             json{{"notifications",
                                   {{"email", {{"url", smtp_->url()}, {"from", "labelloop@example.test"},
                                               {"to", {"ops@example.test"}}, {"require_starttls", false}}}}}}
                                 .dump(2));
    auto token = RunLabelloopOn(data_, {"tokens", "create", "e2e", "--role", "admin"});
    ASSERT_EQ(token.exit_code, 0) << token;
    token_ = token.LastOutLine();
    server_ = std::make_unique<ServerProcess>(LABELLOOP_BINARY, data_, std::vector<std::string>{"--wait-seconds", "1"},
                                              std::map<std::string, std::string>{{"LABELLOOP_ADMIN_PASSWORD", "e2e-admin-password"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
    api_ = std::make_unique<ApiClient>(server_->url(), token_);
  }

  void Restart() {
    ASSERT_TRUE(server_->Start()) << server_->log();
    api_ = std::make_unique<ApiClient>(server_->url(), token_);
  }

  void Upload(const std::string& local, const std::string& key) {
    ApiAnswer a = api_->PutBytes("/api/v1/objects/" + EncodeKeyPath(key), cli_test::ReadFileBytes(local), ContentType(local));
    ASSERT_EQ(a.status, 200) << key << ": " << a.body;
  }

  void UploadFolder(const std::string& local_dir, const std::string& prefix) {
    for (const auto& entry : fs::directory_iterator(local_dir)) {
      Upload(entry.path().string(), prefix + entry.path().filename().string());
    }
  }

  void SetParameter(const std::string& name, const std::string& value) {
    ApiAnswer a = api_->PutJson("/api/v1/parameters/" + name, {{"value", value}});
    ASSERT_EQ(a.status, 200) << name << "=" << value << ": " << a.body;
  }

  json SystemState() {
    ApiAnswer a = api_->Get("/api/v1/parameters/For-System-Use-Only");
    if (a.status != 200) return json::object();
    return json::parse(a.json.value("value", "{}"), nullptr, false);
  }

  json Models() { return api_->Get("/api/v1/models").json; }

  std::vector<json> ModelList() {
    json m = Models();
    if (m.is_object() && m.contains("models")) return m["models"].get<std::vector<json>>();
    if (m.is_array()) return m.get<std::vector<json>>();
    return {};
  }

  std::string RunningVersion() {
    for (const json& v : ModelList()) {
      if (v.value("status", "") == "RUNNING") return v.value("version", "");
    }
    return "";
  }

  // Executions of `branch`, newest first.
  std::vector<json> Executions(const std::string& branch) {
    json e = api_->Get("/api/v1/executions?branch=" + branch + "&limit=100").json;
    if (e.is_object() && e.contains("executions")) return e["executions"].get<std::vector<json>>();
    return {};
  }

  int64_t DetectionCount() {
    json d = api_->Get("/api/v1/detections?limit=1000").json;
    return d.is_object() && d.contains("detections") ? int64_t(d["detections"].size()) : -1;
  }

  bool EmailContains(const std::string& text) {
    for (const std::string& raw : smtp_->Messages()) {
      const notify::testing::ReceivedEmail m = notify::testing::ParseReceivedEmail(raw);
      if (m.subject.find(text) != std::string::npos || m.body.find(text) != std::string::npos) return true;
    }
    return false;
  }

  ScratchDir scratch_{"labelloop-e2e"};
  std::string data_;
  std::string token_;
  std::unique_ptr<notify::testing::SmtpTestServer> smtp_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
};

TEST_F(ServeE2eTest, TheSeedWalkthroughRunsItself) {
  EXPECT_EQ(api_->Get("/api/v1/health").status, 200);
  // 1. An empty bucket; the two sample folders go up (10 images).
  UploadFolder(kExamples + "/amazon_logo", "images_labeled_by_folder/amazon_logo/");
  UploadFolder(kExamples + "/aws_logo", "images_labeled_by_folder/aws_logo/");

  // 2. Enable-Automatic-Training false, then true: a training check runs at once. As a new
  // user does (issue 10): poll the model list until a version says RUNNING, and upload
  // the 10 inference images that very moment. RUNNING means detection serves it and
  // For-System-Use-Only records it, so every image is detected by it, none FAILED.
  const auto toggled = std::chrono::steady_clock::now();
  SetParameter("Enable-Automatic-Training", "false");
  SetParameter("Enable-Automatic-Training", "true");
  std::string first_version;
  const auto deadline = toggled + std::chrono::seconds(180);
  while (first_version.empty() && std::chrono::steady_clock::now() < deadline) {
    first_version = RunningVersion();
    if (first_version.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(first_version.empty()) << Models().dump() << "\n" << server_->log();
  const double toggle_to_running_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - toggled).count();
  UploadFolder(kExamples + "/inference_images", "images_for_detection/");
  std::printf("[ metric ] parameter toggle -> RUNNING: %.1f s\n", toggle_to_running_s);
  EXPECT_EQ(SystemState().value("previous_trained_images", 0), 10) << SystemState().dump();
  EXPECT_EQ(SystemState().value("running_version", ""), first_version);
  ASSERT_TRUE(WaitUntil(30, [&] { return EmailContains("Status: RUNNING"); }))
      << smtp_->Messages().size() << " e-mails\n" << smtp_->Log() << server_->log();
  EXPECT_TRUE(EmailContains("Parameter updated: Enable-Automatic-Training"));
  EXPECT_TRUE(EmailContains("Training check"));

  // 3. The training execution's history shows every state of the branch.
  // The version serves before its training execution ends: the execution's last Wait and
  // deploy check still run after RUNNING shows, so wait for it.
  std::vector<json> trainings;
  json succeeded;
  WaitUntil(60, [&] {
    trainings = Executions("training-poll");
    for (const json& e : trainings) {
      if (e.value("status", "") == "SUCCEEDED" && e.value("state", e.value("current_state", "")) == "Model deployed") {
        succeeded = e;
      }
    }
    return !succeeded.is_null();
  });
  ASSERT_FALSE(succeeded.is_null()) << json(trainings).dump(2);
  json detail = api_->Get("/api/v1/executions/" + succeeded.value("id", "")).json;
  std::set<std::string> entered;
  for (const json& ev : detail.value("history", json::array())) {
    if (ev.value("type", "") == "StateEntered") entered.insert(ev.value("state", ev.value("state_name", "")));
  }
  for (const char* state : {"Route event", "Check training", "Enough new images?", "Create manifest",
                            "Create model version", "Wait for training", "Get training status", "Training done?",
                            "Check F1 score", "F1 above minimum?", "Start model version", "Wait for start",
                            "Get model status", "Model running?", "Deploy model", "Model deployed"}) {
    EXPECT_TRUE(entered.contains(state)) << "history lacks " << state << ": " << detail.dump(1);
  }

  // 4. The 10 inference images: 10 detections logged, all by the version that was RUNNING
  // when they went up, no detection FAILED; those under 70 get review tasks.
  ASSERT_TRUE(WaitUntil(120, [&] { return DetectionCount() == 10; })) << DetectionCount() << "\n" << server_->log();
  const json logged = api_->Get("/api/v1/detections?limit=1000").json;
  for (const json& d : logged["detections"]) {
    EXPECT_EQ(d.value("version", ""), first_version) << d.dump();
  }
  for (const json& e : Executions("detection")) EXPECT_NE(e.value("status", ""), "FAILED") << e.dump();
  json detections = api_->Get("/api/v1/detections?limit=1000").json["detections"];
  int below = 0;
  for (const json& d : detections) {
    if (d.value("confidence", d.value("confidence_pct", 100.0)) < 70.0) ++below;
  }
  ASSERT_TRUE(WaitUntil(30, [&] {
    json r = api_->Get("/api/v1/reviews?source=low-confidence&limit=100").json;
    return r.is_object() && r.value("total", -1) == below;
  })) << api_->Get("/api/v1/reviews?limit=100").body << "\nexpected " << below;

  // 5. Nine more labelled images: the next poll does not train.
  for (int i = 1; i <= 9; ++i) {
    const std::string folder = i <= 5 ? "amazon_logo" : "aws_logo";
    const std::string file = i <= 5 ? fs::directory_iterator(kExamples + "/amazon_logo")->path().string()
                                    : fs::directory_iterator(kExamples + "/aws_logo")->path().string();
    Upload(file, "images_labeled_by_folder/" + folder + "/more-" + std::to_string(i) + fs::path(file).extension().string());
  }
  const size_t polls_before = Executions("training-poll").size();
  ASSERT_EQ(api_->PostJson("/api/v1/schedules/training-poll/trigger", json::object()).status / 100, 2);
  ASSERT_TRUE(WaitUntil(30, [&] {
    auto list = Executions("training-poll");
    return list.size() > polls_before && list.front().value("status", "") == "SUCCEEDED";
  }));
  EXPECT_EQ(Executions("training-poll").front().value("state", Executions("training-poll").front().value("current_state", "")),
            "No training needed");
  EXPECT_EQ(RunningVersion(), first_version);

  // 6. A tenth: it trains, the new version runs, the old one is stopped after it.
  Upload(kExamples + "/aws_logo/aws-2.jpg", "images_labeled_by_folder/aws_logo/more-10.jpg");
  ASSERT_EQ(api_->PostJson("/api/v1/schedules/training-poll/trigger", json::object()).status / 100, 2);
  // For-System-Use-Only is recorded first, then the new version shows RUNNING.
  ASSERT_TRUE(WaitUntil(180, [&] {
    const std::string running = RunningVersion();
    return !running.empty() && running != first_version;
  })) << Models().dump() << "\n" << server_->log();
  EXPECT_EQ(SystemState().value("previous_trained_images", 0), 20) << SystemState().dump();
  const std::string second_version = RunningVersion();
  EXPECT_NE(second_version, first_version);
  for (const json& v : ModelList()) {
    if (v.value("version", "") == first_version) EXPECT_EQ(v.value("status", ""), "STOPPED");
  }
  EXPECT_EQ(server_->Terminate(), 0) << server_->log();
}

TEST_F(ServeE2eTest, AKilledServerResumesTrainingAndWaitsWhereTheyStopped) {
  UploadFolder(kExamples + "/amazon_logo", "images_labeled_by_folder/amazon_logo/");
  UploadFolder(kExamples + "/aws_logo", "images_labeled_by_folder/aws_logo/");
  SetParameter("Enable-Automatic-Training", "false");
  SetParameter("Enable-Automatic-Training", "true");
  // Kill -9 while the version trains (the execution sits in its training wait loop).
  std::string execution_id;
  ASSERT_TRUE(WaitUntil(60, [&] {
    for (const json& e : Executions("training-poll")) {
      const std::string state = e.value("state", e.value("current_state", ""));
      if (e.value("status", "") == "RUNNING" && (state == "Wait for training" || state == "Get training status")) {
        execution_id = e.value("id", "");
        return true;
      }
    }
    return false;
  })) << server_->log();
  server_->Kill();
  Restart();
  // Kill -9 again during the wait after the version started.
  ASSERT_TRUE(WaitUntil(180, [&] {
    json e = api_->Get("/api/v1/executions/" + execution_id).json;
    return e.value("state", e.value("current_state", "")) == "Wait for start" || e.value("status", "") != "RUNNING";
  })) << server_->log();
  server_->Kill();
  Restart();
  ASSERT_TRUE(WaitUntil(120, [&] {
    json e = api_->Get("/api/v1/executions/" + execution_id).json;
    return e.value("status", "") != "RUNNING";
  })) << server_->log();
  json e = api_->Get("/api/v1/executions/" + execution_id).json;
  EXPECT_EQ(e.value("status", ""), "SUCCEEDED") << e.dump(1);
  // One version, trained once, running.
  std::vector<json> versions = ModelList();
  ASSERT_EQ(versions.size(), 1u) << Models().dump(1);
  EXPECT_EQ(versions[0].value("status", ""), "RUNNING");
  EXPECT_EQ(SystemState().value("previous_trained_images", 0), 10);
}

TEST_F(ServeE2eTest, TheExecutionsCommandShowsTheServersRunsAndTheirHistory) {
  SetParameter("Minimum-F1-Score", "0.7");
  std::string id;
  ASSERT_TRUE(WaitUntil(30, [&] {
    auto list = Executions("parameter-change");
    if (list.empty() || list.front().value("status", "") != "SUCCEEDED") return false;
    id = list.front().value("id", "");
    return true;
  }));
  auto listed = RunLabelloopOn(data_, {"executions", "list", "--branch", "parameter-change"});
  ASSERT_EQ(listed.exit_code, 0) << listed;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed;
  EXPECT_NE(listed.out.find("SUCCEEDED"), std::string::npos) << listed;
  auto history = RunLabelloopOn(data_, {"executions", "history", id, "--json"});
  ASSERT_EQ(history.exit_code, 0) << history;
  std::vector<std::string> states;
  for (const json& ev : cli_test::ParseJsonOrNull(history.out)) {
    if (ev.value("type", "") == "StateEntered") states.push_back(ev.value("state", ""));
  }
  EXPECT_EQ(states, (std::vector<std::string>{"Route event", "Apply parameter", "Parameter applied"}));
  auto missing = RunLabelloopOn(data_, {"executions", "describe", "no-such-execution"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no-such-execution"), std::string::npos) << missing;
}

TEST(ServeDefinitionTest, TheServerRefusesToStartOnAnInvalidStateMachine) {
  ScratchDir scratch("labelloop-e2e-def");
  const std::string data = scratch.Sub("data");
  ASSERT_EQ(RunLabelloopOn(data, {"init"}).exit_code, 0);
  const std::string definition = scratch.Sub("bad.json");
  cli_test::WriteFileBytes(definition, R"({"StartAt": "Check", "States": {
      "Check": {"Type": "Task", "Resource": "labelloop:check-training", "Next": "Nowhere"}}})");
  auto r = RunLabelloopOn(data, {"serve", "--listen", "127.0.0.1:0", "--statemachine", definition},
                          cli_test::RunOptions{.timeout_s = 60});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_NE(r.err.find("Check"), std::string::npos) << r;
  EXPECT_NE(r.err.find("Nowhere"), std::string::npos) << r;
}

}  // namespace
}  // namespace labelloop::e2e
