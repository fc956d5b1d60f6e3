// Metrics: the process's counters and histograms for GET /metrics, kept in memory (they
// start at zero with the process, as Prometheus expects of counters). Families are
// declared once (name, help, histogram bounds); samples are keyed by label values.
// Figures that live in the database (queue depths, detections logged) are read at scrape
// time instead (http/metrics_route.cc). Thread-safe: one mutex, held for a map update.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/prometheus_text.h"

namespace labelloop {

class Metrics {
 public:
  // The process-wide registry (the server has one set of figures per process).
  static Metrics& Global();

  // Declaring a family twice keeps the first declaration.
  void DeclareCounter(std::string_view name, std::string_view help);
  void DeclareHistogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds);
  // A gauge: a value that goes up and down (requests in flight), moved by AddToGauge.
  void DeclareGauge(std::string_view name, std::string_view help);

  // REQUIRES: the family was declared (an undeclared name aborts: a programming error).
  void Increment(std::string_view name, const MetricLabels& labels, double delta = 1);
  void Observe(std::string_view name, const MetricLabels& labels, double value);
  void AddToGauge(std::string_view name, const MetricLabels& labels, double delta);

  // Appends every declared family with its samples.
  void Render(PrometheusText& out) const;

 private:
  struct Histogram {
    std::vector<uint64_t> bucket_counts;  // per upper bound, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    std::string help;
    Kind kind = Kind::kCounter;
    std::vector<double> upper_bounds;
    std::map<MetricLabels, double> counters;  // and gauges
    std::map<MetricLabels, Histogram> histograms;
  };

  void DeclareLocked(std::string_view name, std::string_view help, Kind kind, std::vector<double> upper_bounds);
  Family& FindFamilyLocked(std::string_view name, Kind kind);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // GUARDED_BY(mu_)
};

// Seconds between two steady_clock readings, for latency histograms.
double SecondsSince(int64_t steady_start_ns);
int64_t SteadyNowNs();

}  // namespace labelloop
