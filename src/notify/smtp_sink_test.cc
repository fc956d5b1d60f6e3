// The e-mail sink against a real SMTP server (Debian's aiosmtpd, started per test by
// SmtpTestServer): plain, STARTTLS, a server that is down, and the Notifier end to end.
#include "notify/smtp_sink.h"

#include <filesystem>

#include <fmt/format.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/notifier.h"
#include "notify/testing/received_email.h"
#include "notify/testing/smtp_test_server.h"

namespace labelloop::notify {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ParseReceivedEmail;
using testing::ReceivedEmail;
using testing::SmtpTestServer;

constexpr int kWaitMs = 15'000;  // only reached when a test fails

std::unique_ptr<SmtpTestServer> StartServerOrDie(SmtpTestServer::Options options = {}) {
  Result<std::unique_ptr<SmtpTestServer>> server = SmtpTestServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

EmailConfig ConfigFor(const std::string& url) {
  EmailConfig c;
  c.url = url;
  c.from = "labelloop <labelloop@example.com>";
  c.to = {"ops@example.com", "Data Team <data@example.com>"};
  c.require_starttls = false;
  c.timeout_ms = 10'000;
  return c;
}

std::unique_ptr<Sink> SinkOrDie(const EmailConfig& config) {
  Result<std::unique_ptr<Sink>> sink = CreateSmtpSink(config);
  EXPECT_TRUE(sink.ok()) << sink.status().ToString();
  return sink.ok() ? std::move(sink).value() : nullptr;
}

Notification Sample() {
  return Notification{7, 1'700'000'000'000, "Model version labelloop.v1 is RUNNING",
                      {{"Status", "RUNNING"}, {"ProjectVersion", "labelloop.v1"}, {"F1", 0.93}}, false};
}

TEST(SmtpSinkTest, MessageArrivesWithSubjectAndJsonBody) {
  auto server = StartServerOrDie();
  ASSERT_NE(server, nullptr);
  auto sink = SinkOrDie(ConfigFor(server->url()));
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->name(), "email");

  const Status status = sink->Deliver(Sample());
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << server->Log();
  const std::vector<std::string> messages = server->WaitForMessages(1, kWaitMs);
  ASSERT_EQ(messages.size(), 1u) << server->Log();
  const ReceivedEmail email = ParseReceivedEmail(messages[0]);
  EXPECT_EQ(email.subject, "Model version labelloop.v1 is RUNNING");
  EXPECT_EQ(nlohmann::json::parse(email.body), Sample().body);
  EXPECT_EQ(email.Header("from"), "\"labelloop\" <labelloop@example.com>");
  EXPECT_EQ(email.Header("x-mailfrom"), "labelloop@example.com");
  EXPECT_THAT(email.Header("x-rcptto"), HasSubstr("ops@example.com"));
  EXPECT_THAT(email.Header("x-rcptto"), HasSubstr("data@example.com"));
  EXPECT_EQ(email.Header("message-id"), "<labelloop.notification.7.1700000000000@example.com>");
  EXPECT_EQ(email.Header("date"), "Tue, 14 Nov 2023 22:13:20 +0000");
}

TEST(SmtpSinkTest, UnicodeSubjectAndBodySurviveARealServer) {
  auto server = StartServerOrDie();
  ASSERT_NE(server, nullptr);
  auto sink = SinkOrDie(ConfigFor(server->url()));
  ASSERT_NE(sink, nullptr);
  Notification n = Sample();
  n.subject = "Étiquette « café » vérifiée ✓";
  n.body = {{"label", "café ☕"}, {"line", std::string(1500, 'z')}};
  ASSERT_TRUE(sink->Deliver(n).ok()) << server->Log();
  const std::vector<std::string> messages = server->WaitForMessages(1, kWaitMs);
  ASSERT_EQ(messages.size(), 1u);
  const ReceivedEmail email = ParseReceivedEmail(messages[0]);
  EXPECT_EQ(email.subject, n.subject);
  EXPECT_EQ(nlohmann::json::parse(email.body), n.body);
}

TEST(SmtpSinkTest, ServerDownIsUnavailable) {
  auto sink = SinkOrDie(ConfigFor(fmt::format("smtp://127.0.0.1:{}", testing::UnusedTcpPort())));
  ASSERT_NE(sink, nullptr);
  const Status status = sink->Deliver(Sample());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("sending notification 7 by e-mail via smtp://127.0.0.1:"));
}

TEST(SmtpSinkTest, StartTlsWithASelfSignedCertificate) {
  auto server = StartServerOrDie({.starttls = true});
  ASSERT_NE(server, nullptr);
  EmailConfig config = ConfigFor(server->url());
  config.require_starttls = true;

  // The certificate is self-signed: refused unless verification is skipped.
  Status refused = SinkOrDie(config)->Deliver(Sample());
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.ToString();
  EXPECT_THAT(refused.message(), HasSubstr("certificate"));

  config.insecure_skip_verify = true;
  const Status status = SinkOrDie(config)->Deliver(Sample());
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << server->Log();
  const std::vector<std::string> messages = server->WaitForMessages(1, kWaitMs);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(ParseReceivedEmail(messages[0]).subject, Sample().subject);
}

TEST(SmtpSinkTest, RequiredStartTlsRefusesAServerWithoutIt) {
  auto server = StartServerOrDie();
  ASSERT_NE(server, nullptr);
  EmailConfig config = ConfigFor(server->url());
  config.require_starttls = true;
  const Status status = SinkOrDie(config)->Deliver(Sample());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("STARTTLS"));
  EXPECT_TRUE(server->Messages().empty());
}

class NotifierSmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labelloop-notify-smtp-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Result<std::unique_ptr<db::NotificationDb>> db = db::OpenSqliteNotificationDb(dir_ + "/labelloop.db", &clock_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<Notifier> MakeNotifier(const std::string& url) {
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(SinkOrDie(ConfigFor(url)));
    DeliveryOptions options;
    options.base_delay_ms = 1000;
    return std::make_unique<Notifier>(db_.get(), std::move(sinks), &clock_, options);
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<db::NotificationDb> db_;
};

TEST_F(NotifierSmtpTest, PublishedNotificationIsMailedByTheDeliveryThread) {
  auto server = StartServerOrDie();
  ASSERT_NE(server, nullptr);
  auto notifier = MakeNotifier(server->url());
  ASSERT_TRUE(notifier->Start().ok());
  Result<int64_t> id = notifier->Publish("Training started", {{"ProjectVersion", "labelloop.v2"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  const std::vector<std::string> messages = server->WaitForMessages(1, kWaitMs);
  ASSERT_EQ(messages.size(), 1u) << server->Log();
  notifier->Stop();
  const ReceivedEmail email = ParseReceivedEmail(messages[0]);
  EXPECT_EQ(email.subject, "Training started");
  EXPECT_EQ(nlohmann::json::parse(email.body), nlohmann::json({{"ProjectVersion", "labelloop.v2"}}));
  Result<std::vector<db::DeliveryRecord>> delivered = notifier->ListDeliveries("delivered", 10);
  ASSERT_TRUE(delivered.ok());
  ASSERT_EQ(delivered->size(), 1u);
  EXPECT_EQ((*delivered)[0].notification_id, *id);
}

TEST_F(NotifierSmtpTest, ServerDownFailsTheDeliveryNotThePublishAndRecoversWhenItComesUp) {
  const int port = testing::UnusedTcpPort();
  auto notifier = MakeNotifier(fmt::format("smtp://127.0.0.1:{}", port));
  Result<int64_t> id = notifier->Publish("Evaluation done", {{"F1", 0.91}});
  ASSERT_TRUE(id.ok()) << "publishing must not depend on the sink: " << id.status().ToString();

  EXPECT_EQ(notifier->DeliverDueNow(), 1);
  Result<std::vector<db::DeliveryRecord>> pending = notifier->ListDeliveries("pending", 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].attempts, 1);
  EXPECT_EQ((*pending)[0].next_attempt_ms, clock_.NowMs() + 1000);
  EXPECT_THAT((*pending)[0].last_error, HasSubstr("unavailable"));

  // The server comes up on that port; the retry, once due, gets through.
  auto server = StartServerOrDie({.port = port});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(notifier->DeliverDueNow(), 0) << "not due yet";
  clock_.AdvanceMs(1000);
  EXPECT_EQ(notifier->DeliverDueNow(), 1);
  const std::vector<std::string> messages = server->WaitForMessages(1, kWaitMs);
  ASSERT_EQ(messages.size(), 1u) << server->Log();
  EXPECT_EQ(ParseReceivedEmail(messages[0]).subject, "Evaluation done");
  EXPECT_EQ(notifier->ListDeliveries("delivered", 10)->at(0).attempts, 2);
}

}  // namespace
}  // namespace labelloop::notify
