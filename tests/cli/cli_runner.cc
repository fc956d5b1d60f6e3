#include "cli_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace labelloop::cli_test {
namespace fs = std::filesystem;

namespace {

// Single-quoted for a POSIX shell unless the argument is plainly safe.
std::string ShellQuote(const std::string& arg) {
  bool plain = !arg.empty();
  for (char c : arg) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@%+=:,./_-", c) != nullptr)) plain = false;
  }
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> BuildEnvironment(const std::map<std::string, std::optional<std::string>>& changes) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : changes) {
    if (value) env[name] = *value;
    else env.erase(name);
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> CommandResult::OutLines() const {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string CommandResult::LastOutLine() const {
  std::vector<std::string> lines = OutLines();
  return lines.empty() ? "" : lines.back();
}

std::ostream& operator<<(std::ostream& os, const CommandResult& r) {
  return os << "\n$ " << r.command << "\nexit code " << r.exit_code << " after " << r.seconds << " s"
            << "\n--- stdout ---\n" << r.out << "\n--- stderr ---\n" << r.err << "\n--------------";
}

CommandResult RunCommand(const std::vector<std::string>& argv, const RunOptions& options) {
  CommandResult result;
  for (const auto& a : argv) result.command += (result.command.empty() ? "" : " ") + ShellQuote(a);
  if (!options.cwd.empty()) result.command = "(cd " + ShellQuote(options.cwd) + " && " + result.command + ")";

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> env = BuildEnvironment(options.env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = std::string("pipe failed: ") + std::strerror(errno);
    return result;
  }
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    result.err = std::string("fork failed: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execve(c_args[0], c_args.data(), c_env.data());
    static const char kMessage[] = "execve failed\n";
    (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);

  // Read both pipes until EOF. A grandchild that outlives the command (a background
  // training) may inherit them; its output is not ours, so stop 2 s after the command ends.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  const auto deadline = started + std::chrono::seconds(options.timeout_s);
  std::optional<std::chrono::steady_clock::time_point> exited_at;
  int status = 0;
  bool killed_for_timeout = false;
  while (!exited_at || fds[0].fd >= 0 || fds[1].fd >= 0) {
    int ready = poll(fds, 2, 100);
    if (ready < 0 && errno != EINTR) {
      if (!exited_at) waitpid(pid, &status, 0);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, size_t(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (!exited_at && waitpid(pid, &status, WNOHANG) == pid) exited_at = now;
    if (exited_at && now - *exited_at > std::chrono::seconds(2)) break;
    if (!exited_at && now > deadline) {
      kill(pid, SIGKILL);
      killed_for_timeout = true;
      waitpid(pid, &status, 0);
      exited_at = now;
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  if (killed_for_timeout) result.err += "\n[test runner: killed after " + std::to_string(options.timeout_s) + " s]";
  return result;
}

CommandResult RunLabelloop(const std::vector<std::string>& args, RunOptions options) {
  options.env.try_emplace("LABELLOOP_DATA", std::nullopt);
  std::vector<std::string> argv = {LABELLOOP_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, options);
}

CommandResult RunLabelloopOn(const std::string& data_dir, const std::vector<std::string>& args, RunOptions options) {
  std::vector<std::string> all = {"--data", data_dir};
  all.insert(all.end(), args.begin(), args.end());
  return RunLabelloop(all, std::move(options));
}

std::vector<Json> ParseJsonLines(const std::string& text) {
  std::vector<Json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    out.push_back(j.is_discarded() ? Json(line) : j);
  }
  return out;
}

Json ParseJsonOrNull(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(nullptr) : j;
}

ScratchDir::ScratchDir(std::string_view tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + std::string(tag) + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  if (std::getenv("LABELLOOP_KEEP_TEST_DATA") != nullptr) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ScratchDir::Sub(std::string_view relative) const { return path_ + "/" + std::string(relative); }

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileBytes(const std::string& path, std::string_view bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::map<std::string, std::string> SnapshotTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).generic_string()] = ReadFileBytes(e.path().string());
  }
  return out;
}

std::string ExamplesDir() { return std::string(LABELLOOP_SOURCE_DIR) + "/examples"; }
std::string SourceDir() { return LABELLOOP_SOURCE_DIR; }

}  // namespace labelloop::cli_test
