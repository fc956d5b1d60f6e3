// The AWS side of the front door (issue 12): requests signed with SigV4 by AWS's own
// clients, where the access key id is a labelloop API token's name and the secret is the
// token itself, and AWS-shaped errors for them. The signature is checked from the headers,
// before any body byte is read (the body's hash is checked against the signed
// x-amz-content-sha256 once it is in: CheckPayloadHash). Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>

#include "auth/auth_service.h"
#include "common/clock.h"
#include "common/status.h"
#include "http/request.h"
#include "http/route.h"

namespace labelloop::http {

// How far a request's X-Amz-Date may be from the server's clock (AWS allows 15 minutes).
inline constexpr int64_t kMaxAwsClockSkewMs = 15 * 60 * 1000;

// An error in AWS's terms: `aws_code` (SignatureDoesNotMatch, NoSuchKey, ...) travels in
// the Status message as "<aws_code>: <message>"; the StatusCode picks the HTTP status.
Status AwsError(StatusCode code, std::string_view aws_code, std::string_view message);

struct AwsErrorReply {
  int http_status;
  std::string code;     // AWS's error code
  std::string message;
};
// The AWS error of `status`: its own code when AwsError made it, else one mapped from the
// StatusCode (NotFound -> NoSuchKey, PermissionDenied -> AccessDenied, ...).
AwsErrorReply DescribeAwsError(const Status& status);

// The caller of an S3 request signed with SigV4 (Authorization: AWS4-HMAC-SHA256 ...).
// AWS errors: AccessDenied (unsigned), InvalidAccessKeyId, SignatureDoesNotMatch,
// RequestTimeTooSkewed, AuthorizationHeaderMalformed, MissingSecurityHeader.
Result<Caller> AuthenticateS3Request(const Request& request, auth::AuthService& auth, const Clock& clock);

// The body matches the signed x-amz-content-sha256 (UNSIGNED-PAYLOAD: nothing to check).
// XAmzContentSHA256Mismatch otherwise.
Status CheckPayloadHash(const Request& request);

}  // namespace labelloop::http
