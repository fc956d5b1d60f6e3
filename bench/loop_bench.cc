// loop_bench: the end-to-end figures, measured against the REAL `labelloop serve`
// over HTTP on a fresh data folder (a token made with `labelloop tokens create`, the
// server started with `--wait-seconds 1`), as a user of the API sees them:
//   1. Enable-Automatic-Training false -> true until Status: RUNNING (<= 45 s)
//   2. upload -> logged detection latency, 1 inference unit (p95 <= 1 s)
//   3. a burst of 1,000 uploads: each detected exactly once; re-uploads detect nothing new
//   4. the same latency (and a smaller burst) with Minimum-Inference-Units = 2
// Progress goes to stderr, the table to stdout. Exits 0 when every target is met, 1 when
// one is missed, 2 when something does not work at all.
//
//   loop_bench [LABELLOOP_BINARY] [--keep] [--latency-n N] [--burst N] [--no-units2] [--toggle-timeout S]
// The binary: the argument, else $LABELLOOP_BINARY, else build/src/app/labelloop.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../tests/cli/cli_runner.h"
#include "../tests/e2e/api_client.h"
#include "../tests/e2e/server_process.h"

namespace fs = std::filesystem;
using nlohmann::json;
using labelloop::e2e::ApiAnswer;
using labelloop::e2e::ApiClient;
using labelloop::e2e::EncodeKeyPath;
using labelloop::e2e::PercentEncode;
using labelloop::e2e::ServerProcess;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string binary;
  std::string examples = LABELLOOP_EXAMPLES_DIR;
  bool keep = false;
  int latency_n = 50;
  int burst_n = 1000;
  int burst2_n = 200;
  bool units2 = true;
  int toggle_timeout_s = 180;  // a busy machine may need longer for the first training
};

struct Row {
  std::string figure, target, measured;
  std::optional<bool> pass;  // nullopt: no target
};

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "loop_bench: " << message << "\n";
  std::exit(2);
}

double Seconds(Clock::time_point from, Clock::time_point to = Clock::now()) {
  return std::chrono::duration<double>(to - from).count();
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Milliseconds since the epoch of an API time ("2026-11-26T00:32:25.123Z"); nullopt if not one.
std::optional<int64_t> ParseApiTimeMs(const json& value) {
  if (!value.is_string()) return std::nullopt;
  std::tm tm{};
  int ms = 0;
  const std::string s = value.get<std::string>();
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms) < 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return int64_t(timegm(&tm)) * 1000 + ms;
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  // Nearest rank.
  size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double LoadAverage1m() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

struct Image {
  std::string name, bytes;
};

std::vector<Image> ReadImages(const std::string& dir) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Image> out;
  for (const auto& p : paths) out.push_back({p.filename().string(), labelloop::cli_test::ReadFileBytes(p.string())});
  if (out.empty()) Die("no images in " + dir);
  return out;
}

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}
  int Run();

 private:
  void Setup();
  void Put(ApiClient& api, const std::string& key, const std::string& bytes);
  void SetParameter(const std::string& name, const std::string& value);
  json SystemState();
  int64_t DetectionTotal(const std::string& q);
  // Every detection whose key contains q (paged).
  std::vector<json> AllDetections(const std::string& q);
  // Every execution of `branch` (paged), newest first.
  std::vector<json> AllExecutions(const std::string& branch, const std::string& status = "");
  void WaitParameterApplied(const std::string& name, const std::string& value);

  void ToggleToRunning();
  void Latency(int units, const std::string& tag);
  void Burst();
  void Burst2();
  void PrintTimeline(const json& execution);

  Options o_;
  std::string root_, data_, token_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
  std::vector<Image> inference_;
  std::vector<Row> rows_;
  double burst1_throughput_ = 0;
};

void Bench::Put(ApiClient& api, const std::string& key, const std::string& bytes) {
  ApiAnswer a = api.PutBytes("/api/v1/objects/" + EncodeKeyPath(key), bytes, "application/octet-stream");
  if (a.status != 200) Die("PUT " + key + ": " + std::to_string(a.status) + " " + a.body);
}

void Bench::SetParameter(const std::string& name, const std::string& value) {
  ApiAnswer a = api_->PutJson("/api/v1/parameters/" + name, {{"value", value}});
  if (a.status != 200) Die("PUT parameter " + name + "=" + value + ": " + std::to_string(a.status) + " " + a.body);
}

json Bench::SystemState() {
  ApiAnswer a = api_->Get("/api/v1/parameters/For-System-Use-Only");
  if (a.status != 200 || !a.json.is_object()) return json::object();
  json v = json::parse(a.json.value("value", "{}"), nullptr, false);
  return v.is_object() ? v : json::object();
}

int64_t Bench::DetectionTotal(const std::string& q) {
  ApiAnswer a = api_->Get("/api/v1/detections?limit=1&q=" + PercentEncode(q));
  if (a.status != 200 || !a.json.is_object()) return -1;
  return a.json.value("total", int64_t(-1));
}

std::vector<json> Bench::AllDetections(const std::string& q) {
  std::vector<json> out;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    ApiAnswer a = api_->Get("/api/v1/detections?limit=1000&q=" + PercentEncode(q) + (cursor.empty() ? "" : "&cursor=" + PercentEncode(cursor)));
    if (a.status != 200) Die("GET detections: " + std::to_string(a.status) + " " + a.body);
    for (const json& d : a.json["detections"]) out.push_back(d);
    if (!a.json["next_cursor"].is_string()) break;
    cursor = a.json["next_cursor"].get<std::string>();
  }
  return out;
}

std::vector<json> Bench::AllExecutions(const std::string& branch, const std::string& status) {
  std::vector<json> out;
  std::string before;
  for (int page = 0; page < 100; ++page) {
    std::string path = "/api/v1/executions?limit=1000&branch=" + PercentEncode(branch);
    if (!status.empty()) path += "&status=" + status;
    if (!before.empty()) path += "&before=" + PercentEncode(before);
    ApiAnswer a = api_->Get(path);
    if (a.status != 200) Die("GET executions: " + std::to_string(a.status) + " " + a.body);
    for (const json& e : a.json["executions"]) out.push_back(e);
    if (!a.json["next_before"].is_string()) break;
    before = a.json["next_before"].get<std::string>();
  }
  return out;
}

void Bench::WaitParameterApplied(const std::string& name, const std::string& value) {
  const auto start = Clock::now();
  while (Seconds(start) < 60) {
    for (const json& e : AllExecutions("parameter-change")) {
      const json& in = e.value("input", json::object());
      if (in.value("name", "") == name && in.value("value", "") == value && e.value("status", "") == "SUCCEEDED") {
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Die("parameter " + name + "=" + value + " not applied within 60 s\n" + server_->log());
}

void Bench::Setup() {
  char tmpl[] = "/tmp/labelloop-loopbench-XXXXXX";
  if (const char* t = std::getenv("TMPDIR"); t && *t) {
    root_ = std::string(t) + "/labelloop-loopbench-XXXXXX";
  } else {
    root_ = tmpl;
  }
  std::vector<char> buf(root_.begin(), root_.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) Die("mkdtemp " + root_);
  root_ = buf.data();
  data_ = root_ + "/data";
  labelloop::cli_test::RunOptions ro;
  ro.env["LABELLOOP_DATA"] = std::nullopt;
  auto init = labelloop::cli_test::RunCommand({o_.binary, "--data", data_, "init"}, ro);
  if (init.exit_code != 0) Die("labelloop init failed:\n" + init.out + init.err);
  auto token = labelloop::cli_test::RunCommand({o_.binary, "--data", data_, "tokens", "create", "bench", "--role", "admin"}, ro);
  if (token.exit_code != 0) Die("labelloop tokens create failed:\n" + token.out + token.err);
  token_ = token.LastOutLine();
  server_ = std::make_unique<ServerProcess>(o_.binary, data_, std::vector<std::string>{"--wait-seconds", "1"},
                                            std::map<std::string, std::string>{{"LABELLOOP_ADMIN_PASSWORD", "loop-bench-admin"}});
  const auto t = Clock::now();
  if (!server_->Start()) Die("serve did not start:\n" + server_->log());
  std::cerr << "serve up at " << server_->url() << " in " << Fmt("%.1f", Seconds(t)) << " s; data " << data_
            << " (stderr: " << data_ << ".serve1.err)\n";
  api_ = std::make_unique<ApiClient>(server_->url(), token_);
  if (api_->Get("/api/v1/health").status != 200) Die("health check failed");
  inference_ = ReadImages(o_.examples + "/inference_images");
}

void Bench::PrintTimeline(const json& execution) {
  ApiAnswer a = api_->Get("/api/v1/executions/" + execution.value("id", ""));
  if (a.status != 200) return;
  std::optional<int64_t> t0 = ParseApiTimeMs(a.json.value("started", json()));
  std::cerr << "  training execution " << execution.value("id", "") << " states (s after its start; first entry, x times):\n";
  std::vector<std::pair<std::string, double>> order;
  std::map<std::string, int> times;
  for (const json& ev : a.json.value("history", json::array())) {
    if (ev.value("type", "") != "StateEntered") continue;
    std::optional<int64_t> t = ParseApiTimeMs(ev.value("time", json()));
    const std::string state = ev.value("state", "");
    if (times[state]++ == 0) order.push_back({state, t && t0 ? double(*t - *t0) / 1000 : NAN});
  }
  for (const auto& [state, t] : order) {
    std::cerr << "    " << Fmt("%7.2f", t) << "  " << state << (times[state] > 1 ? " x" + std::to_string(times[state]) : "") << "\n";
  }
}

void Bench::ToggleToRunning() {
  std::cerr << "[1] uploading the sample images and toggling Enable-Automatic-Training\n";
  for (const char* label : {"amazon_logo", "aws_logo"}) {
    for (const Image& img : ReadImages(o_.examples + "/" + label)) {
      Put(*api_, std::string("images_labeled_by_folder/") + label + "/" + img.name, img.bytes);
    }
  }
  SetParameter("Enable-Automatic-Training", "false");
  const auto t0 = Clock::now();
  const int64_t t0_wall = WallMs();
  SetParameter("Enable-Automatic-Training", "true");
  std::optional<double> running_s, notified_poll_s, notified_created_s;
  std::string notification_subject;
  const std::regex running_re("Model version .* is running");
  while (Seconds(t0) < o_.toggle_timeout_s && (!running_s || !notified_poll_s)) {
    if (!running_s && SystemState().value("previous_trained_images", 0) == 10) running_s = Seconds(t0);
    if (!notified_poll_s) {
      ApiAnswer n = api_->Get("/api/v1/notifications?limit=50");
      if (n.status == 200) {
        for (const json& item : n.json.value("notifications", json::array())) {
          const std::string subject = item.value("subject", "");
          if (std::regex_search(subject, running_re)) {
            notified_poll_s = Seconds(t0);
            notification_subject = subject;
            if (auto c = ParseApiTimeMs(item.value("created", json()))) notified_created_s = double(*c - t0_wall) / 1000;
            break;
          }
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cerr << "  previous_trained_images == 10 after "
            << (running_s ? Fmt("%.2f s", *running_s) : std::string("(never)")) << "; \"" << notification_subject
            << "\" seen after " << (notified_poll_s ? Fmt("%.2f s", *notified_poll_s) : std::string("(never)"))
            << " (created " << (notified_created_s ? Fmt("%.2f s", *notified_created_s) : std::string("?"))
            << " after the PUT)\n";
  for (const json& e : AllExecutions("training-poll")) {
    if (e.value("current_state", "") == "Model deployed" || e.value("status", "") == "FAILED") PrintTimeline(e);
  }
  // Where the time went on the server, from its own notifications.
  ApiAnswer n = api_->Get("/api/v1/notifications?limit=100");
  std::vector<std::pair<double, std::string>> notes;
  for (const json& item : n.json.value("notifications", json::array())) {
    if (auto c = ParseApiTimeMs(item.value("created", json()))) {
      notes.push_back({double(*c - t0_wall) / 1000, item.value("subject", "")});
    }
  }
  std::sort(notes.begin(), notes.end());
  std::cerr << "  notifications (s after the PUT of true):\n";
  for (const auto& [t, s] : notes) std::cerr << "    " << Fmt("%6.2f", t) << "  " << s << "\n";

  rows_.push_back({"1. toggle -> previous_trained_images == 10", "<= 45 s",
                   running_s ? Fmt("%.1f s", *running_s) : "not within " + std::to_string(o_.toggle_timeout_s) + " s", running_s && *running_s <= 45.0});
  rows_.push_back({"1. toggle -> \"Model version ... is running\" notification", "<= 45 s",
                   notified_poll_s ? Fmt("%.1f s", *notified_poll_s) +
                                         (notified_created_s ? Fmt(" (created at %.1f s)", *notified_created_s) : "")
                                   : "not within " + std::to_string(o_.toggle_timeout_s) + " s",
                   notified_poll_s && *notified_poll_s <= 45.0});
  if (!running_s) Die("the first version never ran:\n" + server_->log());
}

void Bench::Latency(int units, const std::string& tag) {
  std::cerr << "[" << (units == 1 ? 2 : 4) << "] upload -> logged detection, " << units << " inference unit(s), N="
            << o_.latency_n << "\n";
  std::vector<double> observed, server_side;
  for (int i = 0; i < o_.latency_n; ++i) {
    const Image& img = inference_[size_t(i) % inference_.size()];
    const std::string key = "images_for_detection/" + tag + "-" + std::to_string(i) + "-" + img.name;
    const std::string q = "/api/v1/detections?limit=1&q=" + PercentEncode(key);
    const int64_t start_wall = WallMs();
    const auto start = Clock::now();
    Put(*api_, key, img.bytes);
    std::optional<double> seen;
    json detection;
    while (Seconds(start) < 30) {
      ApiAnswer a = api_->Get(q);
      if (a.status == 200 && a.json.is_object() && !a.json["detections"].empty() &&
          a.json["detections"][0].value("image_key", "") == key) {
        seen = Seconds(start);
        detection = a.json["detections"][0];
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!seen) Die("no detection of " + key + " within 30 s\n" + server_->log());
    observed.push_back(*seen);
    if (auto c = ParseApiTimeMs(detection.value("created", json()))) server_side.push_back(double(*c - start_wall) / 1000);
  }
  const double p50 = Percentile(observed, 50), p95 = Percentile(observed, 95),
               mx = *std::max_element(observed.begin(), observed.end());
  std::cerr << "  observed p50 " << Fmt("%.3f", p50) << " p95 " << Fmt("%.3f", p95) << " max " << Fmt("%.3f", mx)
            << " s; detection row created (server clock) p50 " << Fmt("%.3f", Percentile(server_side, 50)) << " p95 "
            << Fmt("%.3f", Percentile(server_side, 95)) << " s after the PUT started\n";
  std::cerr << "  all (s):";
  for (double v : observed) std::cerr << " " << Fmt("%.3f", v);
  std::cerr << "\n";
  const std::string fig = units == 1 ? "2." : "4.";
  rows_.push_back({fig + " upload -> logged detection p50, " + std::to_string(units) + " unit(s)", "-",
                   Fmt("%.3f s", p50), std::nullopt});
  rows_.push_back({fig + " upload -> logged detection p95, " + std::to_string(units) + " unit(s)", "<= 1 s",
                   Fmt("%.3f s", p95), p95 <= 1.0});
  rows_.push_back({fig + " upload -> logged detection max, " + std::to_string(units) + " unit(s)", "-",
                   Fmt("%.3f s", mx), std::nullopt});
}

// PUTs `n` images under images_for_detection/<prefix><i>.<ext> from `threads` clients;
// returns the keys (index i -> key) and the bytes each got.
std::vector<std::pair<std::string, const Image*>> BurstKeys(const std::vector<Image>& images, const std::string& prefix,
                                                            int n) {
  std::vector<std::pair<std::string, const Image*>> keys;
  for (int i = 0; i < n; ++i) {
    const Image& img = images[size_t(i) % images.size()];
    keys.push_back({"images_for_detection/" + prefix + std::to_string(i) + fs::path(img.name).extension().string(), &img});
  }
  return keys;
}

void UploadAll(const std::string& url, const std::string& token,
               const std::vector<std::pair<std::string, const Image*>>& keys, int threads) {
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      ApiClient api(url, token);
      for (size_t i = next++; i < keys.size(); i = next++) {
        ApiAnswer a = api.PutBytes("/api/v1/objects/" + EncodeKeyPath(keys[i].first), keys[i].second->bytes,
                                   "application/octet-stream");
        if (a.status != 200) {
          ++failed;
          std::lock_guard lock(mu);
          if (first_error.empty()) first_error = keys[i].first + ": " + std::to_string(a.status) + " " + a.body;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (failed > 0) Die(std::to_string(failed.load()) + " uploads failed, first: " + first_error);
}

void Bench::Burst() {
  const int n = o_.burst_n;
  const std::string prefix = "images_for_detection/burst/";
  std::cerr << "[3] burst of " << n << " uploads\n";
  auto keys = BurstKeys(inference_, "burst/", n);
  const auto start = Clock::now();
  UploadAll(server_->url(), token_, keys, 4);
  const double upload_s = Seconds(start);
  std::cerr << "  " << n << " PUTs in " << Fmt("%.1f", upload_s) << " s; waiting for the detections\n";
  int64_t total = 0, last_report = -1;
  std::optional<double> drained;
  while (Seconds(start) < 360) {
    total = DetectionTotal(prefix);
    if (total >= n) {
      drained = Seconds(start);
      break;
    }
    if (total / 100 != last_report) {
      last_report = total / 100;
      std::cerr << "  " << total << " logged after " << Fmt("%.1f", Seconds(start)) << " s\n";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Let anything extra (a duplicate) land before counting.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  std::vector<json> detections = AllDetections(prefix);
  std::set<std::string> request_ids, image_keys;
  for (const json& d : detections) {
    request_ids.insert(d.value("request_id", ""));
    image_keys.insert(d.value("image_key", ""));
  }
  std::set<std::string> expected;
  for (const auto& k : keys) expected.insert(k.first);
  int succeeded = 0, failed = 0, other = 0;
  std::set<std::string> executed_keys;
  for (const json& e : AllExecutions("detection")) {
    const std::string key = e.value("input", json::object()).value("key", "");
    if (!key.starts_with(prefix)) continue;
    const std::string status = e.value("status", "");
    if (status == "SUCCEEDED") {
      ++succeeded;
      executed_keys.insert(key);
    } else if (status == "FAILED") {
      ++failed;
    } else {
      ++other;
    }
  }
  const bool exact = int(detections.size()) == n && int(request_ids.size()) == n && image_keys == expected &&
                     succeeded == n && int(executed_keys.size()) == n && failed == 0 && other == 0;
  std::cerr << "  detections " << detections.size() << " (distinct request ids " << request_ids.size()
            << ", distinct keys " << image_keys.size() << ", all expected keys " << (image_keys == expected)
            << "); executions succeeded " << succeeded << " (distinct keys " << executed_keys.size() << "), failed "
            << failed << ", other " << other << "\n";

  // The same bytes again under 10 of the keys: nothing new.
  std::vector<std::pair<std::string, const Image*>> again(keys.begin(), keys.begin() + std::min(n, 10));
  UploadAll(server_->url(), token_, again, 1);
  std::this_thread::sleep_for(std::chrono::seconds(4));  // > a dispatcher tick + a watcher settle
  const int64_t after = DetectionTotal(prefix);
  int executions_after = 0;
  for (const json& e : AllExecutions("detection")) {
    if (e.value("input", json::object()).value("key", "").starts_with(prefix)) ++executions_after;
  }
  const bool no_new = after == int64_t(detections.size()) && executions_after == succeeded + failed + other;
  std::cerr << "  after re-uploading 10: detections " << after << ", executions " << executions_after << "\n";

  const std::string ns = std::to_string(n);
  rows_.push_back({"3. burst: PUT " + ns + " (4 clients)", "-", Fmt("%.1f s", upload_s), std::nullopt});
  rows_.push_back({"3. burst: all " + ns + " logged (drain, from first PUT)", "-",
                   drained ? Fmt("%.1f s", *drained) : "not within 360 s (" + std::to_string(total) + ")",
                   drained ? std::nullopt : std::optional<bool>(false)});
  if (drained) burst1_throughput_ = n / *drained;
  rows_.push_back({"3. burst: throughput, 1 unit", "-", drained ? Fmt("%.1f images/s", n / *drained) : "-", std::nullopt});
  rows_.push_back({"3. burst: exactly once (detections / ids / keys / executions ok)", "= " + ns,
                   std::to_string(detections.size()) + " / " + std::to_string(request_ids.size()) + " / " +
                       std::to_string(image_keys.size()) + " / " + std::to_string(succeeded) + " ok, " +
                       std::to_string(failed) + " failed",
                   exact});
  rows_.push_back({"3. re-upload 10 with the same bytes: new detections", "0",
                   std::to_string(after - int64_t(detections.size())) + " (executions +" +
                       std::to_string(executions_after - (succeeded + failed + other)) + ")",
                   no_new});
}

void Bench::Burst2() {
  const int n = o_.burst2_n;
  const std::string prefix = "images_for_detection/burst2/";
  std::cerr << "[4] burst of " << n << " uploads with 2 inference units\n";
  auto keys = BurstKeys(inference_, "burst2/", n);
  const auto start = Clock::now();
  UploadAll(server_->url(), token_, keys, 4);
  std::optional<double> drained;
  while (Seconds(start) < 120) {
    if (DetectionTotal(prefix) >= n) {
      drained = Seconds(start);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rows_.push_back({"4. burst of " + std::to_string(n) + ": throughput, 2 units", "-",
                   drained ? Fmt("%.1f images/s", n / *drained) +
                                 (burst1_throughput_ > 0 ? Fmt(" (x%.2f vs 1 unit)", n / *drained / burst1_throughput_) : "")
                           : "not within 120 s",
                   std::nullopt});
}

std::string FormatTable(const std::vector<Row>& rows) {
  size_t w0 = 6, w1 = 6, w2 = 8;
  for (const Row& r : rows) {
    w0 = std::max(w0, r.figure.size());
    w1 = std::max(w1, r.target.size());
    w2 = std::max(w2, r.measured.size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    std::string s = a + std::string(w0 - a.size() + 2, ' ') + b + std::string(w1 - b.size() + 2, ' ') + c +
                    std::string(w2 - c.size() + 2, ' ') + d + "\n";
    return s;
  };
  std::string out = line("FIGURE", "TARGET", "MEASURED", "RESULT");
  out += std::string(w0 + w1 + w2 + 12, '-') + "\n";
  for (const Row& r : rows) out += line(r.figure, r.target, r.measured, r.pass ? (*r.pass ? "PASS" : "FAIL") : "-");
  return out;
}

int Bench::Run() {
  const auto start = Clock::now();
  const double load_before = LoadAverage1m();
  Setup();
  ToggleToRunning();
  Latency(1, "bench");
  Burst();
  if (o_.units2) {
    SetParameter("Minimum-Inference-Units", "2");
    WaitParameterApplied("Minimum-Inference-Units", "2");
    Latency(2, "bench2");
    Burst2();
  }
  const int code = server_->Terminate(60);
  std::cerr << "serve stopped (exit " << code << ")\n";
  std::cout << "\nloop_bench: the real `labelloop serve` (" << o_.binary << "), --wait-seconds 1, fresh data folder\n"
            << "machine: " << std::thread::hardware_concurrency() << " cores, load average "
            << Fmt("%.2f", load_before) << " before / " << Fmt("%.2f", LoadAverage1m()) << " after; total "
            << Fmt("%.0f s", Seconds(start)) << "\n\n"
            << FormatTable(rows_);
  if (o_.keep) {
    std::cout << "data kept in " << data_ << " (server logs " << data_ << ".serve1.out/.err)\n";
  } else {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  for (const Row& r : rows_) {
    if (r.pass && !*r.pass) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next_int = [&](const char* flag) {
      if (i + 1 >= argc) Die(std::string(flag) + " needs a number");
      return std::atoi(argv[++i]);
    };
    if (a == "--keep") {
      o.keep = true;
    } else if (a == "--latency-n") {
      o.latency_n = std::max(1, next_int("--latency-n"));
    } else if (a == "--burst") {
      o.burst_n = std::max(1, next_int("--burst"));
    } else if (a == "--toggle-timeout") {
      o.toggle_timeout_s = std::max(1, next_int("--toggle-timeout"));
    } else if (a == "--no-units2") {
      o.units2 = false;
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: loop_bench [LABELLOOP_BINARY] [--keep] [--latency-n N] [--burst N] [--no-units2] [--toggle-timeout S]\n";
      return 0;
    } else if (!a.starts_with("-") && o.binary.empty()) {
      o.binary = a;
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.binary.empty()) {
    const char* env = std::getenv("LABELLOOP_BINARY");
    o.binary = env && *env ? env : "build/src/app/labelloop";
  }
  if (!fs::exists(o.binary)) Die("no labelloop binary at " + o.binary + " (pass its path or set LABELLOOP_BINARY)");
  o.binary = fs::absolute(o.binary).string();
  return Bench(std::move(o)).Run();
}
