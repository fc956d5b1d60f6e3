#include "bench_util.h"

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "vision/image_decoder.h"

namespace labelloop::bench {
namespace fs = std::filesystem;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  size_t rank = size_t(std::ceil(q * double(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

RssMiB ReadRss() {
  RssMiB out;
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    fields >> key >> kib;
    if (key == "VmRSS:") out.current = kib / 1024;
    if (key == "VmHWM:") out.peak = kib / 1024;
  }
  return out;
}

bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return bool(out);
}

std::vector<ImageFile> ListImages(const std::string& dir) {
  std::vector<ImageFile> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || !vision::HasImageExtension(it->path().filename().string())) continue;
    fs::path relative = fs::relative(it->path(), dir);
    std::string label = std::distance(relative.begin(), relative.end()) > 1 ? relative.begin()->string() : "";
    out.push_back({it->path().string(), label});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

double LoadAverage1m() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

std::string FormatRows(const std::vector<Row>& rows) {
  std::vector<std::vector<std::string>> cells = {{"FIGURE", "VALUE", "TARGET", "RESULT"}};
  for (const auto& r : rows) {
    cells.push_back({r.figure, r.value, r.target.empty() ? "-" : r.target,
                     !r.pass.has_value() ? "-" : (*r.pass ? "PASS" : "FAIL")});
  }
  std::vector<size_t> widths(4, 0);
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t i = 0; i < cells[r].size(); ++i) {
      out += cells[r][i];
      if (i + 1 < cells[r].size()) out += std::string(widths[i] - cells[r][i].size() + 2, ' ');
    }
    out += "\n";
    if (r == 0) {
      size_t total = 0;
      for (size_t w : widths) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
  }
  return out;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary folder " + pattern);
  return pattern;
}

}  // namespace labelloop::bench
