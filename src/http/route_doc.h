// What the OpenAPI description (openapi.h) says of a route beyond its method, pattern and
// roles: a summary, the query parameters, the request and response bodies (schema names
// of openapi_schemas.h, or a media type for bodies that are not JSON) and the error
// statuses that are particular to it. Routing never reads it. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace labelloop::http {

struct QueryParam {
  QueryParam(std::string_view name, std::string_view type, std::string_view description, bool required = false,
             bool deprecated = false)
      : name(name), type(type), description(description), required(required), deprecated(deprecated) {}

  std::string_view name;
  std::string_view type;  // "string", "integer", "number" or "boolean"
  std::string_view description;
  bool required = false;
  bool deprecated = false;  // an older name kept as an alias (docs/api.md)
};

// Written in the route table as Doc("summary").Query({...}).Accepts("X").Returns("Y")...
struct RouteDoc {
  RouteDoc() = default;
  explicit RouteDoc(std::string_view summary) : summary(summary) {}
  RouteDoc Query(std::vector<QueryParam> params) && { query = std::move(params); return std::move(*this); }
  RouteDoc Accepts(std::string_view body) && { request = body; return std::move(*this); }
  RouteDoc Returns(std::string_view body, int status = 200) && {
    response = body;
    success_status = status;
    return std::move(*this);
  }
  RouteDoc Also(std::vector<int> statuses) && { extra_statuses = std::move(statuses); return std::move(*this); }
  // Statuses answered with the success body too (202 pending, 503 not ready, 206 a range).
  RouteDoc AlsoWithBody(std::vector<int> statuses) && {
    same_body_statuses = std::move(statuses);
    return std::move(*this);
  }

  std::string_view summary;
  std::vector<QueryParam> query;
  // A schema name ("ParameterWrite"), a media type ("application/octet-stream",
  // "multipart/form-data") for a body that is not JSON, or "" for no body.
  std::string_view request;
  // The success body: a schema name, a media type ("text/html", "text/event-stream",
  // "application/octet-stream"), or "" for no body (204).
  std::string_view response;
  int success_status = 200;
  // Statuses this route answers beyond those every route of its kind does (401/403 for
  // non-open routes, 400 with parameters or a body, 404 with path parameters, 413 with a
  // body, 503 and 500 for any): e.g. 409, 429, 204 (nothing to return).
  std::vector<int> extra_statuses;
  std::vector<int> same_body_statuses;
};

}  // namespace labelloop::http
