#include "http/request_observer.h"

#include <spdlog/spdlog.h>

#include "common/metrics.h"
#include "common/request_context.h"

namespace labelloop::http {
namespace {

constexpr std::string_view kRequestsTotal = "labelloop_http_requests_total";
constexpr std::string_view kRequestSeconds = "labelloop_http_request_duration_seconds";

}  // namespace

void DeclareHttpMetrics() {
  static const bool declared = [] {
    Metrics& metrics = Metrics::Global();
    metrics.DeclareCounter(kRequestsTotal, "HTTP requests by route pattern, method and status (\"aborted\": the "
                                           "connection ended before a reply).");
    metrics.DeclareHistogram(kRequestSeconds, "HTTP request duration by route pattern and method, until the reply is "
                                              "handed over (for event streams: until the stream starts).",
                             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    return true;
  }();
  (void)declared;
}

RequestObserver::RequestObserver() : start_ns_(SteadyNowNs()) {}

RequestObserver::~RequestObserver() {
  // A connection closed before its head was complete (a probe, an idle keep-alive) is no
  // request; one closed after it (a body cut off at its limit, a client gone) is counted.
  if (!method_.empty()) Record("aborted");
}

void RequestObserver::AdoptRequestId(std::string_view client_request_id) {
  request_id_ = IsValidRequestId(client_request_id) ? std::string(client_request_id) : NewRequestId();
}

void RequestObserver::Describe(std::string_view method, std::string_view route_pattern) {
  method_ = method == "HEAD" ? "GET" : std::string(method);
  route_ = route_pattern.empty() ? "unmatched" : std::string(route_pattern);
}

void RequestObserver::RecordReply(int status) { Record(std::to_string(status)); }

void RequestObserver::Record(const std::string& status) {
  if (recorded_) return;
  recorded_ = true;
  DeclareHttpMetrics();
  const double seconds = SecondsSince(start_ns_);
  Metrics& metrics = Metrics::Global();
  const std::string method = method_.empty() ? "unknown" : method_;
  metrics.Increment(kRequestsTotal, {{"route", route_}, {"method", method}, {"status", status}});
  metrics.Observe(kRequestSeconds, {{"route", route_}, {"method", method}}, seconds);
}

}  // namespace labelloop::http
