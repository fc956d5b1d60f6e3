#include "http/request_observer.h"

#include <spdlog/spdlog.h>

#include "common/metrics.h"
#include "http/route_table.h"

namespace labelloop::http {
namespace {

constexpr std::string_view kRequestsTotal = "labelloop_http_requests_total";
constexpr std::string_view kRequestSeconds = "labelloop_http_request_duration_seconds";

// The route pattern a request matched; "unmatched" for 404/405s, so scanners probing random
// paths cannot grow the label set.
std::string RouteLabel(std::string_view method, std::string_view path) {
  PathParams params;
  std::string allowed;
  const Route* route = FindRoute(method, path, params, allowed);
  return route ? std::string(route->pattern) : "unmatched";
}

}  // namespace

void DeclareHttpMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.DeclareCounter(kRequestsTotal, "HTTP requests by route pattern, method and status.");
  metrics.DeclareHistogram(kRequestSeconds, "HTTP request duration by route pattern and method (for event "
                                            "streams: until the stream starts).",
                           {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
}

RequestObserver::RequestObserver(std::string_view method, std::string_view path, std::string_view client_request_id,
                                 const int* status)
    : scope_(IsValidRequestId(client_request_id) ? std::string(client_request_id) : NewRequestId()),
      method_(method),
      path_(path),
      status_(status),
      start_ns_(SteadyNowNs()) {}

RequestObserver::~RequestObserver() {
  static const bool declared = (DeclareHttpMetrics(), true);
  (void)declared;
  const double seconds = SecondsSince(start_ns_);
  const std::string method = method_ == "HEAD" ? "GET" : method_;
  const std::string route = RouteLabel(method, path_);
  Metrics& metrics = Metrics::Global();
  metrics.Increment(kRequestsTotal, {{"route", route}, {"method", method}, {"status", std::to_string(*status_)}});
  metrics.Observe(kRequestSeconds, {{"route", route}, {"method", method}}, seconds);
  spdlog::debug("{} {} -> {} ({:.1f} ms)", method_, path_, *status_, seconds * 1000);
}

}  // namespace labelloop::http
