#include <fmt/format.h>

#include "http/aws_auth.h"
#include "http/aws_json.h"
#include "http/call_util.h"
#include "http/handlers.h"

namespace labelloop::http {
namespace {

constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

struct Target {
  std::string service, operation;
};

Result<Target> ParseTarget(const Request& request) {
  const std::string target = request.get_header_value("X-Amz-Target");
  const size_t dot = target.find('.');
  if (target.empty() || dot == std::string::npos) {
    return AwsError(StatusCode::kInvalidArgument, "UnknownOperationException",
                    "X-Amz-Target must name the service and operation, e.g. AmazonSSM.GetParameter");
  }
  return Target{target.substr(0, dot), target.substr(dot + 1)};
}

Result<AwsJsonOperation> FindOperation(const Target& target) {
  AwsJsonOperation operation = nullptr;
  if (target.service == "AmazonSSM") operation = FindSsmOperation(target.operation);
  if (operation == nullptr) {
    return AwsError(StatusCode::kInvalidArgument, "UnknownOperationException",
                    fmt::format("{}.{} is not served by labelloop (docs/aws.md lists what is)", target.service,
                                target.operation));
  }
  return operation;
}

}  // namespace

void WriteAwsJsonError(Response& response, const Status& status) {
  const AwsErrorReply reply = DescribeAwsError(status, AwsService::kJson);
  response.status = reply.http_status;
  response.set_header("X-Amzn-ErrorType", reply.code);
  response.set_content(nlohmann::json{{"__type", reply.code}, {"message", reply.message}}.dump(
                           -1, ' ', false, nlohmann::json::error_handler_t::replace),
                       kJsonContentType);
}

Status HandleAwsJson(Call& call) {
  ASSIGN_OR_RETURN(std::string body_hash, Sha256OfBody(call.request));
  ASSIGN_OR_RETURN(AwsSignedCaller signed_caller,
                   AuthenticateAwsRequest(call.request, *call.deps.auth, *call.deps.clock, body_hash, AwsService::kJson));
  call.caller = std::move(signed_caller.caller);
  ASSIGN_OR_RETURN(Target target, ParseTarget(call.request));
  ASSIGN_OR_RETURN(AwsJsonOperation operation, FindOperation(target));
  nlohmann::json input = nlohmann::json::object();
  if (!call.request.body.empty()) {
    input = nlohmann::json::parse(call.request.body, nullptr, /*allow_exceptions=*/false);
    if (!input.is_object()) {
      return AwsError(StatusCode::kInvalidArgument, "SerializationException", "the request body is not a JSON object");
    }
  }
  AwsJsonCall json_call{call, input, signed_caller.region};
  ASSIGN_OR_RETURN(nlohmann::json output, operation(json_call));
  call.response.status = 200;
  call.response.set_content(output.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJsonContentType);
  return OkStatus();
}

}  // namespace labelloop::http
