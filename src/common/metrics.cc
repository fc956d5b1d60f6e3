#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace labelloop {

Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics();  // never destroyed: worker threads may record at exit
  return *metrics;
}

void Metrics::DeclareLocked(std::string_view name, std::string_view help, Kind kind,
                            std::vector<double> upper_bounds) {
  if (families_.find(name) != families_.end()) return;
  Family& family = families_[std::string(name)];
  family.help = help;
  family.kind = kind;
  family.upper_bounds = std::move(upper_bounds);
}

void Metrics::DeclareCounter(std::string_view name, std::string_view help) {
  std::lock_guard lock(mu_);
  DeclareLocked(name, help, Kind::kCounter, {});
}

void Metrics::DeclareGauge(std::string_view name, std::string_view help) {
  std::lock_guard lock(mu_);
  DeclareLocked(name, help, Kind::kGauge, {});
}

void Metrics::DeclareHistogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds) {
  std::sort(upper_bounds.begin(), upper_bounds.end());
  std::lock_guard lock(mu_);
  DeclareLocked(name, help, Kind::kHistogram, std::move(upper_bounds));
}

Metrics::Family& Metrics::FindFamilyLocked(std::string_view name, Kind kind) {
  auto it = families_.find(name);
  // stderr directly: a programming error must be seen whatever the logger's set-up.
  if (it == families_.end()) {
    std::fprintf(stderr, "labelloop: metric '%.*s' was recorded before it was declared\n", int(name.size()), name.data());
    std::abort();
  }
  if (it->second.kind != kind) {
    std::fprintf(stderr, "labelloop: metric '%.*s' was recorded as another kind than declared\n", int(name.size()),
                 name.data());
    std::abort();
  }
  return it->second;
}

void Metrics::Increment(std::string_view name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mu_);
  FindFamilyLocked(name, Kind::kCounter).counters[labels] += delta;
}

void Metrics::AddToGauge(std::string_view name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mu_);
  FindFamilyLocked(name, Kind::kGauge).counters[labels] += delta;
}

void Metrics::Observe(std::string_view name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  Family& family = FindFamilyLocked(name, Kind::kHistogram);
  Histogram& histogram = family.histograms[labels];
  if (histogram.bucket_counts.empty()) histogram.bucket_counts.resize(family.upper_bounds.size());
  auto bound = std::lower_bound(family.upper_bounds.begin(), family.upper_bounds.end(), value);
  if (bound != family.upper_bounds.end()) ++histogram.bucket_counts[bound - family.upper_bounds.begin()];
  ++histogram.count;
  histogram.sum += value;
}

void Metrics::Render(PrometheusText& out) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) {
    const char* type = family.kind == Kind::kHistogram ? "histogram" : family.kind == Kind::kGauge ? "gauge" : "counter";
    out.Family(name, type, family.help);
    for (const auto& [labels, value] : family.counters) out.Sample(name, labels, value);
    for (const auto& [labels, histogram] : family.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < family.upper_bounds.size(); ++i) {
        cumulative += histogram.bucket_counts[i];
        MetricLabels with_le = labels;
        with_le.emplace_back("le", fmt::format("{}", family.upper_bounds[i]));
        out.Sample(name + "_bucket", with_le, double(cumulative));
      }
      MetricLabels with_inf = labels;
      with_inf.emplace_back("le", "+Inf");
      out.Sample(name + "_bucket", with_inf, double(histogram.count));
      out.Sample(name + "_sum", labels, histogram.sum);
      out.Sample(name + "_count", labels, double(histogram.count));
    }
  }
}

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double SecondsSince(int64_t steady_start_ns) { return double(SteadyNowNs() - steady_start_ns) / 1e9; }

}  // namespace labelloop
