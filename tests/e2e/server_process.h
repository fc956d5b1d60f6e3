// ServerProcess: the real `labelloop serve` as a child process for end-to-end tests, on
// 127.0.0.1 with a port the OS picks. Start waits for the "serving ... at URL" line on its
// stdout; Kill sends SIGKILL (a crash), Terminate SIGTERM (a graceful stop). The child's
// stdout and stderr go to files in the data folder's parent, readable for failure
// messages. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace labelloop::e2e {

class ServerProcess {
 public:
  ServerProcess(std::string binary, std::string data_dir, std::vector<std::string> extra_args = {},
                std::map<std::string, std::string> env = {});
  ~ServerProcess();  // Kill()s a running child

  // Starts the server and waits (up to timeout_s) for its URL. false on failure (see log()).
  bool Start(int timeout_s = 60);
  // SIGKILL and reap. Idempotent.
  void Kill();
  // SIGTERM and wait up to timeout_s; returns the exit code (-1 on timeout, then killed).
  int Terminate(int timeout_s = 60);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // the child's pid while running (for /proc figures)

  const std::string& url() const { return url_; }
  int port() const { return port_; }
  std::string stdout_text() const;
  // stdout and the last 4 KB of stderr, for failure messages.
  std::string log() const;

 private:
  std::string binary_, data_dir_;
  std::vector<std::string> extra_args_;
  std::map<std::string, std::string> env_;
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  std::string url_;
  int port_ = 0;
  int starts_ = 0;
};

}  // namespace labelloop::e2e
