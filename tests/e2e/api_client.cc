#include "api_client.h"

#include <httplib.h>

namespace labelloop::e2e {
namespace {

ApiAnswer ToAnswer(const httplib::Result& r) {
  ApiAnswer a;
  if (!r) return a;
  a.status = r->status;
  a.body = r->body;
  a.json = nlohmann::json::parse(r->body, nullptr, false);
  if (a.json.is_discarded()) a.json = nullptr;
  return a;
}

}  // namespace

ApiClient::ApiClient(const std::string& url, std::string token)
    : client_(std::make_unique<httplib::Client>(url)), token_(std::move(token)) {
  client_->set_read_timeout(60, 0);
  client_->set_bearer_token_auth(token_.c_str());
}

ApiClient::~ApiClient() = default;

ApiAnswer ApiClient::Get(const std::string& path) { return ToAnswer(client_->Get(path.c_str())); }

ApiAnswer ApiClient::PutBytes(const std::string& path, const std::string& bytes, const std::string& content_type) {
  return ToAnswer(client_->Put(path.c_str(), bytes, content_type.c_str()));
}

ApiAnswer ApiClient::PutJson(const std::string& path, const nlohmann::json& body) {
  return ToAnswer(client_->Put(path.c_str(), body.dump(), "application/json"));
}

ApiAnswer ApiClient::PostJson(const std::string& path, const nlohmann::json& body) {
  return ToAnswer(client_->Post(path.c_str(), body.dump(), "application/json"));
}

ApiAnswer ApiClient::PostBytes(const std::string& path, const std::string& bytes, const std::string& content_type) {
  return ToAnswer(client_->Post(path.c_str(), bytes, content_type.c_str()));
}

std::string PercentEncode(const std::string& s, const std::string& also_keep) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || also_keep.find(char(c)) != std::string::npos) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string EncodeKeyPath(const std::string& key) { return PercentEncode(key, "/"); }

}  // namespace labelloop::e2e
