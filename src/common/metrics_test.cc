// The Prometheus text writer and the in-memory registry: escaping, counters by labels,
// cumulative histogram buckets with +Inf, _sum and _count.
#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace labelloop {
namespace {

TEST(PrometheusTextTest, FamiliesSamplesAndEscapedLabels) {
  PrometheusText out;
  out.Family("labelloop_things_total", "counter", "Things.\nSecond line");
  out.Sample("labelloop_things_total", {{"label", "a\"b\\c\nd"}}, 3);
  out.Sample("labelloop_ratio", {}, 0.25);
  EXPECT_EQ(out.text(),
            "# HELP labelloop_things_total Things.\\nSecond line\n"
            "# TYPE labelloop_things_total counter\n"
            "labelloop_things_total{label=\"a\\\"b\\\\c\\nd\"} 3\n"
            "labelloop_ratio 0.25\n");
}

TEST(MetricsTest, CountersAndHistogramsRenderInTheExpositionFormat) {
  Metrics metrics;
  metrics.DeclareCounter("test_requests_total", "Requests.");
  metrics.DeclareHistogram("test_seconds", "Latency.", {0.5, 0.1, 1});  // sorted on declaration
  metrics.Increment("test_requests_total", {{"status", "200"}});
  metrics.Increment("test_requests_total", {{"status", "200"}}, 2);
  metrics.Increment("test_requests_total", {{"status", "404"}});
  metrics.Observe("test_seconds", {{"route", "/x"}}, 0.05);
  metrics.Observe("test_seconds", {{"route", "/x"}}, 0.7);
  metrics.Observe("test_seconds", {{"route", "/x"}}, 5);
  PrometheusText out;
  metrics.Render(out);
  const std::string& text = out.text();
  EXPECT_NE(text.find("# TYPE test_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_requests_total{status=\"200\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_requests_total{status=\"404\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE test_seconds histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"0.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_seconds_sum{route=\"/x\"} 5.75\n"), std::string::npos) << text;
  EXPECT_NE(text.find("test_seconds_count{route=\"/x\"} 3\n"), std::string::npos) << text;
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Metrics metrics;
  metrics.DeclareCounter("test_total", "Concurrent.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) metrics.Increment("test_total", {});
    });
  }
  for (auto& thread : threads) thread.join();
  PrometheusText out;
  metrics.Render(out);
  EXPECT_NE(out.text().find("test_total 4000\n"), std::string::npos) << out.text();
}

TEST(MetricsTest, GaugesGoUpAndDown) {
  Metrics metrics;
  metrics.DeclareGauge("test_in_flight", "In flight.");
  metrics.AddToGauge("test_in_flight", {}, 1);
  metrics.AddToGauge("test_in_flight", {}, 1);
  metrics.AddToGauge("test_in_flight", {}, -1);
  PrometheusText out;
  metrics.Render(out);
  EXPECT_NE(out.text().find("# TYPE test_in_flight gauge\n"), std::string::npos) << out.text();
  EXPECT_NE(out.text().find("test_in_flight 1\n"), std::string::npos) << out.text();
}

TEST(MetricsDeathTest, AnUndeclaredMetricIsAProgrammingError) {
  Metrics metrics;
  EXPECT_DEATH(metrics.Increment("never_declared_total", {}), "never_declared_total");
}

TEST(MetricsDeathTest, RecordingAsAnotherKindIsAProgrammingError) {
  Metrics metrics;
  metrics.DeclareCounter("test_total", "A counter.");
  EXPECT_DEATH(metrics.AddToGauge("test_total", {}, -1), "another kind");
}

}  // namespace
}  // namespace labelloop
