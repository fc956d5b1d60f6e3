// The one Status -> HTTP mapping, and the one error body shape:
//   {"error": {"code": "not_found", "message": "object 'x' does not exist"}}
// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/FailedPrecondition 409, ResourceExhausted 429, Unavailable 503,
// InsufficientStorage 507 (disk full or read-only), else 500.
// Writing an error never throws on the text it carries: invalid UTF-8 is replaced.
// Thread-safe (stateless).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "http/request.h"

namespace labelloop::http {

int HttpStatusFor(StatusCode code);

nlohmann::json ErrorBody(std::string_view code, std::string_view message);

// Sets status, JSON body and content type from a non-OK status. 5xx are logged.
void WriteError(Response& response, const Status& status);
// For errors that are not a Status (404 no route, 405, 413): explicit HTTP code and name.
void WriteHttpError(Response& response, int http_status, std::string_view code, std::string_view message);

}  // namespace labelloop::http
