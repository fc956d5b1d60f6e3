#include "notify/notify_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/create_sinks.h"

namespace labelloop::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

Json FullConfig() {
  return Json::parse(R"({
    "email": {"url": "smtp://mail.example.com:587", "from": "labelloop <labelloop@example.com>",
              "to": ["ops@example.com", "Data Team <data@example.com>"], "username": "labelloop",
              "password": "hunter2", "require_starttls": true, "insecure_skip_verify": false, "timeout_ms": 20000},
    "webhooks": [{"name": "ops", "url": "https://hooks.example.com/labelloop", "secret": "s3cret"},
                 {"name": "chat", "url": "http://127.0.0.1:9000/hook", "secret": "x", "timeout_ms": 500,
                  "insecure_skip_verify": true}],
    "retry": {"max_attempts": 5, "base_delay_ms": 1000, "max_delay_ms": 60000}
  })");
}

Status ParseError(const Json& j) {
  Result<NotifyConfig> c = ParseNotifyConfig(j);
  return c.ok() ? OkStatus() : c.status();
}

TEST(NotifyConfigTest, ParsesEveryField) {
  Result<NotifyConfig> c = ParseNotifyConfig(FullConfig());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->email.has_value());
  EXPECT_EQ(c->email->url, "smtp://mail.example.com:587");
  EXPECT_EQ(c->email->from, "labelloop <labelloop@example.com>");
  EXPECT_THAT(c->email->to, ElementsAre("ops@example.com", "Data Team <data@example.com>"));
  EXPECT_EQ(c->email->username, "labelloop");
  EXPECT_EQ(c->email->password, "hunter2");
  EXPECT_TRUE(c->email->require_starttls);
  EXPECT_EQ(c->email->timeout_ms, 20000);
  ASSERT_EQ(c->webhooks.size(), 2u);
  EXPECT_EQ(c->webhooks[0].name, "ops");
  EXPECT_EQ(c->webhooks[0].timeout_ms, 10000) << "default";
  EXPECT_EQ(c->webhooks[1].timeout_ms, 500);
  EXPECT_TRUE(c->webhooks[1].insecure_skip_verify);
  EXPECT_EQ(c->delivery.max_attempts, 5);
  EXPECT_EQ(c->delivery.base_delay_ms, 1000);
  EXPECT_EQ(c->delivery.max_delay_ms, 60000);
}

TEST(NotifyConfigTest, EmptyObjectMeansInboxOnlyWithDefaultRetries) {
  Result<NotifyConfig> c = ParseNotifyConfig(Json::object());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->email.has_value());
  EXPECT_TRUE(c->webhooks.empty());
  EXPECT_EQ(c->delivery.max_attempts, DeliveryOptions{}.max_attempts);
  Result<std::vector<std::unique_ptr<Sink>>> sinks = CreateSinks(*c);
  ASSERT_TRUE(sinks.ok());
  EXPECT_TRUE(sinks->empty());
}

TEST(NotifyConfigTest, CreateSinksNamesEmailThenWebhooksInOrder) {
  Result<std::vector<std::unique_ptr<Sink>>> sinks = CreateSinks(*ParseNotifyConfig(FullConfig()));
  ASSERT_TRUE(sinks.ok()) << sinks.status().ToString();
  std::vector<std::string> names;
  for (const auto& s : *sinks) names.push_back(s->name());
  EXPECT_THAT(names, ElementsAre("email", "webhook:ops", "webhook:chat"));
}

struct BadCase {
  std::string json_pointer;  // where to change FullConfig
  Json value;                // new value (null: remove)
  std::string expected;      // in the message
};

class NotifyConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(NotifyConfigErrorTest, NamesTheFieldAndTheRule) {
  Json j = FullConfig();
  const BadCase& c = GetParam();
  const Json::json_pointer ptr(c.json_pointer);
  if (c.value.is_null()) {
    j[ptr.parent_pointer()].erase(ptr.back());
  } else {
    j[ptr] = c.value;
  }
  Status status = ParseError(j);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.json_pointer;
  EXPECT_THAT(status.message(), HasSubstr(c.expected));
  EXPECT_THAT(status.message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(status.message(), Not(HasSubstr("s3cret")));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NotifyConfigErrorTest,
    ::testing::Values(
        BadCase{"/emial", Json::object(), "notifications: unknown key \"emial\""},
        BadCase{"/email/port", 25, "notifications.email: unknown key \"port\""},
        BadCase{"/email/url", nullptr, "notifications.email.url is missing"},
        BadCase{"/email/url", "http://mail.example.com", "notifications.email.url \"http://mail.example.com\" must "
                                                         "start with smtp:// or smtps://"},
        BadCase{"/email/url", "smtp://", "has no host"},
        BadCase{"/email/url", 25, "notifications.email.url must be a string"},
        BadCase{"/email/from", "labelloop\r\nBcc: victim@example.com <a@b.c>", "control character"},
        BadCase{"/email/from", "no-at-sign", "must contain an address user@host"},
        BadCase{"/email/to", Json::array(), "notifications.email.to must list at least one address"},
        BadCase{"/email/to", "ops@example.com", "notifications.email.to must be an array"},
        BadCase{"/email/to/1", "a@b.c, evil@d.e", "notifications.email.to[1]"},
        BadCase{"/email/username", nullptr, "notifications.email.password is set but notifications.email.username"},
        BadCase{"/email/require_starttls", "yes", "notifications.email.require_starttls must be true or false"},
        BadCase{"/email/timeout_ms", 0, "notifications.email.timeout_ms is 0; it must be within 1..300000"},
        BadCase{"/email/timeout_ms", 1.5, "notifications.email.timeout_ms must be an integer"},
        BadCase{"/webhooks", Json::object(), "notifications.webhooks must be an array"},
        BadCase{"/webhooks/1/name", "ops", "notifications.webhooks[1].name \"ops\" is used by an earlier webhook"},
        BadCase{"/webhooks/0/name", "ops team", "notifications.webhooks[0].name \"ops team\" must be 1..64"},
        BadCase{"/webhooks/0/url", "ftp://x", "notifications.webhooks[0].url \"ftp://x\" must start with http:// or "
                                              "https://"},
        BadCase{"/webhooks/0/secret", "", "notifications.webhooks[0].secret must not be empty"},
        BadCase{"/webhooks/0/secret", nullptr, "notifications.webhooks[0].secret is missing"},
        BadCase{"/retry/max_attempts", 0, "notifications.retry.max_attempts is 0; it must be within 1..100"},
        BadCase{"/retry/base_delay_ms", 0, "base_delay_ms is 0"},
        BadCase{"/retry/max_delay_ms", 10, "max_delay_ms is 10; it must be at least base_delay_ms (1000)"},
        BadCase{"/retry/jitter", true, "notifications.retry: unknown key \"jitter\""}));

TEST(NotifyConfigTest, NotAnObject) {
  EXPECT_THAT(ParseError(Json::array()).message(), HasSubstr("notifications must be a JSON object"));
}

TEST(NotifyConfigTest, CreateSinksValidatesConfigsBuiltInCode) {
  NotifyConfig c;
  c.webhooks.push_back({"ops", "https://x.example", "", false, 1000});
  Result<std::vector<std::unique_ptr<Sink>>> sinks = CreateSinks(c);
  EXPECT_EQ(sinks.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sinks.status().message(), HasSubstr("notifications.webhooks[0].secret must not be empty"));
}

TEST(DeliveryOptionsTest, RetryDelayDoublesUpToTheCap) {
  DeliveryOptions o;
  o.base_delay_ms = 1000;
  o.max_delay_ms = 5000;
  EXPECT_EQ(RetryDelayMs(o, 1), 1000);
  EXPECT_EQ(RetryDelayMs(o, 2), 2000);
  EXPECT_EQ(RetryDelayMs(o, 3), 4000);
  EXPECT_EQ(RetryDelayMs(o, 4), 5000);
  EXPECT_EQ(RetryDelayMs(o, 100), 5000);
}

}  // namespace
}  // namespace labelloop::notify
