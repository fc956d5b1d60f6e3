// `labelloop serve`: the HTTP API, the workflow engine, the schedules and the bucket
// watcher in one process, until SIGINT or SIGTERM.
#include <signal.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/cli_output.h"
#include "app/commands.h"
#include "app/server_runtime.h"

namespace labelloop::app {

int RunServe(const GlobalOptions& g, const ServeCommandOptions& o) {
  // Block the stop signals before any thread starts, so every thread inherits the mask
  // and this one receives them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ServeOptions options;
  options.listen = o.listen;
  options.statemachine_path = o.statemachine_path;
  options.wait_seconds = o.wait_seconds;
  options.tls_cert_path = o.tls_cert_path;
  options.tls_key_path = o.tls_key_path;
  Result<std::unique_ptr<ServerRuntime>> runtime = ServerRuntime::Open(g.data_dir, options);
  if (!runtime.ok()) return ReportError(runtime.status());
  if (Status started = (*runtime)->Start(); !started.ok()) return ReportError(started);
  if (!(*runtime)->first_admin_password().empty()) {
    std::cout << fmt::format("first start: created user 'admin' with the one-time password: {}\n"
                             "(shown once; it works once: the first sign-in asks for a new password)\n",
                             (*runtime)->first_admin_password());
  }
  std::cout << fmt::format("labelloop serving {} at {}\n", g.data_dir, (*runtime)->url()) << std::flush;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("{} received: shutting down", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  (*runtime)->Stop();
  runtime->reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace labelloop::app
