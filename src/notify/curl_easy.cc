#include "notify/curl_easy.h"

#include <fmt/format.h>

#include <cstring>
#include <mutex>

namespace labelloop::notify::curl {
namespace {

CURLcode GlobalInit() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return code;
}

Status StatusOf(CURLcode code, long response_code, const char* detail, std::string_view what) {
  const std::string message =
      fmt::format("{}: {}{}{}", what, curl_easy_strerror(code), *detail != '\0' ? " (" : "",
                  *detail != '\0' ? std::string(detail) + ")" : std::string());
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return InvalidArgumentError(message);
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      return PermissionDeniedError(message + "; check the username and password");
    case CURLE_USE_SSL_FAILED:
      return FailedPreconditionError(message +
                                     "; the server does not offer STARTTLS (set require_starttls to false to send "
                                     "without TLS, or use an smtps:// URL)");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return FailedPreconditionError(message + "; the server's certificate was not accepted");
    case CURLE_OUT_OF_MEMORY:
      return ResourceExhaustedError(message);
    default:
      break;
  }
  // An SMTP server's permanent refusal (5xx: unknown recipient, message refused) will not
  // change on retry; a transient one (4xx) may.
  if (response_code >= 500 && response_code < 600) {
    return FailedPreconditionError(fmt::format("{}; the server replied {}", message, response_code));
  }
  return UnavailableError(message);
}

}  // namespace

Result<CurlEasy> CurlEasy::Create() {
  if (const CURLcode code = GlobalInit(); code != CURLE_OK) {
    return InternalError(fmt::format("initialising libcurl: {}", curl_easy_strerror(code)));
  }
  CURL* handle = curl_easy_init();
  if (handle == nullptr) return InternalError("libcurl could not create a handle");
  return CurlEasy(handle);
}

CurlEasy::CurlEasy(CURL* handle) : handle_(handle) {
  Set(CURLOPT_ERRORBUFFER, error_buffer_);
  Set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we run on worker threads
}

CurlEasy::CurlEasy(CurlEasy&& other) noexcept : handle_(other.handle_), setopt_error_(other.setopt_error_) {
  other.handle_ = nullptr;
  // The error buffer lives in the object: point the handle at this one.
  if (handle_ != nullptr) curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_buffer_);
}

CurlEasy::~CurlEasy() {
  if (handle_ != nullptr) curl_easy_cleanup(handle_);
}

Status CurlEasy::Perform(std::string_view what) {
  if (setopt_error_ != CURLE_OK) {
    return InternalError(fmt::format("{}: setting a libcurl option failed: {}", what, curl_easy_strerror(setopt_error_)));
  }
  error_buffer_[0] = '\0';
  const CURLcode code = curl_easy_perform(handle_);
  if (code == CURLE_OK) return OkStatus();
  long response_code = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &response_code);
  return StatusOf(code, response_code, error_buffer_, what);
}

bool CurlList::Append(const std::string& item) {
  curl_slist* next = curl_slist_append(list_, item.c_str());
  if (next == nullptr) return false;
  list_ = next;
  return true;
}

}  // namespace labelloop::notify::curl
