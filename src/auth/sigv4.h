// AWS Signature Version 4, the server's side: rebuild the canonical request from a request
// as it was received, sign it with the caller's secret and compare with the signature the
// client sent. Pure (no I/O, no clock: the caller checks the date and finds the secret).
//
// Written here rather than taken from a library: libcurl (CURLOPT_AWS_SIGV4) and the AWS
// SDKs only sign outgoing requests, and no Debian package verifies incoming ones. The rules
// follow AWS's documentation ("Create a signed AWS API request"); sigv4_test.cc checks them
// against vectors of AWS's published SigV4 test suite and against botocore's signer.
// Thread-safe (stateless).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace labelloop::auth::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// The credential scope: "<date>/<region>/<service>/aws4_request".
struct Scope {
  std::string date;     // YYYYMMDD
  std::string region;   // any name (labelloop serves every region)
  std::string service;  // "s3", "ssm", ...
  std::string ToString() const;
};

// The Authorization header of a signed request.
struct Authorization {
  std::string access_key_id;
  Scope scope;
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;                    // 64 lower-case hex digits
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>". InvalidArgument naming the part that is
// missing or malformed.
Result<Authorization> ParseAuthorization(std::string_view header);

// The parts of a received request that the signature covers.
struct RequestView {
  std::string_view method;
  std::string_view raw_path;   // as received: percent-encoded, without the query
  std::string_view raw_query;  // as received, without the '?'; "" when none
  // Every header as received (names in any case; repeated names in the order received).
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body, or what the client declared instead (UNSIGNED-PAYLOAD,
  // STREAMING-...), as x-amz-content-sha256 says.
  std::string_view payload_hash;
};

// How the path enters the canonical request. S3 encodes it once and never normalises it;
// every other service encodes the (already encoded) path once more.
enum class PathEncoding { kS3, kOtherServices };

// The canonical request (method, URI, query, headers, signed header list, payload hash).
// InvalidArgument when a signed header is absent or "host" is not signed.
Result<std::string> CanonicalRequest(const RequestView& request, const std::vector<std::string>& signed_headers,
                                     PathEncoding encoding);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of the canonical request>".
std::string StringToSign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request);
// The derived key: HMAC chain over "AWS4" + secret, date, region, service, "aws4_request".
std::string SigningKey(std::string_view secret, const Scope& scope);
// Hex HMAC-SHA256 of the string to sign under the signing key.
std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign);

// Recomputes the signature of `request` under `secret` and compares it with
// `authorization.signature` in constant time. Unauthenticated ("SignatureDoesNotMatch" in
// AWS's terms) when they differ; InvalidArgument for a malformed request.
Status Verify(const RequestView& request, const Authorization& authorization, std::string_view amz_date,
              std::string_view secret, PathEncoding encoding);

// AWS's URI encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every other byte
// becomes %XX (upper-case hex); '/' stays when `keep_slash`.
std::string UriEncode(std::string_view bytes, bool keep_slash);

}  // namespace labelloop::auth::sigv4
