// Helpers for labelloop_bench: wall-clock timing, percentiles, process memory, image
// files on disk, and the result table. Not thread-safe unless noted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::bench {

// Seconds since construction (steady clock).
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// CPU seconds (user + system) this process has used, all threads. Beside wall time it
// shows how much of a slow figure was the machine being busy with other work.
double CpuSeconds();

// The q-quantile (0..1, nearest rank) of `values`. REQUIRES: !values.empty().
double Percentile(std::vector<double> values, double q);

// This process's resident set now (VmRSS) and its peak since start or the last
// ResetPeakRss (VmHWM), in MiB, from /proc/self/status. Thread-safe.
struct RssMiB {
  double current = 0;
  double peak = 0;
};
RssMiB ReadRss();
// Resets VmHWM to the current RSS (/proc/self/clear_refs, Linux >= 4.0). False when the
// kernel refuses; the peak then includes everything before.
bool ResetPeakRss();

// Image files under `dir` (recursive, sorted). A file's label is its first folder under
// `dir` ("" for files directly in it).
struct ImageFile {
  std::string path;
  std::string label;
};
std::vector<ImageFile> ListImages(const std::string& dir);

// Load average over the last minute (/proc/loadavg), to judge how busy the machine was.
double LoadAverage1m();

// A figure of the result table. `pass` is empty for figures without a target.
struct Row {
  std::string figure;
  std::string value;
  std::string target;
  std::optional<bool> pass;
};
// The table, with a RESULT column of PASS / FAIL / "-", columns padded.
std::string FormatRows(const std::vector<Row>& rows);

// A fresh folder under $TMPDIR (or /tmp), named `prefix`XXXXXX.
std::string MakeTempDir(const std::string& prefix);

}  // namespace labelloop::bench
