// Server: httplib set-up, the dispatcher (match route -> authorise -> handler, one
// catch-all for exceptions) and the listener thread. Every method goes to Dispatch, so the
// route table is the only routing.
#include "http/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "http/authenticator.h"
#include "http/http_error.h"
#include "http/request_observer.h"
#include "http/route.h"
#include "http/route_table.h"

namespace labelloop::http {

struct Server::Impl {
  ServerOptions options;
  ServerDeps deps;
  EventHub events;
  std::unique_ptr<httplib::Server> server;
  std::mutex mu;
  std::thread listener;  // GUARDED_BY(mu)
  int port = 0;          // GUARDED_BY(mu)
  bool started = false;  // GUARDED_BY(mu)
  bool stopped = false;  // GUARDED_BY(mu)

  void Dispatch(const httplib::Request& request, httplib::Response& response);
  void Configure();
};

namespace {

Status ValidateOptions(const ServerOptions& options, const ServerDeps& deps) {
  if (options.listen_host.empty()) return InvalidArgumentError("listen host is empty");
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgumentError(fmt::format("port must be 0-65535 (0: any free port), got {}", options.port));
  }
  if (options.threads < 2) {
    return InvalidArgumentError(fmt::format("server threads must be at least 2, got {}", options.threads));
  }
  if (options.max_upload_bytes == 0) return InvalidArgumentError("max upload size must be at least 1 byte");
  if (options.max_event_streams < 0 || options.max_event_streams >= options.threads) {
    return InvalidArgumentError(fmt::format("max event streams must be 0 (automatic) to {} (threads - 1), got {}",
                                            options.threads - 1, options.max_event_streams));
  }
  if (options.sse_keepalive_ms < 1 || options.sse_max_idle_ms < 1) {
    return InvalidArgumentError("event stream keep-alive and idle times must be positive");
  }
  if (deps.bucket == nullptr) return InvalidArgumentError("the server needs a bucket (ServerDeps.bucket)");
  if (deps.auth == nullptr) return InvalidArgumentError("the server needs the auth service (ServerDeps.auth)");
  if (deps.clock == nullptr) return InvalidArgumentError("the server needs a clock (ServerDeps.clock)");
  return OkStatus();
}

Result<std::unique_ptr<httplib::Server>> MakeHttplibServer(const ServerOptions& options) {
  if (!options.tls) return std::make_unique<httplib::Server>();
  for (const std::string* path : {&options.tls->cert_path, &options.tls->key_path}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*path, ec)) {
      return FailedPreconditionError(fmt::format("TLS file '{}' does not exist or is not a file", *path));
    }
  }
  auto server = std::make_unique<httplib::SSLServer>(options.tls->cert_path.c_str(), options.tls->key_path.c_str());
  if (!server->is_valid()) {
    return FailedPreconditionError(fmt::format("cannot load the TLS certificate '{}' with the key '{}' (PEM files "
                                               "expected; does the key match the certificate?)",
                                               options.tls->cert_path, options.tls->key_path));
  }
  return std::unique_ptr<httplib::Server>(std::move(server));
}

// Errors httplib produces itself (before or without a handler) get the JSON error shape.
std::string_view HttpCodeName(int http_status) {
  switch (http_status) {
    case 400: return "invalid_argument";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 416: return "range_not_satisfiable";
    case 503: return "unavailable";
    default: return http_status >= 500 ? "internal" : "bad_request";
  }
}

}  // namespace

void Server::Impl::Configure() {
  const int threads = options.threads;
  server->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server->set_payload_max_length(options.max_upload_bytes);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which lets a second
  // server bind the same port and silently share its connections.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  server->set_default_headers({
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy", "default-src 'self'"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "same-origin"},
  });
  auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
    Dispatch(request, response);
  };
  const std::string kAnyPath = "[\\s\\S]*";
  server->Get(kAnyPath, dispatch);
  server->Post(kAnyPath, dispatch);
  server->Put(kAnyPath, dispatch);
  server->Delete(kAnyPath, dispatch);
  server->Patch(kAnyPath, dispatch);
  const size_t max_upload_bytes = options.max_upload_bytes;
  httplib::Server::HandlerWithResponse error_handler = [max_upload_bytes](const httplib::Request& request,
                                                                          httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours already
    std::string message = fmt::format("{} {} failed with HTTP {}", request.method, request.path, response.status);
    if (response.status == 413) {
      // httplib caps form-encoded bodies (curl's default type for --data-binary) at 8 KB
      // before any handler runs: say how to send bytes instead.
      message = request.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded")
                    ? "form-encoded request bodies are limited to 8 KB: send raw bytes with their own Content-Type "
                      "(e.g. image/jpeg or application/octet-stream)"
                    : fmt::format("request body is larger than the limit of {} bytes", max_upload_bytes);
    }
    WriteHttpError(response, response.status, HttpCodeName(response.status), message);
    return httplib::Server::HandlerResponse::Handled;
  };
  server->set_error_handler(std::move(error_handler));
  server->set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
        WriteHttpError(response, 500, "internal",
                       fmt::format("internal error serving {} {} (see the server log)", request.method, request.path));
      });
  server->set_logger([](const httplib::Request& request, const httplib::Response& response) {
    spdlog::debug("{} {} {} -> {}", request.remote_addr, request.method, request.path, response.status);
  });
}

void Server::Impl::Dispatch(const httplib::Request& request, httplib::Response& response) {
  RequestObserver observer(request.method, request.path, request.get_header_value("X-Request-Id"), &response.status);
  response.set_header("X-Request-Id", observer.request_id());
  try {
    PathParams params;
    std::string allowed_methods;
    const Route* route = FindRoute(request.method, request.path, params, allowed_methods);
    if (route == nullptr) {
      if (!allowed_methods.empty()) {
        response.set_header("Allow", allowed_methods);
        WriteHttpError(response, 405, "method_not_allowed",
                       fmt::format("{} is not allowed on {} (allowed: {})", request.method, request.path,
                                   allowed_methods));
      } else {
        WriteHttpError(response, 404, "not_found", fmt::format("no route for {} {}", request.method, request.path));
      }
      return;
    }
    Call call{request, response, options, deps, events, std::move(params), std::nullopt};
    Status status = AuthorizeCall(*route, call);
    if (status.ok()) status = route->handler(call);
    if (!status.ok()) {
      if (status.code() == StatusCode::kUnauthenticated) response.set_header("WWW-Authenticate", "Bearer");
      WriteError(response, status);
    }
  } catch (const std::exception& e) {
    spdlog::error("exception serving {} {}: {}", request.method, request.path, e.what());
    WriteHttpError(response, 500, "internal",
                   fmt::format("internal error serving {} {} (see the server log)", request.method, request.path));
  } catch (...) {
    spdlog::error("unknown exception serving {} {}", request.method, request.path);
    WriteHttpError(response, 500, "internal",
                   fmt::format("internal error serving {} {} (see the server log)", request.method, request.path));
  }
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, ServerDeps deps) {
  RETURN_IF_ERROR(ValidateOptions(options, deps));
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(impl->server, MakeHttplibServer(options));
  impl->options = std::move(options);
  if (impl->options.max_event_streams == 0) impl->options.max_event_streams = std::max(1, impl->options.threads / 2);
  impl->deps = std::move(deps);
  impl->Configure();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started) return FailedPreconditionError("the server was started already");
  const std::string& host = impl_->options.listen_host;
  int port = impl_->options.port;
  errno = 0;
  if (port == 0) {
    port = impl_->server->bind_to_any_port(host);
  } else if (!impl_->server->bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) {
    int error = errno;
    return UnavailableError(fmt::format("cannot listen on {}:{}: {}", host, impl_->options.port,
                                        error != 0 ? std::strerror(error) : "bind failed (address in use?)"));
  }
  impl_->port = port;
  impl_->started = true;
  impl_->listener = std::thread([impl = impl_.get()] {
    if (!impl->server->listen_after_bind()) spdlog::error("HTTP listener on port {} stopped with an error", impl->port);
  });
  spdlog::info("listening on {}", url());
  return OkStatus();
}

int Server::port() const {
  std::lock_guard lock(impl_->mu);
  return impl_->port;
}

std::string Server::url() const {
  std::string host = impl_->options.listen_host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}://{}:{}", impl_->options.tls ? "https" : "http", host, impl_->port);
}

void Server::Stop() {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->events.Close();  // ends every open stream, so the worker pool can drain
  if (!impl_->started) return;
  impl_->server->stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

EventHub& Server::events() { return impl_->events; }

}  // namespace labelloop::http
