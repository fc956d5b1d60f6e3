// What the server does around every request, kept out of server.cc and exchange.cc: the
// request id (the client's X-Request-Id when well-formed, else a fresh one; echoed in the
// reply and put on every log line the request writes, see ScopedRequestId), and the HTTP
// metrics by route pattern (never the raw path, so label values stay few) and status,
// recorded once when the reply is handed over (or when the connection ends without one).
// One per exchange, used on the connection's thread only; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace labelloop::http {

class RequestObserver {
 public:
  // Starts the clock (the request line has arrived).
  RequestObserver();
  ~RequestObserver();  // a request that was never answered counts with status "aborted"
  RequestObserver(const RequestObserver&) = delete;
  RequestObserver& operator=(const RequestObserver&) = delete;

  // The head is complete: keeps the client's id when well-formed, else makes one.
  void AdoptRequestId(std::string_view client_request_id);
  // "" before AdoptRequestId.
  const std::string& request_id() const { return request_id_; }

  // Names the request for the metrics: its method and the route pattern it matched
  // ("" or unmatched: "unmatched", so probes of random paths cannot grow the label set).
  void Describe(std::string_view method, std::string_view route_pattern);
  // The reply is handed over with this status: counts the request and its duration (for
  // event streams: until the stream starts). Only the first call counts.
  void RecordReply(int status);

 private:
  void Record(const std::string& status);

  std::string request_id_;
  std::string method_;
  std::string route_ = "unmatched";
  int64_t start_ns_;
  bool recorded_ = false;
};

// Declares the HTTP metric families (idempotent), so they show before the first request.
void DeclareHttpMetrics();

}  // namespace labelloop::http
