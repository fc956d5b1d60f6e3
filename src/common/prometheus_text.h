// Writes the Prometheus text exposition format (version 0.0.4): one "# HELP" and "# TYPE"
// per family, then its samples with escaped label values. Not thread-safe (one per scrape).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labelloop {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // type: "counter", "gauge" or "histogram". Families must not repeat.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  // `name` may carry a suffix of its family (_bucket, _sum, _count).
  void Sample(std::string_view name, const MetricLabels& labels, double value);

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// "a\"b" -> a\"b with backslash, double quote and newline escaped, as the format wants.
std::string EscapeLabelValue(std::string_view value);

}  // namespace labelloop
