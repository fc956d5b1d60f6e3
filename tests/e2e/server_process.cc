#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace labelloop::e2e {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits for `pid` up to `timeout_ms`; returns its exit code, or nullopt if it still runs.
std::optional<int> WaitFor(pid_t pid, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

ServerProcess::ServerProcess(std::string binary, std::string data_dir, std::vector<std::string> extra_args,
                             std::map<std::string, std::string> env)
    : binary_(std::move(binary)), data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)), env_(std::move(env)) {}

ServerProcess::~ServerProcess() { Kill(); }

bool ServerProcess::Start(int timeout_s) {
  ++starts_;
  out_path_ = data_dir_ + ".serve" + std::to_string(starts_) + ".out";
  err_path_ = data_dir_ + ".serve" + std::to_string(starts_) + ".err";
  std::vector<std::string> args = {binary_, "--data", data_dir_, "serve", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = fork();
  if (pid_ == 0) {
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    for (const auto& [k, v] : env_) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  const std::regex url_line(R"(serving .* at (https?://127\.0\.0\.1:(\d+)))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string out = ReadAll(out_path_);
    if (std::regex_search(out, m, url_line)) {
      url_ = m[1];
      port_ = std::stoi(m[2]);
      return true;
    }
    if (std::optional<int> exited = WaitFor(pid_, 0)) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill();
  return false;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitFor(pid_, 10'000);
  pid_ = -1;
}

int ServerProcess::Terminate(int timeout_s) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  std::optional<int> code = WaitFor(pid_, timeout_s * 1000);
  if (!code) {
    Kill();
    return -1;
  }
  pid_ = -1;
  return *code;
}

std::string ServerProcess::stdout_text() const { return ReadAll(out_path_); }

std::string ServerProcess::log() const {
  std::string err = ReadAll(err_path_);
  if (err.size() > 4096) err = "..." + err.substr(err.size() - 4096);
  return "--- serve stdout ---\n" + ReadAll(out_path_) + "--- serve stderr (tail) ---\n" + err;
}

}  // namespace labelloop::e2e
