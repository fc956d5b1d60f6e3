// What the dispatcher does around every request, kept out of server.cc: a request id for
// every log line the request writes (the client's X-Request-Id when well-formed, else a
// fresh one; echoed in the reply), the HTTP metrics by route pattern (never the raw path,
// so label values stay few) and status when the request ends, and a debug access line.
// One per request, on the thread serving it.
#pragma once

#include <string>
#include <string_view>

#include "common/request_context.h"

namespace labelloop::http {

class RequestObserver {
 public:
  // `status` is read when the observer ends (the reply's final status).
  RequestObserver(std::string_view method, std::string_view path, std::string_view client_request_id,
                  const int* status);
  ~RequestObserver();
  RequestObserver(const RequestObserver&) = delete;
  RequestObserver& operator=(const RequestObserver&) = delete;

  const std::string& request_id() const { return scope_.id(); }

 private:
  ScopedRequestId scope_;
  std::string method_;
  std::string path_;
  const int* status_;
  int64_t start_ns_;
};

// Declares the HTTP metric families (idempotent), so they show before the first request.
void DeclareHttpMetrics();

}  // namespace labelloop::http
