// attack_bench: issue 9's attacks against the REAL `labelloop serve` on a fresh data folder,
// with the figures the issue asks for (not a test; run by hand):
//   2. a 1.5 GB chunked PUT, without and with credentials: the server's peak RSS
//   3. GET /label/app.js with a 2,700-part Range, 8 clients in parallel: peak RSS, reply size
//   4. 20 connections that send a header line every 3 s (reconnecting when cut off):
//      /api/v1/health latency from another connection meanwhile
// Peak RSS is the kernel's high-water mark (VmHWM), reset before each attack through
// /proc/PID/clear_refs. Progress to stderr, the table to stdout.
//
//   attack_bench [LABELLOOP_BINARY] [--gigabytes G] [--slow-seconds S]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../src/http/testing/raw_http_client.h"
#include "../tests/cli/cli_runner.h"
#include "../tests/e2e/server_process.h"

using labelloop::e2e::ServerProcess;
using labelloop::http::testing::RawHttpConnection;
using labelloop::http::testing::StatusOf;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "attack_bench: " << message << "\n";
  std::exit(2);
}

int64_t StatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atoll(line.c_str() + field.size() + 1);
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux: "5" > clear_refs).
void ResetPeak(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
}

std::string Mb(int64_t kb) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f MB", kb / 1024.0);
  return buf;
}

struct Row {
  std::string attack, measured, bound;
};

class Bench {
 public:
  Bench(std::string binary, double gigabytes, int slow_seconds)
      : binary_(std::move(binary)), gigabytes_(gigabytes), slow_seconds_(slow_seconds) {}
  int Run();

 private:
  void Start();
  int port() const { return server_->port(); }
  pid_t pid() const { return server_->pid(); }
  void ChunkedPut(bool with_token);
  void RangeFlood();
  void SlowHeaders();

  std::string binary_;
  double gigabytes_;
  int slow_seconds_;
  labelloop::cli_test::ScratchDir scratch_{"labelloop-attack"};
  std::string token_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<Row> rows_;
};

void Bench::Start() {
  const std::string data = scratch_.Sub("data");
  labelloop::cli_test::RunOptions ro;
  ro.env["LABELLOOP_DATA"] = std::nullopt;
  auto init = labelloop::cli_test::RunCommand({binary_, "--data", data, "init"}, ro);
  if (init.exit_code != 0) Die("labelloop init failed:\n" + init.out + init.err);
  auto token = labelloop::cli_test::RunCommand({binary_, "--data", data, "tokens", "create", "bench", "--role", "admin"},
                                               ro);
  if (token.exit_code != 0) Die("labelloop tokens create failed:\n" + token.out + token.err);
  token_ = token.LastOutLine();
  server_ = std::make_unique<ServerProcess>(binary_, data, std::vector<std::string>{},
                                            std::map<std::string, std::string>{{"LABELLOOP_ADMIN_PASSWORD", "attack-bench-admin"}});
  if (!server_->Start()) Die("serve did not start:\n" + server_->log());
  std::cerr << "serve up at " << server_->url() << ", RSS " << Mb(StatusKb(pid(), "VmRSS")) << "\n";
}

// Attack 2: stream chunks until the server stops reading or `gigabytes_` are sent.
void Bench::ChunkedPut(bool with_token) {
  ResetPeak(pid());
  const int64_t before_kb = StatusKb(pid(), "VmRSS");
  RawHttpConnection c;
  if (!c.Connect(port())) Die("connect failed");
  std::string head = "PUT /api/v1/objects/images_for_detection/x.jpg HTTP/1.1\r\nHost: bench\r\n"
                     "Transfer-Encoding: chunked\r\n";
  if (with_token) head += "Authorization: Bearer " + token_ + "\r\n";
  c.Send(head + "\r\n");
  const std::string chunk = "100000\r\n" + std::string(0x100000, 'z') + "\r\n";
  const int64_t total = static_cast<int64_t>(gigabytes_ * 1e9);
  int64_t sent = 0;
  const auto started = Clock::now();
  while (sent < total && c.Send(chunk)) sent += static_cast<int64_t>(chunk.size());
  const std::string reply = c.ReadResponse(5s);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const int64_t peak_kb = StatusKb(pid(), "VmHWM");
  std::cerr << "attack 2 (" << (with_token ? "with" : "without") << " credentials): sent " << sent / 1'000'000
            << " MB in " << seconds << " s, reply " << StatusOf(reply) << ", RSS " << Mb(before_kb) << " -> peak "
            << Mb(peak_kb) << "\n";
  rows_.push_back({std::string("2. 1.5 GB chunked PUT, ") + (with_token ? "admin token" : "no credentials"),
                   "peak RSS " + Mb(peak_kb) + " (from " + Mb(before_kb) + "); server read " +
                       std::to_string(sent / 1'000'000) + " MB, reply " +
                       (StatusOf(reply) ? std::to_string(StatusOf(reply)) : "none (cut off)"),
                   with_token ? "body cut off at max_upload_bytes (64 MiB), on disk not in RAM"
                              : "refused (401) from the head; no body read"});
}

// Attack 3: 8 clients in parallel, each asking 20 times for 2,700 ranges of app.js.
void Bench::RangeFlood() {
  std::string request = "GET /label/app.js HTTP/1.1\r\nHost: bench\r\nRange: bytes=0-";
  for (int i = 0; i < 2700; ++i) request += ",0-";
  request += "\r\n\r\n";
  ResetPeak(pid());
  const int64_t before_kb = StatusKb(pid(), "VmRSS");
  std::atomic<int64_t> largest{0};
  std::atomic<int> statuses_206{0}, statuses_200{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        std::string reply = labelloop::http::testing::RoundTrip(port(), request);
        largest = std::max<int64_t>(largest.load(), static_cast<int64_t>(reply.size()));
        (StatusOf(reply) == 206 ? statuses_206 : statuses_200)++;
      }
    });
  }
  for (auto& t : clients) t.join();
  const int64_t peak_kb = StatusKb(pid(), "VmHWM");
  std::cerr << "attack 3: largest reply " << largest << " bytes, 200s " << statuses_200 << ", peak RSS "
            << Mb(peak_kb) << "\n";
  rows_.push_back({"3. 2,700-part Range on /label/app.js, 8 in parallel x 20",
                   "peak RSS " + Mb(peak_kb) + " (from " + Mb(before_kb) + "); largest reply " +
                       std::to_string(largest.load()) + " bytes",
                   "reply <= the file (whole body, never multipart)"});
}

// Attack 4: 20 trickling connections; health latency from another client meanwhile.
void Bench::SlowHeaders() {
  std::atomic<bool> stop{false};
  std::atomic<int> cut_off{0};
  std::vector<std::thread> attackers;
  for (int a = 0; a < 20; ++a) {
    attackers.emplace_back([&, a] {
      while (!stop) {
        RawHttpConnection c;
        if (!c.Connect(port())) break;
        c.Send("GET /api/v1/health HTTP/1.1\r\nHost: bench\r\n");
        for (int line = 0; !stop; ++line) {
          if (!c.Send("X-Slow-" + std::to_string(line) + ": " + std::to_string(a) + "\r\n")) break;
          if (c.WaitClosed(3s)) {  // a header line every 3 s until the server cuts us off
            cut_off++;
            break;
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(1s);
  std::vector<double> latencies_ms;
  int failures = 0;
  const auto until = Clock::now() + std::chrono::seconds(slow_seconds_);
  while (Clock::now() < until) {
    const auto t = Clock::now();
    std::string reply = labelloop::http::testing::RoundTrip(port(), "GET /api/v1/health HTTP/1.1\r\nHost: b\r\n\r\n");
    if (StatusOf(reply) != 200) ++failures;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    std::this_thread::sleep_for(250ms);
  }
  stop = true;
  for (auto& t : attackers) t.join();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  char text[160];
  std::snprintf(text, sizeof text, "health p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d of %zu failed; %d cut off",
                latencies_ms[latencies_ms.size() / 2], latencies_ms[latencies_ms.size() * 99 / 100],
                latencies_ms.back(), failures, latencies_ms.size(), cut_off.load());
  std::cerr << "attack 4: " << text << "\n";
  rows_.push_back({"4. 20 connections, a header line every 3 s (" + std::to_string(slow_seconds_) + " s)", text,
                   "health answers (< 1 s); heads cut at 10 s"});
}

int Bench::Run() {
  Start();
  ChunkedPut(false);
  ChunkedPut(true);
  RangeFlood();
  SlowHeaders();
  if (StatusOf(labelloop::http::testing::RoundTrip(port(), "GET /api/v1/health HTTP/1.1\r\nHost: b\r\n\r\n")) != 200) {
    rows_.push_back({"after all attacks", "health FAILED", "200"});
  }
  std::cout << "| attack | measured | bound |\n|---|---|---|\n";
  for (const Row& row : rows_) std::cout << "| " << row.attack << " | " << row.measured << " | " << row.bound << " |\n";
  server_->Terminate();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary;
  double gigabytes = 1.5;
  int slow_seconds = 20;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--gigabytes" && i + 1 < argc) {
      gigabytes = std::atof(argv[++i]);
    } else if (arg == "--slow-seconds" && i + 1 < argc) {
      slow_seconds = std::atoi(argv[++i]);
    } else {
      binary = arg;
    }
  }
  if (binary.empty()) binary = std::getenv("LABELLOOP_BINARY") ? std::getenv("LABELLOOP_BINARY") : LABELLOOP_BINARY;
  return Bench(binary, gigabytes, slow_seconds).Run();
}
