#include "notify/email_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/mail_address.h"
#include "notify/testing/received_email.h"

namespace labelloop::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::ParseReceivedEmail;
using testing::ReceivedEmail;

Notification Sample(std::string subject, nlohmann::json body) {
  return Notification{42, 1'700'000'000'000, std::move(subject), std::move(body), false};
}

// The header block (up to the blank line), CRLF line ends kept.
std::string HeaderBlock(const std::string& message) { return message.substr(0, message.find("\r\n\r\n") + 2); }

TEST(EmailMessageTest, HeadersAndPrettyJsonBody) {
  const nlohmann::json body = {{"Status", "RUNNING"}, {"ProjectVersion", "labelloop.2023-11-14"}};
  const std::string m = FormatEmailMessage(Sample("Model version is running", body), "labelloop <bot@example.com>",
                                           {"ops@example.com", "Data Team <data@example.com>"});
  const std::string headers = HeaderBlock(m);
  EXPECT_THAT(headers, StartsWith("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
  EXPECT_THAT(headers, HasSubstr("From: \"labelloop\" <bot@example.com>\r\n"));
  EXPECT_THAT(headers, HasSubstr("To: ops@example.com, \"Data Team\" <data@example.com>\r\n"));
  EXPECT_THAT(headers, HasSubstr("Subject: Model version is running\r\n"));
  EXPECT_THAT(headers, HasSubstr("Message-ID: <labelloop.notification.42.1700000000000@example.com>\r\n"));
  EXPECT_THAT(headers, HasSubstr("Content-Type: text/plain; charset=UTF-8\r\n"));
  EXPECT_THAT(headers, HasSubstr("Content-Transfer-Encoding: 7bit\r\n"));
  EXPECT_THAT(headers, HasSubstr("MIME-Version: 1.0\r\n"));
  // Every line ends in CRLF; no bare LF anywhere.
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  const ReceivedEmail parsed = ParseReceivedEmail(m);
  EXPECT_EQ(parsed.body, body.dump(2) + "\n");
  EXPECT_EQ(nlohmann::json::parse(parsed.body), body);
}

TEST(EmailMessageTest, SubjectCannotInjectHeaders) {
  const std::string m = FormatEmailMessage(
      Sample("Done\r\nBcc: victim@example.com\nX-Evil: 1\r\n\r\nfake body", {}), "bot@example.com", {"a@example.com"});
  const std::string headers = HeaderBlock(m);
  EXPECT_THAT(headers, Not(HasSubstr("\r\nBcc:")));
  EXPECT_THAT(headers, Not(HasSubstr("\nX-Evil")));
  EXPECT_THAT(headers, HasSubstr("Subject: Done Bcc: victim@example.com X-Evil: 1 fake body\r\n"));
  EXPECT_EQ(ParseReceivedEmail(m).headers.count("bcc"), 0u);
}

TEST(EmailMessageTest, NonAsciiSubjectIsEncodedAndFoldedAndDecodesBack) {
  const std::string subject = "Étiquette « café » détectée — 信頼度 低い " + std::string(60, 'x');
  const std::string m = FormatEmailMessage(Sample(subject, {}), "bot@example.com", {"a@example.com"});
  const std::string headers = HeaderBlock(m);
  EXPECT_THAT(headers, HasSubstr("Subject: =?UTF-8?B?"));
  size_t start = 0;
  while (start < headers.size()) {
    const size_t end = headers.find("\r\n", start);
    EXPECT_LE(end - start, 78u) << headers.substr(start, end - start);
    for (size_t i = start; i < end; ++i) ASSERT_LT(static_cast<unsigned char>(headers[i]), 0x80) << "raw 8-bit header";
    start = end + 2;
  }
  EXPECT_EQ(ParseReceivedEmail(m).subject, subject);
}

TEST(EmailMessageTest, NonAsciiOrLongBodyIsQuotedPrintable) {
  const nlohmann::json body = {{"label", "café ☕"}, {"note", std::string(2000, 'y') + " = end"}};
  const std::string m = FormatEmailMessage(Sample("s", body), "bot@example.com", {"a@example.com"});
  EXPECT_THAT(HeaderBlock(m), HasSubstr("Content-Transfer-Encoding: quoted-printable\r\n"));
  const std::string raw_body = m.substr(m.find("\r\n\r\n") + 4);
  size_t start = 0;
  while (start < raw_body.size()) {
    const size_t end = raw_body.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    for (size_t i = start; i < end; ++i) ASSERT_LT(static_cast<unsigned char>(raw_body[i]), 0x80);
    start = end + 2;
  }
  EXPECT_EQ(nlohmann::json::parse(ParseReceivedEmail(m).body), body);
}

TEST(EmailMessageTest, InvalidUtf8IsReplacedNotFatal) {
  const std::string bad = "bad \xff\xfe byte";
  EXPECT_EQ(SanitizeHeaderText(bad), "bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
  const std::string m = FormatEmailMessage(Sample(bad, {{"k", bad}}), "bot@example.com", {"a@example.com"});
  EXPECT_THAT(m, HasSubstr("Subject: =?UTF-8?B?"));
}

TEST(EmailMessageTest, DateAndQuotedPrintableDetails) {
  EXPECT_EQ(FormatRfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(FormatRfc5322Date(1'709'210'096'000), "Thu, 29 Feb 2024 12:34:56 +0000");
  EXPECT_EQ(EncodeQuotedPrintable("a=b \nend \n"), "a=3Db=20\r\nend=20\r\n");
  EXPECT_EQ(EncodeQuotedPrintable("é"), "=C3=A9");
}

TEST(MailAddressTest, FormsAndRefusals) {
  EXPECT_TRUE(CheckMailbox("a@b.c").ok());
  EXPECT_TRUE(CheckMailbox("Name Here <a@b.c>").ok());
  EXPECT_EQ(AddressOf("Name Here <a@b.c>"), "a@b.c");
  EXPECT_EQ(AddressOf("a@b.c"), "a@b.c");
  EXPECT_EQ(DomainOf("Name <a@b.c>"), "b.c");
  EXPECT_FALSE(CheckMailbox("a@b.c\r\nRCPT TO:<x@y>").ok());
  EXPECT_FALSE(CheckMailbox("<a@b.c> trailing").ok());
  EXPECT_FALSE(CheckMailbox("a@b.c>").ok());
  EXPECT_FALSE(CheckMailbox("<@b.c>").ok());
  EXPECT_FALSE(CheckMailbox("x <a b@c.d>").ok());
}

}  // namespace
}  // namespace labelloop::notify
