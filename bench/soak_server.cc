#include "soak_server.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace labelloop::soak {

SoakServer::SoakServer(std::string binary, std::string data_dir, std::vector<std::string> extra_args)
    : process_(std::make_unique<e2e::ServerProcess>(
          std::move(binary), std::move(data_dir), std::move(extra_args),
          std::map<std::string, std::string>{{"LABELLOOP_ADMIN_PASSWORD", "crash-soak-admin"}})) {}

bool SoakServer::Start(std::string* error) {
  std::lock_guard lock(mu_);
  ++starts_;
  if (!process_->Start(120)) {
    *error = process_->log();
    return false;
  }
  url_ = process_->url();
  return true;
}

bool SoakServer::KillAndRestart(std::string* error) {
  std::lock_guard lock(mu_);
  url_.clear();
  process_->Kill();
  ++starts_;
  if (!process_->Start(120)) {
    *error = process_->log();
    return false;
  }
  url_ = process_->url();
  return true;
}

int SoakServer::Stop() {
  std::lock_guard lock(mu_);
  url_.clear();
  return process_->Terminate(60);
}

std::string SoakServer::url() const {
  std::lock_guard lock(mu_);
  return url_;
}

std::string SoakServer::log() const {
  std::lock_guard lock(mu_);
  return process_->log();
}

int SoakServer::starts() const {
  std::lock_guard lock(mu_);
  return starts_;
}

RetryingApi::RetryingApi(const SoakServer& server, std::string token, int timeout_s)
    : server_(server), token_(std::move(token)), timeout_s_(timeout_s) {}

e2e::ApiAnswer RetryingApi::Call(const std::function<e2e::ApiAnswer(e2e::ApiClient&)>& call, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s_);
  while (true) {
    const std::string url = server_.url();
    if (!url.empty()) {
      if (url != client_url_) {
        client_ = std::make_unique<e2e::ApiClient>(url, token_);
        client_url_ = url;
      }
      e2e::ApiAnswer answer = call(*client_);
      if (answer.status != 0 && answer.status != 503) return answer;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error(what + ": no answer from the server within " + std::to_string(timeout_s_) + " s");
    }
    ++retries_;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

e2e::ApiAnswer RetryingApi::Get(const std::string& path) {
  return Call([&](e2e::ApiClient& c) { return c.Get(path); }, "GET " + path);
}

e2e::ApiAnswer RetryingApi::PutBytes(const std::string& path, const std::string& bytes, const std::string& content_type) {
  return Call([&](e2e::ApiClient& c) { return c.PutBytes(path, bytes, content_type); }, "PUT " + path);
}

e2e::ApiAnswer RetryingApi::PutJson(const std::string& path, const nlohmann::json& body) {
  return Call([&](e2e::ApiClient& c) { return c.PutJson(path, body); }, "PUT " + path);
}

e2e::ApiAnswer RetryingApi::PostJson(const std::string& path, const nlohmann::json& body) {
  return Call([&](e2e::ApiClient& c) { return c.PostJson(path, body); }, "POST " + path);
}

}  // namespace labelloop::soak
