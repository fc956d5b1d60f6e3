// libcurl for the notify sinks (internal to src/notify: no curl type leaves this folder).
// CurlEasy owns one easy handle for one transfer; libcurl's global state is initialised
// once, thread-safely, by the first handle. Results become Status values: Unavailable for
// what a retry may cure (connection refused, timeouts, DNS, TLS handshakes, 4xx replies of
// an SMTP server), other codes for what it cannot (malformed URL, login denied, no
// STARTTLS, certificate rejected, 5xx replies of an SMTP server). One handle per thread.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace labelloop::notify::curl {

class CurlEasy {
 public:
  // Internal when libcurl cannot allocate a handle.
  static Result<CurlEasy> Create();
  CurlEasy(CurlEasy&& other) noexcept;
  CurlEasy& operator=(CurlEasy&&) = delete;
  CurlEasy(const CurlEasy&) = delete;
  ~CurlEasy();

  CURL* get() const { return handle_; }
  // Sets an option; a failure (an option this libcurl lacks) is kept and returned by Perform.
  template <typename T>
  void Set(CURLoption option, T value) {
    const CURLcode code = curl_easy_setopt(handle_, option, value);
    if (code != CURLE_OK && setopt_error_ == CURLE_OK) setopt_error_ = code;
  }
  // Runs the transfer. `what` names it in errors ("sending e-mail to smtp://host:25").
  Status Perform(std::string_view what);

 private:
  explicit CurlEasy(CURL* handle);

  CURL* handle_ = nullptr;
  CURLcode setopt_error_ = CURLE_OK;
  char error_buffer_[CURL_ERROR_SIZE] = {0};
};

// Owns a curl_slist.
class CurlList {
 public:
  CurlList() = default;
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  ~CurlList() { curl_slist_free_all(list_); }
  // false when libcurl could not allocate.
  bool Append(const std::string& item);
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace labelloop::notify::curl
