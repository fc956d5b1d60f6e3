// Server: labelloop's HTTP front door — the REST API under /api/v1, the console and the
// labelling portal (embedded web assets), and a server-sent-events stream. Every request
// goes through one route table (route_table.h) that names its method, path pattern and
// roles; authentication, CSRF and the Status -> HTTP mapping happen once, at the edge.
// Thread-safe: handlers run on the server's worker pool; Start/Stop from one thread.
// httplib never appears in this header (the app includes it).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "http/event_hub.h"

namespace labelloop {
namespace store { class ObjectStore; }
namespace model { class ModelService; }
namespace params { class ParameterStore; }
namespace schedule { class Scheduler; }
namespace workflow { class Engine; }
namespace notify { class Notifier; }
namespace review { class ReviewService; class SamplingService; }
namespace auth { class AuthService; }
namespace db { class DetectionDb; class MetadataDb; }
}  // namespace labelloop

namespace labelloop::http {

// PEM files for HTTPS. When set, the session cookie is also marked Secure.
struct TlsFiles {
  std::string cert_path;
  std::string key_path;
};

struct ServerOptions {
  std::string listen_host = "127.0.0.1";
  int port = 8080;                                // 0: the OS picks; see Server::port()
  size_t max_upload_bytes = 64 * 1024 * 1024;     // larger request bodies get 413
  int threads = 8;                                // worker pool (each open event stream holds one)
  std::optional<TlsFiles> tls;
  // Event streams: at most this many open at once (0: threads / 2), so API calls always
  // keep workers; a stream sends a keep-alive comment every `sse_keepalive_ms` and is
  // closed after `sse_max_idle_ms` without events (browsers reconnect on their own).
  int max_event_streams = 0;
  int64_t sse_keepalive_ms = 15'000;
  int64_t sse_max_idle_ms = 10 * 60'000;
  // Seconds a rate-limited login is told to wait (Retry-After) when auth does not say.
  int login_retry_after_s = 60;
};

// Flows-level operations the server cannot do itself (the lead's flows module provides
// them). Any hook may be empty: its routes then answer 503 naming the missing hook.
// object_created is a notification: when empty, uploads just skip it.
struct Hooks {
  std::function<Result<nlohmann::json>(std::string_view image_bytes, std::string_view filename, int max_results,
                                       double min_confidence_pct, std::string_view actor)>
      detect;
  std::function<void(const std::string& key, const std::string& etag)> object_created;
  std::function<Status(const std::string& version)> start_model, stop_model;
  // The version as one ONNX file (model::ModelService::ExportOnnx).
  std::function<Result<std::string>(const std::string& version)> export_onnx;
  std::function<Result<nlohmann::json>()> dashboard;
};

// What the routes use. Not owned; everything must outlive the Server. bucket, auth and
// clock are required; any other member may be null, and its routes then answer 503.
struct ServerDeps {
  store::ObjectStore* bucket = nullptr;
  // Not used by any route yet: model lifecycle goes through hooks (start_model/stop_model,
  // detect) and listings through `metadata`. Kept so the wiring stays stable.
  model::ModelService* models = nullptr;
  params::ParameterStore* params = nullptr;
  schedule::Scheduler* schedules = nullptr;
  workflow::Engine* engine = nullptr;
  notify::Notifier* notifier = nullptr;
  review::ReviewService* reviews = nullptr;
  review::SamplingService* sampling = nullptr;
  db::DetectionDb* detections = nullptr;
  auth::AuthService* auth = nullptr;
  // Model versions and their evaluations for GET /api/v1/models (ModelService has no list).
  db::MetadataDb* metadata = nullptr;
  const Clock* clock = nullptr;
  Hooks hooks;
};

class Server {
 public:
  // InvalidArgument for bad options (port, threads, sizes) or a missing required
  // dependency; FailedPrecondition when the TLS files cannot be loaded.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options, ServerDeps deps);
  ~Server();  // Stops.

  // Binds and starts the listener thread. Unavailable (naming host:port and the reason)
  // when the address cannot be bound; FailedPrecondition when already started.
  Status Start();
  // The bound port (the OS's choice when options.port was 0); 0 before Start.
  int port() const;
  // "http://127.0.0.1:PORT" (https with TLS).
  std::string url() const;
  // Closes event streams, stops listening, waits for running requests. Idempotent.
  void Stop();

  EventHub& events();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace labelloop::http
