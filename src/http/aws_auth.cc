#include "http/aws_auth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>

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

Result<std::string> Sha256OfBody(const Request& request) {
  if (request.body_file.empty()) return Sha256Hex(request.body);
  std::ifstream in(request.body_file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.eof() && in.fail()) return UnavailableError("cannot read the uploaded body back");
  return Sha256Hex(bytes);
}

}  // namespace

Status AwsError(StatusCode code, std::string_view aws_code, std::string_view message) {
  return Status(code, fmt::format("{}: {}", aws_code, message));
}

AwsErrorReply DescribeAwsError(const Status& status) {
  const std::string& text = status.message();
  const size_t colon = text.find(": ");
  const bool has_code = colon != std::string::npos && colon > 0 && colon < 40 &&
                        std::all_of(text.begin(), text.begin() + colon, [](char c) { return std::isalnum(c); }) &&
                        std::isupper(static_cast<unsigned char>(text[0]));
  // AWS answers every authentication failure with 403 and throttling with 503.
  int http = HttpStatusFor(status.code());
  if (status.code() == StatusCode::kUnauthenticated) http = 403;
  if (status.code() == StatusCode::kResourceExhausted) http = 503;
  if (has_code) return {http, text.substr(0, colon), text.substr(colon + 2)};
  std::string code = "InternalError";
  switch (status.code()) {
    case StatusCode::kInvalidArgument: code = "InvalidArgument"; break;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied: code = "AccessDenied"; break;
    case StatusCode::kNotFound: code = "NoSuchKey"; break;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: code = "OperationAborted"; break;
    case StatusCode::kResourceExhausted: code = "SlowDown"; break;
    case StatusCode::kUnavailable: code = "ServiceUnavailable"; break;
    default: break;
  }
  return {http, code, text};
}

Result<Caller> AuthenticateS3Request(const Request& request, auth::AuthService& auth, const Clock& clock) {
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
  const std::string payload_hash = request.get_header_value(std::string(kContentSha256));
  if (payload_hash.empty()) return AwsError(StatusCode::kInvalidArgument, "MissingSecurityHeader",
                                            "S3 requests must carry x-amz-content-sha256");
  auto identity = auth.FindSigningSecret(authorization->access_key_id);
  if (!identity.ok()) {
    if (identity.status().code() == StatusCode::kUnavailable || identity.status().code() == StatusCode::kInternal) {
      return identity.status();
    }
    return Denied("InvalidAccessKeyId", identity.status().message());
  }
  Status verified = sigv4::Verify(ViewOf(request, payload_hash), *authorization, amz_date, identity->secret,
                                  sigv4::PathEncoding::kS3);
  if (!verified.ok()) return Denied("SignatureDoesNotMatch", verified.message());
  const auth::Principal& who = identity->principal;
  return Caller{who.name, who.role, true, "", ""};
}

Status CheckPayloadHash(const Request& request) {
  const std::string declared = request.get_header_value(std::string(kContentSha256));
  if (declared == sigv4::kUnsignedPayload) return OkStatus();
  if (declared.starts_with("STREAMING-")) {
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
