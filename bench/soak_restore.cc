// The crash soak's backup/restore round trip (CheckRestore in soak_checks.h).
#include <cstdio>
#include <map>

#include "../tests/cli/cli_runner.h"
#include "soak_checks.h"

namespace labelloop::soak {
namespace {

using nlohmann::json;

cli_test::CommandResult RunCli(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  cli_test::RunOptions options;
  options.env["LABELLOOP_DATA"] = std::nullopt;
  options.timeout_s = 600;
  return cli_test::RunCommand(argv, options);
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// The first element of two arrays that differs, for the report's notes.
std::string FirstDifference(const json& got, const json& expected) {
  if (!got.is_array() || !expected.is_array()) return "got " + got.dump().substr(0, 300);
  for (size_t i = 0; i < std::max(got.size(), expected.size()); ++i) {
    const json g = i < got.size() ? got[i] : json(), e = i < expected.size() ? expected[i] : json();
    if (g != e) return "#" + std::to_string(i) + ": got " + g.dump().substr(0, 300) + ", expected " + e.dump().substr(0, 300);
  }
  return "";
}

// A quiescent backup: the restored server answers exactly what the original answered.
void CompareState(RetryingApi& api, const json& expected, const std::string& tag, SoakReport& report) {
  const json state = ComparableState(api);
  for (const char* part : {"detections", "reviews", "parameters"}) {
    const json& e = expected[part];
    const size_t n = e.is_array() ? e.size() : e.value(part, json::array()).size();
    const bool same = state[part] == e;
    report.Add(tag + ": " + part + " identical", std::to_string(n), same ? "identical" : "differ", same);
    if (!same) {
      report.notes.push_back(tag + " " + part + ": " +
                             (e.is_array() ? FirstDifference(state[part], e) : state[part].dump().substr(0, 400)));
    }
  }
}

// A backup taken mid-flight: every image in the restored bucket is detected exactly once.
void CheckDetectedOnce(RetryingApi& api, const std::string& tag, SoakReport& report) {
  std::map<std::string, int> per_key;
  for (const json& o : AllObjects(api, "images_for_detection/")) per_key[o.value("key", "")] = 0;
  for (const json& d : AllDetections(api)) ++per_key[d.value("image_key", "")];
  int once = 0;
  std::vector<std::string> wrong;
  for (const auto& [key, n] : per_key) {
    if (n == 1) ++once;
    else if (wrong.size() < 3) wrong.push_back(key + " x" + std::to_string(n));
  }
  report.Add(tag + ": images in its bucket detected exactly once", std::to_string(per_key.size()),
             std::to_string(once), once == int(per_key.size()));
  for (const std::string& w : wrong) report.notes.push_back(tag + ": " + w);
}

}  // namespace

void CheckRestore(const std::string& binary, const LiveBackupRecord& backup, const std::string& restore_dir,
                  const std::string& token, const json& expected, const std::string& label, SoakReport& report) {
  const std::string tag = "restore of " + label;
  report.Add(label + " while serve runs", "exit 0", backup.ok ? "ok, " + Seconds(backup.seconds) : "failed", backup.ok);
  if (!backup.ok) return;
  const bool stable = backup.models_before == backup.models_after;
  auto restored = RunCli(binary, {"--data", restore_dir, "restore", backup.dir});
  report.Add(tag + ": restore", "exit 0", "exit " + std::to_string(restored.exit_code), restored.exit_code == 0);
  if (restored.exit_code != 0) {
    report.notes.push_back(tag + ": " + restored.err);
    return;
  }
  auto models_match = [&](const std::string& when) {
    const std::string models = RunCli(binary, {"--data", restore_dir, "models", "list", "--json"}).out;
    if (!stable) {
      report.Add(tag + ": models list --json " + when, "-", "versions changed while backing up: not compared", std::nullopt);
      return;
    }
    report.Add(tag + ": models list --json identical " + when, "yes", models == backup.models_before ? "yes" : "no",
               models == backup.models_before);
    if (models != backup.models_before) report.notes.push_back(tag + ": models " + models + " vs " + backup.models_before);
  };
  models_match("(restored)");
  SoakServer server(binary, restore_dir, {"--wait-seconds", "1"});
  std::string error;
  const bool started = server.Start(&error);
  report.Add(tag + ": serve starts on it", "yes", started ? "yes" : "no", started);
  if (!started) {
    report.notes.push_back(tag + ": " + error);
    return;
  }
  RetryingApi api(server, token);
  WaitQuiescent(api, 300);
  if (expected.is_null()) {
    CheckDetectedOnce(api, tag, report);
  } else {
    CompareState(api, expected, tag, report);
  }
  const int code = server.Stop();
  if (code != 0) report.notes.push_back(tag + ": serve exited " + std::to_string(code));
  models_match("(after serving)");
}

}  // namespace labelloop::soak
