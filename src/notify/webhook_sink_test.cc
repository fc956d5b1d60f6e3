// The webhook sink against a real local HTTP server (cpp-httplib, in this test only) that
// checks the signature the way a receiver would; failing endpoints are retried.
#include "notify/webhook_sink.h"

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <mutex>
#include <thread>

#include <httplib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/content_hash.h"
#include "notify/notifier.h"

namespace labelloop::notify {
namespace {

using ::testing::HasSubstr;

constexpr char kSecret[] = "webhook-secret";

struct ReceivedRequest {
  std::string body;
  std::string signature, delivery, event, content_type;
  std::string webhook_id, webhook_timestamp, webhook_signature;  // Standard Webhooks
};

// An HTTP server on 127.0.0.1 (port chosen by the OS) that verifies
// X-Labelloop-Signature against kSecret, answering 401 when it does not match, and
// answers the first `fail_first` valid requests with `fail_status`.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int fail_first = 0, int fail_status = 500)
      : fail_first_(fail_first), fail_status_(fail_status) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      ReceivedRequest r{req.body, req.get_header_value("X-Labelloop-Signature"),
                        req.get_header_value("X-Labelloop-Delivery"), req.get_header_value("X-Labelloop-Event"),
                        req.get_header_value("Content-Type"), req.get_header_value("webhook-id"),
                        req.get_header_value("webhook-timestamp"), req.get_header_value("webhook-signature")};
      const bool valid = r.signature == "sha256=" + HmacSha256Hex(kSecret, req.body);
      std::lock_guard lock(mu_);
      if (!valid) {
        ++rejected_;
        res.status = 401;
        res.set_content("bad signature", "text/plain");
        return;
      }
      if (fail_first_ > 0) {
        --fail_first_;
        res.status = fail_status_;
        res.set_content("try again later", "text/plain");
        return;
      }
      accepted_.push_back(std::move(r));
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // This httplib has no wait_until_ready: wait (real time) until the thread listens.
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<ReceivedRequest> accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  int rejected() {
    std::lock_guard lock(mu_);
    return rejected_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int fail_first_;
  const int fail_status_;
  std::vector<ReceivedRequest> accepted_;
  int rejected_ = 0;
};

WebhookConfig ConfigFor(const std::string& url, std::string secret = kSecret) {
  return WebhookConfig{"ops", url, std::move(secret), false, 5000};
}

std::unique_ptr<Sink> SinkOrDie(const WebhookConfig& config) {
  Result<std::unique_ptr<Sink>> sink = CreateWebhookSink(config);
  EXPECT_TRUE(sink.ok()) << sink.status().ToString();
  return sink.ok() ? std::move(sink).value() : nullptr;
}

Notification Sample() {
  return Notification{12, 1'700'000'000'000, "Detection\r\nX-Injected: 1 done ✓",
                      {{"label", "aws_logo"}, {"confidence_pct", 97.5}}, false};
}

TEST(WebhookSinkTest, PostsSignedJsonThatTheReceiverVerifies) {
  WebhookReceiver receiver;
  auto sink = SinkOrDie(ConfigFor(receiver.url()));
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->name(), "webhook:ops");
  const Status status = sink->Deliver(Sample());
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(receiver.accepted().size(), 1u);
  const ReceivedRequest r = receiver.accepted()[0];
  EXPECT_EQ(r.body, WebhookPayload(Sample()));
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.delivery, "12");
  // Sent percent-encoded (WebhookEventHeaderValue); this httplib decodes header values.
  EXPECT_EQ(WebhookEventHeaderValue(Sample().subject), "Detection%0D%0AX-Injected: 1 done %E2%9C%93");
  EXPECT_EQ(r.event, Sample().subject);
  const nlohmann::json payload = nlohmann::json::parse(r.body);
  EXPECT_EQ(payload["id"], 12);
  EXPECT_EQ(payload["subject"], Sample().subject);
  EXPECT_EQ(payload["body"], Sample().body);
  EXPECT_EQ(payload["created"], "2023-11-14T22:13:20.000Z");
  EXPECT_FALSE(payload.contains("read"));
}

// Issue 9: the Standard Webhooks headers, checked as a receiver (its libraries) would: the
// signature over id.timestamp.body, and a timestamp recent enough to refuse replays.
TEST(WebhookSinkTest, StandardWebhooksHeadersLetTheReceiverRefuseReplays) {
  WebhookReceiver receiver;
  auto sink = SinkOrDie(ConfigFor(receiver.url()));
  ASSERT_TRUE(sink->Deliver(Sample()).ok());
  ASSERT_TRUE(sink->Deliver(Sample()).ok());  // a retry of the same notification
  ASSERT_EQ(receiver.accepted().size(), 2u);
  const int64_t now_s = SystemClock::Default()->NowMs() / 1000;
  for (const ReceivedRequest& r : receiver.accepted()) {
    EXPECT_EQ(r.webhook_id, "labelloop-12");
    const int64_t timestamp = std::stoll(r.webhook_timestamp);
    EXPECT_LE(std::abs(now_s - timestamp), 300) << "within the usual five-minute tolerance";
    const std::string expected =
        "v1," + HmacSha256Base64(kSecret, r.webhook_id + "." + r.webhook_timestamp + "." + r.body);
    EXPECT_EQ(r.webhook_signature, expected);
  }
  // A replay with an old timestamp cannot be re-signed without the secret.
  const StandardWebhookHeaders old = SignStandardWebhook(kSecret, 12, now_s - 3600, receiver.accepted()[0].body);
  EXPECT_NE(old.signature, receiver.accepted()[0].webhook_signature);
}

TEST(WebhookSinkTest, StandardWebhooksSignatureMatchesTheSpecExample) {
  // The example of the Standard Webhooks specification (a "whsec_" secret is base64).
  const std::string key = StandardWebhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(key.size(), 24u);
  EXPECT_EQ(HmacSha256Base64(key, "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}"),
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(StandardWebhookKey("plain secret"), "plain secret");
  EXPECT_EQ(StandardWebhookKey("whsec_not base64!"), "whsec_not base64!");
  const StandardWebhookHeaders h = SignStandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 7, 1614265330, "{}");
  EXPECT_EQ(h.id, "labelloop-7");
  EXPECT_EQ(h.timestamp, "1614265330");
  EXPECT_EQ(h.signature, "v1," + HmacSha256Base64(key, "labelloop-7.1614265330.{}"));
}

TEST(WebhookSinkTest, WrongSecretIsRefusedByTheReceiverAndNotRetried) {
  WebhookReceiver receiver;
  const Status status = SinkOrDie(ConfigFor(receiver.url(), "not-the-secret"))->Deliver(Sample());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("HTTP 401: bad signature"));
  EXPECT_EQ(receiver.rejected(), 1);
}

TEST(WebhookSinkTest, ServerErrorsAndDownEndpointsAreUnavailable) {
  WebhookReceiver receiver(/*fail_first=*/1, /*fail_status=*/503);
  const Status status = SinkOrDie(ConfigFor(receiver.url()))->Deliver(Sample());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("HTTP 503: try again later"));

  const Status down = SinkOrDie(ConfigFor("http://127.0.0.1:1/hook"))->Deliver(Sample());
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down.ToString();
  EXPECT_THAT(down.message(), HasSubstr("posting notification 12 to webhook 'ops'"));
}

TEST(WebhookSinkTest, A500IsRetriedByTheNotifierUntilItIsAccepted) {
  WebhookReceiver receiver(/*fail_first=*/2, /*fail_status=*/500);
  FakeClock clock;
  Result<std::unique_ptr<db::NotificationDb>> db = db::OpenSqliteNotificationDb(":memory:", &clock);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(SinkOrDie(ConfigFor(receiver.url())));
  DeliveryOptions options;
  options.base_delay_ms = 500;
  Notifier notifier(db->get(), std::move(sinks), &clock, options);

  Result<int64_t> id = notifier.Publish("Review done", {{"task", "t-1"}});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(notifier.DeliverDueNow(), 1);  // 500
  clock.AdvanceMs(500);
  EXPECT_EQ(notifier.DeliverDueNow(), 1);  // 500 again, next in 1000 ms
  clock.AdvanceMs(999);
  EXPECT_EQ(notifier.DeliverDueNow(), 0);
  EXPECT_TRUE(receiver.accepted().empty());
  Result<std::vector<db::DeliveryRecord>> pending = notifier.ListDeliveries("pending", 10);
  ASSERT_TRUE(pending.ok() && pending->size() == 1u);
  EXPECT_EQ((*pending)[0].attempts, 2);
  EXPECT_THAT((*pending)[0].last_error, HasSubstr("HTTP 500"));
  clock.AdvanceMs(1);
  EXPECT_EQ(notifier.DeliverDueNow(), 1);
  ASSERT_EQ(receiver.accepted().size(), 1u);
  EXPECT_EQ(receiver.accepted()[0].delivery, std::to_string(*id)) << "the same delivery id on every retry";
  EXPECT_EQ(notifier.ListDeliveries("delivered", 10)->size(), 1u);
}

TEST(WebhookSinkTest, SignatureIsHmacSha256OfTheExactBody) {
  // RFC 4231 test case 2.
  EXPECT_EQ(WebhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace labelloop::notify
