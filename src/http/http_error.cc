#include "http/http_error.h"

#include <spdlog/spdlog.h>

namespace labelloop::http {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kInsufficientStorage: return 507;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

nlohmann::json ErrorBody(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

void WriteHttpError(Response& response, int http_status, std::string_view code, std::string_view message) {
  response.status = http_status;
  // Replace, not add: an error may follow a half-built success.
  response.headers.erase("Content-Disposition");
  response.headers.erase("ETag");
  response.headers.erase("Content-Range");
  response.body.clear();
  // Replace, never throw: a message may quote a path or a value with invalid UTF-8.
  response.set_content(ErrorBody(code, message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
  // 503 is an expected condition (a dependency not wired, too many streams): not an error.
  if (http_status == 503) {
    spdlog::warn("HTTP 503: {}", message);
  } else if (http_status >= 500) {
    spdlog::error("HTTP {}: {}: {}", http_status, code, message);
  }
}

void WriteError(Response& response, const Status& status) {
  WriteHttpError(response, HttpStatusFor(status.code()), StatusCodeName(status.code()), status.message());
}

}  // namespace labelloop::http
