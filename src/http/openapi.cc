#include "http/openapi.h"

#include <fmt/format.h>

#include <set>

#include "http/openapi_schemas.h"

namespace labelloop::http {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kApiPrefix = "/api/";

std::string_view ReasonFor(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No content";
    case 206: return "Partial content: the one range the Range header asked for";
    case 304: return "Not modified (the ETag matches If-None-Match)";
    case 400: return "Invalid argument: a bad parameter, key or body (the message names it)";
    case 401: return "Unauthenticated: no credentials, or a wrong, expired or revoked token or session";
    case 403: return "Permission denied: the caller's role may not call this, or the CSRF token is missing or wrong";
    case 404: return "Not found";
    case 409: return "Conflict: the name is taken, or the state does not allow it";
    case 413: return "The request body is larger than the upload limit (detect: or the image is above the decoder's "
                     "pixel limits)";
    case 415: return "Compressed request bodies (Content-Encoding) are not accepted";
    case 416: return "The Range header asks for bytes the object does not have";
    case 429: return "Too many failed sign-ins (Retry-After says how long to wait)";
    case 500: return "Internal error (details in the server log)";
    case 503: return "Unavailable: a part of the server is not configured, or it is busy; retry later";
    case 507: return "Insufficient storage: the disk is full; nothing was stored";
    default: return "See the message";
  }
}

bool IsJsonSchemaName(std::string_view body) { return !body.empty() && body.find('/') == std::string_view::npos; }

Json SchemaRefTo(std::string_view name) { return {{"$ref", fmt::format("#/components/schemas/{}", name)}}; }

// The content of a body: a JSON schema reference or a media type of raw bytes/text.
Json BodyContent(std::string_view body) {
  if (IsJsonSchemaName(body)) return {{"application/json", {{"schema", SchemaRefTo(body)}}}};
  Json schema = {{"type", "string"}};
  if (body == "application/octet-stream") schema["format"] = "binary";
  if (body == "multipart/form-data") {
    schema = {{"type", "object"},
              {"properties", {{"prefix", {{"type", "string"}, {"description", "put in front of every file name"}}},
                              {"file", {{"type", "array"}, {"items", {{"type", "string"}, {"format", "binary"}}}}}}}};
  }
  return {{std::string(body), {{"schema", schema}}}};
}

Json ErrorResponse(int status) {
  return {{"description", ReasonFor(status)}, {"content", {{"application/json", {{"schema", SchemaRefTo("Error")}}}}}};
}

Json Responses(const Route& route, bool has_path_params) {
  const RouteDoc& doc = route.doc;
  Json responses = Json::object();
  Json success = {{"description", ReasonFor(doc.success_status)}};
  if (!doc.response.empty()) success["content"] = BodyContent(doc.response);
  responses[std::to_string(doc.success_status)] = success;
  for (int status : doc.same_body_statuses) {
    Json same = success;
    same["description"] = ReasonFor(status);
    responses[std::to_string(status)] = std::move(same);
  }
  std::set<int> errors(doc.extra_statuses.begin(), doc.extra_statuses.end());
  if (!route.access.open) errors.insert({401, 403});
  if (route.method != "GET" && route.method != "DELETE") errors.insert(403);  // CSRF with a session cookie
  if (!doc.query.empty() || !doc.request.empty() || has_path_params) errors.insert(400);
  if (has_path_params) errors.insert(404);
  if (!doc.request.empty()) errors.insert({413, 415});
  // Bodies streamed to disk (uploads, detect images) meet a full disk.
  if (doc.request == "application/octet-stream" || doc.request == "multipart/form-data") errors.insert(507);
  errors.insert({500, 503});
  for (int status : errors) {
    if (status == 204 || status == 304) {
      responses[std::to_string(status)] = {{"description", ReasonFor(status)}};
    } else if (!responses.contains(std::to_string(status))) {
      responses[std::to_string(status)] = ErrorResponse(status);
    }
  }
  return responses;
}

Json Parameters(const Route& route, const std::vector<std::string>& path_params) {
  Json parameters = Json::array();
  for (const std::string& name : path_params) {
    bool rest = route.pattern.find("{" + name + "+}") != std::string_view::npos ||
                route.pattern.find("{" + name + "*}") != std::string_view::npos;
    parameters.push_back({{"name", name},
                          {"in", "path"},
                          {"required", true},
                          {"description", rest ? "the rest of the path; may contain '/' (percent-encode other "
                                                 "special characters)"
                                               : "one path segment"},
                          {"schema", {{"type", "string"}}}});
  }
  for (const QueryParam& query : route.doc.query) {
    Json parameter = {{"name", query.name},
                      {"in", "query"},
                      {"required", query.required},
                      {"description", query.description},
                      {"schema", {{"type", query.type}}}};
    if (query.deprecated) parameter["deprecated"] = true;
    parameters.push_back(std::move(parameter));
  }
  return parameters;
}

std::vector<std::string> Roles(const Access& access) {
  if (access.open) return {"anyone"};
  if (access.open_when_metrics_open) return {"admin", "reviewer", "consumer", "anyone when configured open"};
  std::vector<std::string> roles = {"admin"};
  if (access.reviewer) roles.push_back("reviewer");
  if (access.consumer) roles.push_back("consumer");
  return roles;
}

// "get /api/v1/objects/{key+}" -> "getApiV1ObjectsKey"-like id, unique per method and path.
std::string OperationId(const Route& route) {
  std::string id(route.method);
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upper = true;
  for (char c : route.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else if (c != '+' && c != '*') {
      upper = true;
    }
  }
  return id == "get" ? "getRoot" : id;
}

std::string Tag(std::string_view pattern) {
  if (!pattern.starts_with(kApiPrefix)) return "web";
  std::string_view rest = pattern.substr(std::string_view("/api/v1/").size());
  return std::string(rest.substr(0, rest.find('/')));
}

Json Operation(const Route& route) {
  std::vector<std::string> path_params = PathParamNames(route.pattern);
  Json operation = {{"operationId", OperationId(route)},
                    {"summary", route.doc.summary},
                    {"description", fmt::format("Roles: {}.", route.access.Describe())},
                    {"tags", {Tag(route.pattern)}},
                    {"x-roles", Roles(route.access)},
                    {"parameters", Parameters(route, path_params)},
                    {"responses", Responses(route, !path_params.empty())}};
  // Open routes need no credentials; the others take either scheme.
  operation["security"] = route.access.open ? Json::array() : Json::array({{{"bearer", Json::array()}},
                                                                          {{"session", Json::array()}}});
  if (!route.doc.request.empty()) {
    operation["requestBody"] = {{"required", true}, {"content", BodyContent(route.doc.request)}};
  }
  return operation;
}

}  // namespace

std::string OpenApiPath(std::string_view pattern) {
  std::string path;
  for (char c : pattern) {
    if (c != '+' && c != '*') path += c;
  }
  return path;
}

std::vector<std::string> PathParamNames(std::string_view pattern) {
  std::vector<std::string> names;
  for (size_t open = pattern.find('{'); open != std::string_view::npos; open = pattern.find('{', open + 1)) {
    size_t close = pattern.find('}', open);
    std::string name(pattern.substr(open + 1, close - open - 1));
    if (!name.empty() && (name.back() == '+' || name.back() == '*')) name.pop_back();
    names.push_back(std::move(name));
  }
  return names;
}

nlohmann::json BuildOpenApi(const std::vector<Route>& routes, std::string_view server_version) {
  Json paths = Json::object();
  for (const Route& route : routes) {
    std::string method(route.method);
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[OpenApiPath(route.pattern)][method] = Operation(route);
  }
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "labelloop"},
        {"version", server_version},
        {"description", "Custom image labels that improve themselves: the REST API of `labelloop serve`. "
                        "Generated from the server's route table; docs/api.md explains the conventions."}}},
      {"servers", {{{"url", "/"}}}},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", ApiSchemas()},
        {"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"description", "an API token (llt_...)"}}},
          {"session",
           {{"type", "apiKey"},
            {"in", "cookie"},
            {"name", "labelloop_session"},
            {"description", "the session cookie of POST /api/v1/session; state-changing calls also send "
                            "X-CSRF-Token"}}}}}}},
  };
}

}  // namespace labelloop::http
