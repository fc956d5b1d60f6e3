#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/content_hash.h"

namespace labelloop::auth::sigv4 {
namespace {

// AWS's published SigV4 test suite ("AWS Signature Version 4 Test Suite", Copyright 2019
// Amazon.com, Inc. or its affiliates, Apache-2.0; the files botocore's unit tests read):
// each case's request as the suite writes it and the signature in its .authz file. All
// use the suite's example credentials, region us-east-1 and service "service".
constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct SuiteCase {
  std::string_view name;
  std::string_view request;  // request line, headers, blank line, body
  std::string_view signed_headers;
  std::string_view signature;
};

const SuiteCase kSuite[] = {
    {"get-vanilla", "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n", "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-header-value-trim",
     "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\n"
     "X-Amz-Date:20150830T123600Z\n",
     "host;my-header1;my-header2;x-amz-date", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"get-header-key-duplicate",
     "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\n"
     "X-Amz-Date:20150830T123600Z\n",
     "host;my-header1;x-amz-date", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
    {"get-unreserved",
     "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\n"
     "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
     "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get-utf8", "GET /\xE1\x88\xB4 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
     "host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-vanilla-query-order-key-case",
     "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
     "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-vanilla-empty-query-key",
     "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n", "host;x-amz-date",
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
    {"get-vanilla-query-unreserved",
     "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\n"
     "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
     "host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    {"get-vanilla-utf8-query",
     "GET /?\xE1\x88\xB4=bar HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n", "host;x-amz-date",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"post-header-key-sort",
     "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\n",
     "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
    {"post-x-www-form-urlencoded",
     "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\n"
     "X-Amz-Date:20150830T123600Z\n\nParam1=value1",
     "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
};

// A request in the suite's text form, split into what the server receives.
struct ParsedRequest {
  std::string method, path, query, body;
  std::vector<std::pair<std::string, std::string>> headers;
};

ParsedRequest ParseSuiteRequest(std::string_view text) {
  ParsedRequest out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);
  out.method = line.substr(0, line.find(' '));
  std::string target = line.substr(out.method.size() + 1, line.rfind(' ') - out.method.size() - 1);
  size_t question = target.find('?');
  out.path = target.substr(0, question);
  if (question != std::string::npos) out.query = target.substr(question + 1);
  while (std::getline(in, line) && !line.empty()) {
    size_t colon = line.find(':');
    out.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::getline(in, out.body, '\0');
  return out;
}

RequestView View(const ParsedRequest& r, const std::string& payload_hash) {
  return RequestView{r.method, r.path, r.query, r.headers, payload_hash};
}

std::vector<std::string> SplitNames(std::string_view list) {
  std::vector<std::string> names;
  std::string item;
  std::istringstream in{std::string(list)};
  while (std::getline(in, item, ';')) names.push_back(item);
  return names;
}

TEST(SigV4Test, EverySuiteCaseVerifiesAndGivesTheSuitesSignature) {
  for (const SuiteCase& c : kSuite) {
    SCOPED_TRACE(std::string(c.name));
    ParsedRequest request = ParseSuiteRequest(c.request);
    const std::string payload_hash = Sha256Hex(request.body);
    const Scope scope{"20150830", "us-east-1", "service"};
    auto canonical = CanonicalRequest(View(request, payload_hash), SplitNames(c.signed_headers), PathEncoding::kS3);
    ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
    EXPECT_EQ(SignatureHex(SigningKey(kSuiteSecret, scope), StringToSign("20150830T123600Z", scope, *canonical)),
              c.signature)
        << *canonical;
    auto authorization = ParseAuthorization(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
        std::string(c.signed_headers) + ", Signature=" + std::string(c.signature));
    ASSERT_TRUE(authorization.ok()) << authorization.status().ToString();
    EXPECT_TRUE(
        Verify(View(request, payload_hash), *authorization, "20150830T123600Z", kSuiteSecret, PathEncoding::kS3).ok());
  }
}

TEST(SigV4Test, TheSuitesCanonicalRequestIsRebuiltExactly) {
  // get-vanilla-query-order-key-case.creq: the query sorted, headers lower-cased.
  ParsedRequest request = ParseSuiteRequest(kSuite[5].request);
  auto canonical = CanonicalRequest(View(request, Sha256Hex("")), {"host", "x-amz-date"}, PathEncoding::kS3);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// The S3 developer guide's worked example ("GET Object" with a Range header), with the
// guide's own example secret.
constexpr std::string_view kS3GuideSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

TEST(SigV4Test, TheS3GuidesGetObjectExampleVerifies) {
  const std::string empty_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  ParsedRequest request{"GET", "/test.txt", "", "",
                        {{"Host", "examplebucket.s3.amazonaws.com"},
                         {"Range", "bytes=0-9"},
                         {"x-amz-content-sha256", empty_hash},
                         {"x-amz-date", "20130524T000000Z"}}};
  auto authorization = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  ASSERT_TRUE(authorization.ok()) << authorization.status().ToString();
  EXPECT_EQ(authorization->access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(authorization->scope.service, "s3");
  EXPECT_TRUE(Verify(View(request, empty_hash), *authorization, "20130524T000000Z", kS3GuideSecret, PathEncoding::kS3)
                  .ok());
}

TEST(SigV4Test, AnyChangeToWhatIsSignedIsRefused) {
  const SuiteCase& c = kSuite[1];  // get-header-value-trim
  auto authorization = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
      std::string(c.signed_headers) + ", Signature=" + std::string(c.signature));
  ASSERT_TRUE(authorization.ok());
  const std::string hash = Sha256Hex("");
  auto verify = [&](const ParsedRequest& r, std::string_view secret = kSuiteSecret) {
    return Verify(View(r, hash), *authorization, "20150830T123600Z", secret, PathEncoding::kS3);
  };
  const ParsedRequest original = ParseSuiteRequest(c.request);
  ASSERT_TRUE(verify(original).ok());
  EXPECT_EQ(verify(original, "another secret").code(), StatusCode::kUnauthenticated);
  ParsedRequest other_path = original;
  other_path.path = "/other";
  EXPECT_EQ(verify(other_path).code(), StatusCode::kUnauthenticated);
  ParsedRequest other_query = original;
  other_query.query = "a=b";
  EXPECT_EQ(verify(other_query).code(), StatusCode::kUnauthenticated);
  ParsedRequest other_header = original;
  other_header.headers[2].second = "value2";
  EXPECT_EQ(verify(other_header).code(), StatusCode::kUnauthenticated);
  ParsedRequest missing_header = original;
  missing_header.headers.erase(missing_header.headers.begin() + 2);
  EXPECT_EQ(verify(missing_header).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Verify(View(original, Sha256Hex("x")), *authorization, "20150830T123600Z", kSuiteSecret,
                   PathEncoding::kS3)
                .code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(Verify(View(original, hash), *authorization, "20150830T123601Z", kSuiteSecret, PathEncoding::kS3).code(),
            StatusCode::kUnauthenticated);
}

TEST(SigV4Test, MalformedAuthorizationHeadersAreRefusedWithTheReason) {
  const std::string sig(64, 'a');
  const std::string good_credential = "Credential=AK/20150830/us-east-1/s3/aws4_request";
  EXPECT_TRUE(ParseAuthorization("AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=" + sig).ok());
  for (const std::string& bad : {
           std::string("Bearer llt_x"),
           std::string("AWS4-HMAC-SHA256"),
           "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host",
           "AWS4-HMAC-SHA256 Credential=AK/2015083/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sig,
           "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=" + sig,
           "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sig,
           "AWS4-HMAC-SHA256 Credential=AK/20150830//s3/aws4_request, SignedHeaders=host, Signature=" + sig,
           "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=Host, Signature=" + sig,
           "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host;;x, Signature=" + sig,
           "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=" + sig.substr(1),
           "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=" + std::string(64, 'G'),
           "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=" + sig + ", Extra=1",
       }) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseAuthorization(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SigV4Test, HostMustBeSigned) {
  ParsedRequest request = ParseSuiteRequest(kSuite[0].request);
  EXPECT_EQ(CanonicalRequest(View(request, Sha256Hex("")), {"x-amz-date"}, PathEncoding::kS3).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SigV4Test, S3PathsAreEncodedOnceOtherServicesTwice) {
  // The wire path of the S3 key "a b+c" as botocore sends it.
  ParsedRequest request{"GET", "/bucket/a%20b%2Bc", "", "", {{"Host", "h"}}};
  auto s3 = CanonicalRequest(View(request, "UNSIGNED-PAYLOAD"), {"host"}, PathEncoding::kS3);
  auto other = CanonicalRequest(View(request, "UNSIGNED-PAYLOAD"), {"host"}, PathEncoding::kOtherServices);
  ASSERT_TRUE(s3.ok() && other.ok());
  EXPECT_NE(s3->find("\n/bucket/a%20b%2Bc\n"), std::string::npos) << *s3;
  EXPECT_NE(other->find("\n/bucket/a%2520b%252Bc\n"), std::string::npos) << *other;
  // A client that leaves '~' or lower-case escapes in the path signs the same canonical form.
  ParsedRequest lower{"GET", "/bucket/a%20b%2bc", "", "", {{"Host", "h"}}};
  EXPECT_EQ(*CanonicalRequest(View(lower, "UNSIGNED-PAYLOAD"), {"host"}, PathEncoding::kS3), *s3);
}

TEST(SigV4Test, UriEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("a-b_c.d~e/f g+h=i&\xE1", true), "a-b_c.d~e/f%20g%2Bh%3Di%26%E1");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

}  // namespace
}  // namespace labelloop::auth::sigv4
