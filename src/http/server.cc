// Server: the libmicrohttpd daemon, its callbacks, and the conversion of our Response into
// its responses. The request's own path through the server is in exchange.h.
//
// Why libmicrohttpd and not cpp-httplib (which served until issue 9): Debian 12's httplib
// (0.11.4) reads chunked, close-delimited and compressed request bodies whole before any
// handler can refuse them (1.5 GB of RAM for one unauthenticated PUT), answers a
// 2,700-part Range with a 54 MB multipart reply from a 20 KB file, and has a fixed worker
// pool with no deadline for the request head and no per-address cap, so 20 clients
// trickling header lines starve everyone. libmicrohttpd hands us the head before any body
// byte (we route and authenticate there and refuse without reading the body), gives the
// body piece by piece in every framing (we cap it and stream it to disk), bounds the head
// by a per-connection memory pool, and has connection, per-address and idle limits built
// in; one thread per connection means a slow client only ever holds its own thread. The
// one thing it lacks, a deadline for the whole head, is ConnectionWatchdog.
#include "http/server.h"

#include <netdb.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <microhttpd.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "http/connection_watchdog.h"
#include "http/detect_gate.h"
#include "http/exchange.h"
#include "http/http_error.h"

namespace labelloop::http {
namespace {

// Sent with every reply the server builds.
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Content-Security-Policy", "default-src 'self'"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "same-origin"},
};

// Stream replies are handed to libmicrohttpd in pieces of at most this size.
constexpr size_t kStreamBlockBytes = 16 * 1024;

Status ValidateOptions(const ServerOptions& options, const ServerDeps& deps) {
  if (options.listen_host.empty()) return InvalidArgumentError("listen host is empty");
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgumentError(fmt::format("port must be 0-65535 (0: any free port), got {}", options.port));
  }
  if (options.max_upload_bytes == 0 || options.max_memory_body_bytes == 0) {
    return InvalidArgumentError("body size limits must be at least 1 byte");
  }
  if (options.max_connections < 2 || options.max_connections_per_address < 0) {
    return InvalidArgumentError(fmt::format("max connections must be at least 2 (got {}) and the per-address cap "
                                            "0 or more (got {})",
                                            options.max_connections, options.max_connections_per_address));
  }
  if (options.request_head_timeout_s < 1 || options.idle_timeout_s < 1) {
    return InvalidArgumentError("the request head and idle timeouts must be at least 1 second");
  }
  if (options.max_request_head_bytes < 4096) {
    return InvalidArgumentError(
        fmt::format("max request head size must be at least 4096 bytes, got {}", options.max_request_head_bytes));
  }
  if (options.detect_concurrency < 1 || options.detect_queue_length < 0 || options.detect_queue_wait_ms < 0 ||
      options.detect_retry_after_s < 1) {
    return InvalidArgumentError("detect concurrency must be at least 1, its queue length and wait 0 or more");
  }
  if (options.max_event_streams < 1 || options.max_event_streams >= options.max_connections) {
    return InvalidArgumentError(fmt::format("max event streams must be 1 to {} (max connections - 1), got {}",
                                            options.max_connections - 1, options.max_event_streams));
  }
  if (options.sse_keepalive_ms < 1 || options.sse_max_idle_ms < 1) {
    return InvalidArgumentError("event stream keep-alive and idle times must be positive");
  }
  if (options.sse_keepalive_ms >= int64_t{options.idle_timeout_s} * 1000) {
    return InvalidArgumentError("the event stream keep-alive must be shorter than the idle timeout");
  }
  if (deps.bucket == nullptr) return InvalidArgumentError("the server needs a bucket (ServerDeps.bucket)");
  if (deps.auth == nullptr) return InvalidArgumentError("the server needs the auth service (ServerDeps.auth)");
  if (deps.clock == nullptr) return InvalidArgumentError("the server needs a clock (ServerDeps.clock)");
  return OkStatus();
}

Result<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || !in) {
    return FailedPreconditionError(fmt::format("TLS file '{}' does not exist or is not a file", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The certificate and key are PEM and belong together (checked here, so a bad pair is an
// error at Create rather than a daemon that fails every handshake).
Status CheckTlsPair(const std::string& cert_pem, const std::string& key_pem, const TlsFiles& files) {
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  X509* cert = cert_bio == nullptr ? nullptr : PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = key_bio == nullptr ? nullptr : PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  const bool ok = cert != nullptr && key != nullptr && X509_check_private_key(cert, key) == 1;
  EVP_PKEY_free(key);
  X509_free(cert);
  BIO_free(key_bio);
  BIO_free(cert_bio);
  if (ok) return OkStatus();
  return FailedPreconditionError(fmt::format("cannot load the TLS certificate '{}' with the key '{}' (PEM files "
                                             "expected; does the key match the certificate?)",
                                             files.cert_path, files.key_path));
}

// A bound, listening socket (SO_REUSEADDR only: SO_REUSEPORT would let a second server
// share the port silently). Returns the fd, or an errno-style message.
Result<int> Listen(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return UnavailableError(fmt::format("cannot listen on {}:{}: {}", host, port, gai_strerror(rc)));
  }
  int error = 0;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = errno;
      continue;
    }
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 128) != 0) {
      error = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return UnavailableError(fmt::format("cannot listen on {}:{}: {}", host, port, std::strerror(error)));
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

// A streamed reply (server-sent events): asks the provider for more whenever the last
// piece has been sent; the provider may block.
struct StreamReader {
  ContentProvider provider;
  ContentProviderReleaser releaser;
  std::string pending;
  size_t produced = 0;
  bool done = false;
  bool failed = false;

  static ssize_t Read(void* cls, uint64_t, char* buffer, size_t max) {
    auto* self = static_cast<StreamReader*>(cls);
    try {
      while (self->pending.empty()) {
        if (self->done) return MHD_CONTENT_READER_END_OF_STREAM;
        DataSink sink;
        sink.write = [self](const char* data, size_t size) {
          self->pending.append(data, size);
          return true;
        };
        sink.done = [self] { self->done = true; };
        if (!self->provider(self->produced, sink)) {
          self->failed = true;
          return MHD_CONTENT_READER_END_WITH_ERROR;
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("streamed reply failed: {}", e.what());
      self->failed = true;
      return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    const size_t n = std::min(max, self->pending.size());
    std::memcpy(buffer, self->pending.data(), n);
    self->pending.erase(0, n);
    self->produced += n;
    return static_cast<ssize_t>(n);
  }

  static void Free(void* cls) {
    auto* self = static_cast<StreamReader*>(cls);
    if (self->releaser) self->releaser(!self->failed);
    delete self;
  }
};

MHD_Response* ToMhdResponse(Response& response) {
  MHD_Response* out = nullptr;
  if (response.content_provider) {
    auto* reader = new StreamReader();
    reader->provider = std::move(response.content_provider);
    reader->releaser = std::move(response.content_provider_releaser);
    response.content_provider = nullptr;
    response.content_provider_releaser = nullptr;
    out = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kStreamBlockBytes, &StreamReader::Read, reader,
                                            &StreamReader::Free);
    if (out == nullptr) StreamReader::Free(reader);
  } else {
    auto* body = new std::string(std::move(response.body));
    out = MHD_create_response_from_buffer_with_free_callback_cls(
        body->size(), body->data(), [](void* cls) { delete static_cast<std::string*>(cls); }, body);
    if (out == nullptr) delete body;
  }
  if (out == nullptr) return nullptr;
  for (const auto& [name, value] : kSecurityHeaders) MHD_add_response_header(out, name, value);
  for (const auto& [name, value] : response.headers) {
    if (MHD_add_response_header(out, name.c_str(), value.c_str()) != MHD_YES) {
      spdlog::warn("reply header '{}' refused by the HTTP library (not sent)", name);
    }
  }
  return out;
}

// What libmicrohttpd keeps per request (its "con_cls").
struct PendingRequest {
  std::unique_ptr<Exchange> exchange;
  bool begun = false;
};

void LogFromLibrary(void*, const char* format, va_list args) {
  char text[512];
  std::vsnprintf(text, sizeof text, format, args);
  std::string_view line(text);
  while (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  spdlog::debug("libmicrohttpd: {}", line);
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  ServerDeps deps;
  EventHub events;
  std::unique_ptr<DetectGate> detect_gate;
  std::unique_ptr<ConnectionWatchdog> watchdog;
  std::unique_ptr<ServerContext> context;
  std::string tls_cert_pem, tls_key_pem;
  std::mutex mu;
  MHD_Daemon* daemon = nullptr;  // GUARDED_BY(mu)
  int port = 0;                  // GUARDED_BY(mu)
  bool started = false;          // GUARDED_BY(mu)
  bool stopped = false;          // GUARDED_BY(mu)

  static void* OnRequestLine(void* cls, const char* uri, MHD_Connection*);
  static MHD_Result OnAccess(void* cls, MHD_Connection* connection, const char* url, const char* method,
                             const char* version, const char* upload_data, size_t* upload_data_size, void** con_cls);
  static void OnCompleted(void* cls, MHD_Connection* connection, void** con_cls, MHD_RequestTerminationCode);
  static void OnConnection(void* cls, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code);
  MHD_Result Send(MHD_Connection* connection, Exchange& exchange);
};

void* Server::Impl::OnRequestLine(void* cls, const char* uri, MHD_Connection*) {
  auto* impl = static_cast<Impl*>(cls);
  try {
    return new PendingRequest{std::make_unique<Exchange>(*impl->context, uri == nullptr ? "" : uri)};
  } catch (const std::exception& e) {
    spdlog::error("cannot start serving a request: {}", e.what());
    return nullptr;
  }
}

MHD_Result Server::Impl::OnAccess(void* cls, MHD_Connection* connection, const char*, const char* method,
                                  const char* version, const char* upload_data, size_t* upload_data_size,
                                  void** con_cls) {
  auto* impl = static_cast<Impl*>(cls);
  auto* pending = static_cast<PendingRequest*>(*con_cls);
  if (pending == nullptr) return MHD_NO;
  try {
    Exchange& exchange = *pending->exchange;
    if (!pending->begun) {  // the head is complete; no body byte has been read
      pending->begun = true;
      impl->watchdog->HeadReceived(connection);
      if (!exchange.Begin(connection, method, version)) return impl->Send(connection, exchange);
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      const bool keep_going = exchange.Receive(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return keep_going ? MHD_YES : MHD_NO;
    }
    exchange.Finish();
    return impl->Send(connection, exchange);
  } catch (const std::exception& e) {
    spdlog::error("exception in the HTTP server: {}", e.what());
  } catch (...) {
    spdlog::error("unknown exception in the HTTP server");
  }
  return MHD_NO;  // close the connection: nothing sensible can be sent
}

MHD_Result Server::Impl::Send(MHD_Connection* connection, Exchange& exchange) {
  Response& response = exchange.response();
  const int status = response.status;
  spdlog::debug("{} {} {} -> {}", exchange.request().remote_addr, exchange.request().method,
                exchange.request().target, status);
  MHD_Response* reply = ToMhdResponse(response);
  if (reply == nullptr) return MHD_NO;
  const MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned int>(status), reply);
  MHD_destroy_response(reply);  // the connection holds its own reference
  return queued;
}

void Server::Impl::OnCompleted(void* cls, MHD_Connection* connection, void** con_cls, MHD_RequestTerminationCode) {
  auto* impl = static_cast<Impl*>(cls);
  delete static_cast<PendingRequest*>(*con_cls);
  *con_cls = nullptr;
  impl->watchdog->ReplySent(connection);
}

void Server::Impl::OnConnection(void* cls, MHD_Connection* connection, void**, MHD_ConnectionNotificationCode code) {
  auto* impl = static_cast<Impl*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != nullptr) impl->watchdog->Opened(connection, info->connect_fd);
  } else {
    impl->watchdog->Closed(connection);
  }
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, ServerDeps deps) {
  RETURN_IF_ERROR(ValidateOptions(options, deps));
  auto impl = std::make_unique<Impl>();
  if (options.tls) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      return FailedPreconditionError("this libmicrohttpd was built without TLS support");
    }
    ASSIGN_OR_RETURN(impl->tls_cert_pem, ReadPemFile(options.tls->cert_path));
    ASSIGN_OR_RETURN(impl->tls_key_pem, ReadPemFile(options.tls->key_path));
    RETURN_IF_ERROR(CheckTlsPair(impl->tls_cert_pem, impl->tls_key_pem, *options.tls));
  }
  if (options.upload_temp_dir.empty()) {
    std::error_code ec;
    options.upload_temp_dir = std::filesystem::temp_directory_path(ec).string();
    if (options.upload_temp_dir.empty()) options.upload_temp_dir = "/tmp";
  }
  impl->options = std::move(options);
  impl->deps = std::move(deps);
  impl->detect_gate = std::make_unique<DetectGate>(impl->options.detect_concurrency, impl->options.detect_queue_length);
  impl->watchdog =
      std::make_unique<ConnectionWatchdog>(std::chrono::seconds(impl->options.request_head_timeout_s));
  impl->context.reset(new ServerContext{impl->options, impl->deps, impl->events, *impl->detect_gate});
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->started) return FailedPreconditionError("the server was started already");
  const ServerOptions& o = impl_->options;
  ASSIGN_OR_RETURN(const int listen_fd, Listen(o.listen_host, o.port));
  unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                       MHD_USE_ERROR_LOG;
  if (o.tls) flags |= MHD_USE_TLS;
  Impl* impl = impl_.get();
  MHD_OptionItem tls_options[] = {
      {o.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, const_cast<char*>(impl->tls_cert_pem.c_str())},
      {o.tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, const_cast<char*>(impl->tls_key_pem.c_str())},
      {MHD_OPTION_END, 0, nullptr},
  };
  impl->watchdog->Start();
  impl->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Impl::OnAccess, impl,                                          //
      MHD_OPTION_LISTEN_SOCKET, listen_fd,                                                         //
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned int>(o.max_connections),                   //
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<unsigned int>(o.max_connections_per_address),  //
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned int>(o.idle_timeout_s),                  //
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, o.max_request_head_bytes,                                //
      MHD_OPTION_STRICT_FOR_CLIENT, 1,                                                             //
      MHD_OPTION_URI_LOG_CALLBACK, &Impl::OnRequestLine, impl,                                     //
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::OnCompleted, impl,                                       //
      MHD_OPTION_NOTIFY_CONNECTION, &Impl::OnConnection, impl,                                     //
      MHD_OPTION_EXTERNAL_LOGGER, &LogFromLibrary, nullptr,                                        //
      MHD_OPTION_ARRAY, tls_options,                                                               //
      MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    close(listen_fd);
    impl->watchdog->Stop();
    return UnavailableError(fmt::format("cannot start the HTTP server on {}:{} (see the debug log)", o.listen_host,
                                        o.port));
  }
  impl->port = BoundPort(listen_fd);
  impl->started = true;
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
  impl_->events.Close();  // ends every open stream, so their threads can finish
  if (!impl_->started) return;
  MHD_stop_daemon(impl_->daemon);  // closes the listener and every connection, joins their threads
  impl_->daemon = nullptr;
  impl_->watchdog->Stop();
}

EventHub& Server::events() { return impl_->events; }

}  // namespace labelloop::http
