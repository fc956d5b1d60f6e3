// ServerRuntime: the composition root of `labelloop serve`. Opens every store of a data
// folder, wires the parameters, schedules, notifications, reviews, the workflow engine
// with the flows' task handlers, the event dispatcher, the bucket watcher and the HTTP
// server, and runs them until Stop. Start recovers first: the RUNNING model version is
// deployed for detection, and executions left RUNNING by a crash resume.
// Start/Stop from one thread; everything inside is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace labelloop::app {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 = any free port
  std::string statemachine_path;           // empty: the built-in statemachines/default.json
  int64_t wait_seconds = 2;                // the training branch's Wait states
  int64_t watch_interval_ms = 250;         // bucket watcher poll period
  int engine_workers = 4;
  std::string tls_cert_path, tls_key_path;  // both or neither
};

class ServerRuntime {
 public:
  // FailedPrecondition when the data folder is not initialised or the state machine is
  // invalid (the message names the state); other errors as the stores report them.
  static Result<std::unique_ptr<ServerRuntime>> Open(const std::string& data_dir, const ServeOptions& options);
  ~ServerRuntime();

  // Recovers and starts every component; the URL is printed by the caller.
  Status Start();
  // Graceful: stops taking requests and events, lets running steps finish (their state is
  // durable either way), stops deliveries. Idempotent.
  void Stop();
  std::string url() const;
  // The first admin's one-time password when this start created it (empty otherwise).
  const std::string& first_admin_password() const;

  struct Parts;

 private:
  explicit ServerRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace labelloop::app
