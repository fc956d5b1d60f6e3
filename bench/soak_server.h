// SoakServer: the real `labelloop serve` that a crash soak kills (SIGKILL) and restarts on
// the same data folder, and a client side that rides over the restarts: every call is
// retried until the server answers, on whatever port it came back on. The server's port
// changes at each start, so callers ask for the URL per request. Thread-safe: the killer
// thread restarts while the driver thread calls.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../tests/e2e/api_client.h"
#include "../tests/e2e/server_process.h"

namespace labelloop::soak {

class SoakServer {
 public:
  SoakServer(std::string binary, std::string data_dir, std::vector<std::string> extra_args = {});

  // Starts the server; false (and the log in `error`) when it does not come up.
  bool Start(std::string* error);
  // SIGKILL, then start again on the same folder. false (and `error`) when it does not come up.
  bool KillAndRestart(std::string* error);
  // SIGTERM; the exit code.
  int Stop();
  // The URL of the running server ("" while it is being restarted: callers retry).
  std::string url() const;
  std::string log() const;
  int starts() const;

 private:
  mutable std::mutex mu_;
  std::unique_ptr<e2e::ServerProcess> process_;  // GUARDED_BY(mu_)
  std::string url_;                              // GUARDED_BY(mu_)
  int starts_ = 0;                               // GUARDED_BY(mu_)
};

// An API client over a SoakServer: each call is retried (up to `timeout_s`) while the
// request does not complete (status 0: the server is down or restarting) or answers 503.
// Any other status is returned as is. Not thread-safe: one per thread.
class RetryingApi {
 public:
  RetryingApi(const SoakServer& server, std::string token, int timeout_s = 180);

  e2e::ApiAnswer Get(const std::string& path);
  e2e::ApiAnswer PutBytes(const std::string& path, const std::string& bytes, const std::string& content_type);
  e2e::ApiAnswer PutJson(const std::string& path, const nlohmann::json& body);
  e2e::ApiAnswer PostJson(const std::string& path, const nlohmann::json& body);
  // Calls that did not complete and were sent again (a lost reply is one of these).
  int retries() const { return retries_; }

 private:
  e2e::ApiAnswer Call(const std::function<e2e::ApiAnswer(e2e::ApiClient&)>& call, const std::string& what);

  const SoakServer& server_;
  std::string token_;
  int timeout_s_;
  std::string client_url_;
  std::unique_ptr<e2e::ApiClient> client_;
  int retries_ = 0;
};

}  // namespace labelloop::soak
