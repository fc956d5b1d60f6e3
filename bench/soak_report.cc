// The crash soak's printed report (FormatReport in soak_checks.h).
#include <cstdio>

#include "soak_checks.h"

namespace labelloop::soak {

std::string FormatReport(const SoakReport& report) {
  std::string out = "\ncrash_soak: seed " + std::to_string(report.seed) + "\nkills:\n";
  char buf[256];
  for (const KillRecord& k : report.kills) {
    std::snprintf(buf, sizeof buf, "  %2d  at %7.1f s  %-18s +%5d ms  back in %.1f s\n", k.index, k.at_s,
                  k.phase.c_str(), k.delay_ms, k.restart_s);
    out += buf;
  }
  size_t w0 = 5, w1 = 8;
  for (const SoakRow& r : report.rows) {
    w0 = std::max(w0, r.check.size());
    w1 = std::max(w1, r.expected.size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    return a + std::string(w0 - a.size() + 2, ' ') + b + std::string(w1 - b.size() + 2, ' ') + c + "  " + d + "\n";
  };
  out += "\n" + line("CHECK", "EXPECTED", "MEASURED", "RESULT");
  for (const SoakRow& r : report.rows) {
    out += line(r.check, r.expected, r.measured, r.pass ? (*r.pass ? "PASS" : "FAIL") : "-");
  }
  if (!report.notes.empty()) {
    out += "\nnotes:\n";
    for (const std::string& n : report.notes) out += "  - " + n + "\n";
  }
  std::snprintf(buf, sizeof buf, "\nwall time %.0f s; %s\n", report.wall_s, report.AllPassed() ? "ALL PASS" : "SOME CHECKS FAIL");
  out += buf;
  return out;
}

}  // namespace labelloop::soak
