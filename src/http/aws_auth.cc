#include "http/aws_auth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "auth/sigv4.h"
#include "common/content_hash.h"
#include "http/http_error.h"

namespace labelloop::http {
namespace {

namespace sigv4 = auth::sigv4;

constexpr std::string_view kContentSha256 = "x-amz-content-sha256";

Status Denied(std::string_view aws_code, std::string_view message) {
  return AwsError(StatusCode::kPermissionDenied, aws_code, message);
}

// "20150830T123600Z" -> milliseconds since the epoch; nullopt when malformed.
std::optional<int64_t> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int fields[6];
  const size_t starts[6] = {0, 4, 6, 9, 11, 13}, lengths[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    int value = 0;
    for (char c : text.substr(starts[i], lengths[i])) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    fields[i] = value;
  }
  using namespace std::chrono;
  const year_month_day day{year{fields[0]}, month{static_cast<unsigned>(fields[1])},
                           std::chrono::day{static_cast<unsigned>(fields[2])}};
  if (!day.ok() || fields[3] > 23 || fields[4] > 59 || fields[5] > 60) return std::nullopt;
  const auto time = sys_days{day} + hours{fields[3]} + minutes{fields[4]} + seconds{fields[5]};
  return duration_cast<milliseconds>(time.time_since_epoch()).count();
}

// The request as the client signed it: the raw target split at '?', every header.
sigv4::RequestView ViewOf(const Request& request, std::string_view payload_hash) {
  std::string_view target = request.target;
  const size_t question = target.find('?');
  sigv4::RequestView view{request.method, target.substr(0, question),
                          question == std::string_view::npos ? std::string_view() : target.substr(question + 1),
                          {}, payload_hash};
  for (const auto& [name, value] : request.headers) view.headers.emplace_back(name, value);
  return view;
}

// The error code for a Status that AwsError did not make.
std::string_view FallbackCode(StatusCode code, AwsService service) {
  const bool s3 = service == AwsService::kS3;
  switch (code) {
    case StatusCode::kInvalidArgument: return s3 ? "InvalidArgument" : "ValidationException";
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied: return s3 ? "AccessDenied" : "AccessDeniedException";
    case StatusCode::kNotFound: return s3 ? "NoSuchKey" : "ResourceNotFoundException";
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return s3 ? "OperationAborted" : "ConflictException";
    case StatusCode::kResourceExhausted: return s3 ? "SlowDown" : "ThrottlingException";
    case StatusCode::kUnavailable:
    case StatusCode::kInsufficientStorage: return s3 ? "ServiceUnavailable" : "ServiceUnavailableException";
    default: return s3 ? "InternalError" : "InternalServerError";
  }
}

}  // namespace

// The AWS code rides at the end of the message, where context added in front of it
// (Status::WithContext) leaves it alone.
constexpr std::string_view kCodeMarker = " [aws:";

Status AwsError(StatusCode code, std::string_view aws_code, std::string_view message) {
  return Status(code, fmt::format("{}{}{}]", message, kCodeMarker, aws_code));
}

AwsErrorReply DescribeAwsError(const Status& status, AwsService service) {
  // AWS answers every authentication failure with 403 and throttling with 503.
  int http = HttpStatusFor(status.code());
  if (status.code() == StatusCode::kUnauthenticated) http = 403;
  if (status.code() == StatusCode::kResourceExhausted) http = 503;
  const std::string& text = status.message();
  const size_t marker = text.rfind(kCodeMarker);
  if (marker != std::string::npos && text.back() == ']') {
    const size_t code_at = marker + kCodeMarker.size();
    return {http, text.substr(code_at, text.size() - 1 - code_at), text.substr(0, marker)};
  }
  return {http, std::string(FallbackCode(status.code(), service)), text};
}

Result<AwsSignedCaller> AuthenticateAwsRequest(const Request& request, auth::AuthService& auth, const Clock& clock,
                                               std::string_view payload_hash, AwsService service) {
  const std::string header = request.get_header_value("Authorization");
  if (header.empty()) {
    return Denied("AccessDenied", "anonymous access is not allowed: sign requests with an API token "
                                  "(access key id: the token's name, secret: the token)");
  }
  auto authorization = sigv4::ParseAuthorization(header);
  if (!authorization.ok()) return Denied("AuthorizationHeaderMalformed", authorization.status().message());
  const std::string amz_date = request.get_header_value("X-Amz-Date");
  const std::optional<int64_t> signed_at = ParseAmzDate(amz_date);
  if (!signed_at) return Denied("AccessDenied", "X-Amz-Date is missing or not YYYYMMDDTHHMMSSZ");
  if (amz_date.substr(0, 8) != authorization->scope.date) {
    return Denied("SignatureDoesNotMatch", "the credential scope's date is not the X-Amz-Date's day");
  }
  if (std::abs(clock.NowMs() - *signed_at) > kMaxAwsClockSkewMs) {
    return Denied("RequestTimeTooSkewed",
                  fmt::format("the request time {} differs from the server's by more than 15 minutes", amz_date));
  }
  auto identity = auth.FindSigningSecret(authorization->access_key_id);
  if (!identity.ok()) {
    if (identity.status().code() == StatusCode::kUnavailable || identity.status().code() == StatusCode::kInternal) {
      return identity.status();
    }
    return Denied("InvalidAccessKeyId", identity.status().message());
  }
  const auto encoding = service == AwsService::kS3 ? sigv4::PathEncoding::kS3 : sigv4::PathEncoding::kOtherServices;
  Status verified =
      sigv4::Verify(ViewOf(request, payload_hash), *authorization, amz_date, identity->secret, encoding);
  if (!verified.ok()) return Denied("SignatureDoesNotMatch", verified.message());
  const auth::Principal& who = identity->principal;
  return AwsSignedCaller{Caller{who.name, who.role, true, "", ""}, authorization->scope.region};
}

Result<Caller> AuthenticateS3Request(const Request& request, auth::AuthService& auth, const Clock& clock) {
  const std::string payload_hash = request.get_header_value(std::string(kContentSha256));
  if (payload_hash.empty() && request.get_header_value("Authorization").starts_with(sigv4::kAlgorithm)) {
    return AwsError(StatusCode::kInvalidArgument, "MissingSecurityHeader", "S3 requests must carry x-amz-content-sha256");
  }
  ASSIGN_OR_RETURN(AwsSignedCaller signed_caller,
                   AuthenticateAwsRequest(request, auth, clock, payload_hash, AwsService::kS3));
  return std::move(signed_caller.caller);
}

Result<std::string> Sha256OfBody(const Request& request) {
  if (request.body_file.empty()) return Sha256Hex(request.body);
  return Sha256HexOfFile(request.body_file);
}

Status CheckPayloadHash(const Request& request) {
  const std::string declared = request.get_header_value(std::string(kContentSha256));
  if (declared == sigv4::kUnsignedPayload) return OkStatus();
  if (declared.starts_with("STREAMING-")) {
    // TODO(#12): verify aws-chunked bodies chunk by chunk (each chunk's signature chains on
    // the previous one); until then AWS's own "not implemented" answer.
    return AwsError(StatusCode::kInvalidArgument, "NotImplemented",
                    "aws-chunked (streaming) uploads are not supported yet: sign the whole payload or send "
                    "UNSIGNED-PAYLOAD");
  }
  ASSIGN_OR_RETURN(std::string actual, Sha256OfBody(request));
  if (actual != declared) {
    return AwsError(StatusCode::kInvalidArgument, "XAmzContentSHA256Mismatch",
                    "the body's SHA-256 is not the signed x-amz-content-sha256");
  }
  return OkStatus();
}

}  // namespace labelloop::http
