// ApiClient: a small HTTP client for end-to-end tests, speaking labelloop's JSON API with
// a bearer token. Answers carry the status code and the body parsed as JSON (null when it
// is not JSON). Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace httplib { class Client; }

namespace labelloop::e2e {

struct ApiAnswer {
  int status = 0;  // 0 when the request did not complete
  std::string body;
  nlohmann::json json;
};

class ApiClient {
 public:
  ApiClient(const std::string& url, std::string token);
  ~ApiClient();

  ApiAnswer Get(const std::string& path);
  ApiAnswer PutBytes(const std::string& path, const std::string& bytes, const std::string& content_type);
  ApiAnswer PutJson(const std::string& path, const nlohmann::json& body);
  ApiAnswer PostJson(const std::string& path, const nlohmann::json& body);
  ApiAnswer PostBytes(const std::string& path, const std::string& bytes, const std::string& content_type);

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
};

// Percent-encodes everything but RFC 3986's unreserved characters and `also_keep`.
std::string PercentEncode(const std::string& s, const std::string& also_keep = "");

// Percent-encodes an object key for a URL path (keeps '/').
std::string EncodeKeyPath(const std::string& key);

}  // namespace labelloop::e2e
