#include <gtest/gtest.h>

#include "http/aws_auth.h"
#include "http/s3_xml.h"

namespace labelloop::http {
namespace {

TEST(AwsErrorsTest, AnAwsCodeSurvivesContextAddedInFront) {
  Status status = AwsError(StatusCode::kPermissionDenied, "SignatureDoesNotMatch", "wrong: secret")
                      .WithContext("PUT /s3/labelloop/x");
  AwsErrorReply reply = DescribeAwsError(status, AwsService::kS3);
  EXPECT_EQ(reply.http_status, 403);
  EXPECT_EQ(reply.code, "SignatureDoesNotMatch");
  EXPECT_EQ(reply.message.find("[aws:"), std::string::npos) << reply.message;
  EXPECT_NE(reply.message.find("wrong: secret"), std::string::npos) << reply.message;
}

TEST(AwsErrorsTest, OtherStatusesGetTheServicesOwnCodes) {
  EXPECT_EQ(DescribeAwsError(NotFoundError("gone"), AwsService::kS3).code, "NoSuchKey");
  EXPECT_EQ(DescribeAwsError(NotFoundError("gone"), AwsService::kJson).code, "ResourceNotFoundException");
  EXPECT_EQ(DescribeAwsError(InvalidArgumentError("Bad: value"), AwsService::kJson).code, "ValidationException");
  AwsErrorReply busy = DescribeAwsError(ResourceExhaustedError("busy"), AwsService::kS3);
  EXPECT_EQ(busy.code, "SlowDown");
  EXPECT_EQ(busy.http_status, 503);
  EXPECT_EQ(DescribeAwsError(UnauthenticatedError("who"), AwsService::kS3).http_status, 403);
  EXPECT_EQ(DescribeAwsError(InternalError("oops"), AwsService::kS3).code, "InternalError");
}

TEST(AwsErrorsTest, XmlTextIsEscapedAndControlBytesReplaced) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'\x01\td"), "a&lt;b&gt;&amp;&quot;c&apos;?\td");
  Response response;
  WriteS3Error(response, AwsError(StatusCode::kNotFound, "NoSuchKey", "key <x>"), "/s3/labelloop/<x>");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("<Code>NoSuchKey</Code><Message>key &lt;x&gt;</Message>"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("<Resource>/s3/labelloop/&lt;x&gt;</Resource>"), std::string::npos) << response.body;
}

}  // namespace
}  // namespace labelloop::http
