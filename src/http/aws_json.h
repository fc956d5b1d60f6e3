// The JSON-protocol AWS services on one endpoint, POST /aws (--endpoint-url
// http://HOST:PORT/aws), dispatched on X-Amz-Target ("AmazonSSM.GetParameter", ...). The
// signature covers the body's hash, so it is checked once the body is in (held in memory,
// at most max_memory_body_bytes, which bounds what an unauthenticated request can cost).
// Errors are AWS JSON 1.1's: {"__type": "ParameterNotFound", "message": ...} with
// X-Amzn-ErrorType. Thread-safe (stateless).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "http/route.h"

namespace labelloop::http {

// What an operation of a JSON-protocol service sees: the call (caller set) and the parsed
// request body; it returns the response body.
struct AwsJsonCall {
  Call& call;
  const nlohmann::json& input;
  std::string_view region;  // the signature's region (for ARNs)
};
using AwsJsonOperation = Result<nlohmann::json> (*)(AwsJsonCall& call);

// The SSM Parameter Store operation `name` ("GetParameter", ...), nullptr when not served
// (aws_ssm.cc).
AwsJsonOperation FindSsmOperation(std::string_view name);

// Sets the AWS JSON 1.1 error reply for `status` (aws_auth.h DescribeAwsError).
void WriteAwsJsonError(Response& response, const Status& status);

}  // namespace labelloop::http
