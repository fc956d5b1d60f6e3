#include "notify/testing/smtp_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace labelloop::notify::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-aiosmtpd lives
constexpr int kStartTimeoutMs = 15'000;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Spawns argv with stdout and stderr appended to `log_path`; -1 on failure.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> c_argv;
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits for `pid` up to `timeout_ms`; its exit code, or nullopt when it still runs.
std::optional<int> WaitExit(pid_t pid, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool IsListening(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

Status MakeCertificate(const std::string& dir) {
  const std::string log = dir + "/openssl.log";
  const pid_t pid = Spawn({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                           "/CN=127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"},
                          log);
  if (pid < 0) return FailedPreconditionError("cannot run /usr/bin/openssl (install the openssl package)");
  const std::optional<int> code = WaitExit(pid, 60'000);
  if (code != 0) {
    if (!code) {
      kill(pid, SIGKILL);
      WaitExit(pid, 5'000);
    }
    return FailedPreconditionError("openssl could not make a test certificate: " + ReadFile(log));
  }
  return OkStatus();
}

}  // namespace

int UnusedTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

Result<std::unique_ptr<SmtpTestServer>> SmtpTestServer::Start(Options options) {
  if (access(kPython, X_OK) != 0) return FailedPreconditionError(fmt::format("{} is missing", kPython));
  std::string pattern = (fs::temp_directory_path() / "labelloop-smtp-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return UnavailableError(fmt::format("mkdtemp {}: {}", pattern, std::strerror(errno)));
  }
  auto server = std::unique_ptr<SmtpTestServer>(new SmtpTestServer());
  server->dir_ = pattern;
  server->maildir_ = pattern + "/maildir";
  if (options.starttls) RETURN_IF_ERROR(MakeCertificate(server->dir_));

  // The port is free when chosen but may be taken before aiosmtpd binds it: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    server->port_ = options.port != 0 ? options.port : UnusedTcpPort();
    std::vector<std::string> argv = {kPython, "-m", "aiosmtpd", "-n", "-l", fmt::format("127.0.0.1:{}", server->port_)};
    if (options.starttls) {
      argv.insert(argv.end(), {"--tlscert", server->dir_ + "/cert.pem", "--tlskey", server->dir_ + "/key.pem"});
    }
    argv.insert(argv.end(), {"-c", "aiosmtpd.handlers.Mailbox", server->maildir_});
    server->pid_ = Spawn(argv, server->dir_ + "/server.log");
    if (server->pid_ < 0) return FailedPreconditionError(fmt::format("cannot start {}", kPython));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
      if (IsListening(server->port_)) return server;
      if (const std::optional<int> code = WaitExit(server->pid_, 0)) {
        server->pid_ = -1;
        const std::string log = server->Log();
        if (log.find("No module named aiosmtpd") != std::string::npos) {
          return FailedPreconditionError("python3-aiosmtpd is not installed: " + log);
        }
        break;  // e.g. the port was taken: try another
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    server->Stop();
  }
  return UnavailableError("aiosmtpd did not start listening: " + server->Log());
}

SmtpTestServer::~SmtpTestServer() {
  Stop();
  std::error_code ec;
  if (!dir_.empty() && std::getenv("LABELLOOP_KEEP_TEST_DATA") == nullptr) fs::remove_all(dir_, ec);
}

std::string SmtpTestServer::url() const { return fmt::format("smtp://127.0.0.1:{}", port_); }

std::vector<std::string> SmtpTestServer::Messages() const {
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(maildir_) / sub, ec)) {
      if (entry.is_regular_file()) files.emplace_back(entry.last_write_time(), entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> messages;
  for (const auto& [time, path] : files) messages.push_back(ReadFile(path));
  return messages;
}

std::vector<std::string> SmtpTestServer::WaitForMessages(size_t count, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    std::vector<std::string> messages = Messages();
    if (messages.size() >= count || std::chrono::steady_clock::now() >= deadline) return messages;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string SmtpTestServer::Log() const { return ReadFile(fs::path(dir_) / "server.log"); }

void SmtpTestServer::Stop() {
  if (pid_ < 0) return;
  kill(pid_, SIGTERM);
  if (!WaitExit(pid_, 5'000)) {
    kill(pid_, SIGKILL);
    WaitExit(pid_, 5'000);
  }
  pid_ = -1;
}

}  // namespace labelloop::notify::testing
