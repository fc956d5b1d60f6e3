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

// Which kind of AWS service a request is for: S3 (the path encoded once; the payload hash
// declared in x-amz-content-sha256) or a JSON-protocol one (the path encoded twice; the
// hash of the body, which is in memory).
enum class AwsService { kS3, kJson };

// An error in AWS's terms: `aws_code` (SignatureDoesNotMatch, NoSuchKey, ...) travels at
// the end of the Status message ("<message> [aws:<aws_code>]"); the StatusCode picks the
// HTTP status.
Status AwsError(StatusCode code, std::string_view aws_code, std::string_view message);

struct AwsErrorReply {
  int http_status;
  std::string code;     // AWS's error code
  std::string message;
};
// The AWS error of `status`: its own code when AwsError made it, else one mapped from the
// StatusCode in the service's words (S3: NotFound -> NoSuchKey, PermissionDenied ->
// AccessDenied; JSON services: ResourceNotFoundException, AccessDeniedException, ...).
AwsErrorReply DescribeAwsError(const Status& status, AwsService service);

struct AwsSignedCaller {
  Caller caller;
  std::string region;  // of the signature's scope
};

// The caller of a request signed with SigV4 (Authorization: AWS4-HMAC-SHA256 ...) over
// `payload_hash`. AWS errors: AccessDenied (unsigned), AuthorizationHeaderMalformed,
// InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed.
Result<AwsSignedCaller> AuthenticateAwsRequest(const Request& request, auth::AuthService& auth, const Clock& clock,
                                               std::string_view payload_hash, AwsService service);

// The caller of an S3 request, checked before its body is read: the payload hash is the
// declared x-amz-content-sha256 (MissingSecurityHeader without it).
Result<Caller> AuthenticateS3Request(const Request& request, auth::AuthService& auth, const Clock& clock);

// Hex SHA-256 of the request's body (in memory or in its temp file).
Result<std::string> Sha256OfBody(const Request& request);

// The body matches the signed x-amz-content-sha256 (UNSIGNED-PAYLOAD: nothing to check).
// XAmzContentSHA256Mismatch otherwise.
Status CheckPayloadHash(const Request& request);

}  // namespace labelloop::http
