// Server: labelloop's HTTP front door — the REST API under /api/v1, the console and the
// labelling portal (embedded web assets), and a server-sent-events stream. Every request
// goes through one route table (route_table.h) that names its method, path pattern and
// roles; authentication, CSRF and the Status -> HTTP mapping happen once, at the edge.
// Thread-safe: each connection has its own thread (libmicrohttpd, server.cc says why);
// Start/Stop from one thread. No HTTP library type appears in this header.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

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
namespace db { class DetectionDb; class DetectionQueueDb; class MetadataDb; class StatsDb; }
}  // namespace labelloop

namespace labelloop::http {

// PEM files for HTTPS. When set, the session cookie is also marked Secure.
struct TlsFiles {
  std::string cert_path;
  std::string key_path;
};

// Every limit below has a sane default; docs/http-limits.md lists them with the reasons.
struct ServerOptions {
  std::string listen_host = "127.0.0.1";
  int port = 8080;                                // 0: the OS picks; see Server::port()
  // Request bodies. Object uploads (PUT one object, POST a multipart upload) and detect
  // images stream to temp files in `upload_temp_dir` ("": the system's) and may be up to
  // max_upload_bytes; every other body is held in memory and may be up to
  // max_memory_body_bytes. Larger: 413 before any body byte is read when the size is
  // declared (Content-Length); a chunked body is cut off when it passes the limit.
  size_t max_upload_bytes = 64 * 1024 * 1024;
  size_t max_memory_body_bytes = 1024 * 1024;
  std::string upload_temp_dir;
  // Connections: each open one has a thread. Beyond max_connections, or beyond
  // max_connections_per_address from one client address (0: no per-address cap; raise it
  // behind a reverse proxy, where every client has the proxy's address), new connections
  // are closed at once.
  int max_connections = 256;
  int max_connections_per_address = 32;
  // A request head (request line and headers) must be complete this long after the
  // connection opened or after the previous reply on it; otherwise the connection is
  // closed. Slow clients cannot hold connections by trickling header lines.
  int request_head_timeout_s = 10;
  // A connection with no traffic either way for this long is closed (idle keep-alive, a
  // stalled upload or a client that stopped reading).
  int idle_timeout_s = 30;
  // Room for the request line and headers (libmicrohttpd's per-connection memory pool,
  // which bounds the header count too); beyond it: 431 (or 414 for a long request line).
  size_t max_request_head_bytes = 64 * 1024;
  // Detection: at most detect_concurrency run at once; up to detect_queue_length more wait
  // for a turn, each at most detect_queue_wait_ms; beyond that: 503 with Retry-After.
  int detect_concurrency = 2;
  int detect_queue_length = 8;
  int64_t detect_queue_wait_ms = 30'000;
  int detect_retry_after_s = 5;
  std::optional<TlsFiles> tls;
  // Event streams: at most this many open at once; a stream sends a keep-alive comment
  // every `sse_keepalive_ms` (less than idle_timeout_s) and is closed after
  // `sse_max_idle_ms` without events (browsers reconnect on their own).
  int max_event_streams = 8;
  int64_t sse_keepalive_ms = 15'000;
  int64_t sse_max_idle_ms = 10 * 60'000;
  // Seconds a rate-limited login is told to wait (Retry-After) when auth does not say.
  int login_retry_after_s = 60;
  // GET /metrics without credentials (else any API token or session is needed).
  bool metrics_open = false;
  // The bucket's name under /s3 (path-style S3: --endpoint-url http://HOST:PORT/s3).
  std::string s3_bucket = "labelloop";
  // Reverse proxies whose X-Forwarded-For is believed (client_address.h); empty: none.
  std::vector<std::string> trusted_proxies;
};

// Flows-level operations the server cannot do itself (the lead's flows module provides
// them). Any hook may be empty: its routes then answer 503 naming the missing hook.
// object_created is a notification: when empty, uploads just skip it.
struct Hooks {
  // min_confidence_pct: nullopt when the caller gave none (each label's own threshold).
  std::function<Result<nlohmann::json>(std::string_view image_bytes, std::string_view filename, int max_results,
                                       std::optional<double> min_confidence_pct, std::string_view actor)>
      detect;
  std::function<void(const std::string& key, const std::string& etag)> object_created;
  std::function<Status(const std::string& version)> start_model, stop_model;
  // The version as one ONNX file (model::ModelService::ExportOnnx).
  std::function<Result<std::string>(const std::string& version)> export_onnx;
  std::function<Result<nlohmann::json>()> dashboard;
  // Readiness: true when every component is ready, and the body of GET /api/v1/ready
  // ({"status", "components"}: one status word each).
  std::function<std::pair<bool, nlohmann::json>()> ready;
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
  db::DetectionQueueDb* detection_queue = nullptr;  // images waiting for a model, or failed
  auth::AuthService* auth = nullptr;
  // Model versions and their evaluations for GET /api/v1/models (ModelService has no list).
  db::MetadataDb* metadata = nullptr;
  // Queue depths and detection counts for GET /metrics (left out of it when null).
  db::StatsDb* stats = nullptr;
  const Clock* clock = nullptr;
  Hooks hooks;
};

class Server {
 public:
  // InvalidArgument for bad options (port, limits, sizes) or a missing required
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
