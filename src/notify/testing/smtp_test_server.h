// SmtpTestServer: a real SMTP server for tests, Debian's aiosmtpd (package python3-aiosmtpd,
// run by /usr/bin/python3), listening on 127.0.0.1 at a free port and writing every message
// it accepts into a Maildir in a fresh temporary folder. Optionally it offers (and then
// requires) STARTTLS with a self-signed certificate made by the openssl command. Stopped
// and its folder removed on destruction. Not thread-safe; one object per server.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace labelloop::notify::testing {

class SmtpTestServer {
 public:
  struct Options {
    bool starttls = false;  // offer STARTTLS (self-signed certificate); mail only after it
    int port = 0;           // 0: a free port; else this one (e.g. one a test first saw down)
  };

  // Unavailable (with aiosmtpd's output) when the server does not listen within 15 s;
  // FailedPrecondition when python3-aiosmtpd (or openssl, for starttls) is missing.
  static Result<std::unique_ptr<SmtpTestServer>> Start(Options options);
  static Result<std::unique_ptr<SmtpTestServer>> Start() { return Start(Options{}); }
  ~SmtpTestServer();
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "smtp://127.0.0.1:<port>"
  const std::string& maildir() const { return maildir_; }

  // The raw messages received so far (as aiosmtpd stored them: it adds X-Peer, X-MailFrom
  // and X-RcptTo headers), oldest first.
  std::vector<std::string> Messages() const;
  // Waits (polling, real time) until at least `count` messages arrived; returns them all
  // (fewer on timeout).
  std::vector<std::string> WaitForMessages(size_t count, int timeout_ms) const;
  // aiosmtpd's stdout and stderr so far, for failure messages.
  std::string Log() const;
  // Stops the server (SIGTERM, then SIGKILL after 5 s); idempotent. Messages stay readable.
  void Stop();

 private:
  SmtpTestServer() = default;

  std::string dir_;      // temporary folder: maildir/, server.log, cert.pem, key.pem
  std::string maildir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listened on a moment ago (the OS picked it), for
// "server down" tests and for servers that need a port number up front.
int UnusedTcpPort();

}  // namespace labelloop::notify::testing
