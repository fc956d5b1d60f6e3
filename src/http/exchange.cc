#include "http/exchange.h"

#include <netdb.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <microhttpd.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>

#include "http/authenticator.h"
#include "http/aws_json.h"
#include "http/s3_xml.h"
#include "http/handlers.h"
#include "http/http_error.h"
#include "http/request_target.h"
#include "http/route_table.h"

namespace labelloop::http {
namespace {

// A refused request's announced body up to this size is read and dropped (see Begin).
constexpr uint64_t kDrainBodyBytes = 1024 * 1024;

// Per multipart upload: libmicrohttpd's parser keeps this much of the body at a time.
constexpr size_t kMultipartBufferBytes = 64 * 1024;

std::string ClientAddress(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  const sockaddr* address = info->client_addr;
  const socklen_t length = address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  char host[NI_MAXHOST] = {};
  if (getnameinfo(address, length, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return "";
  return host;
}

struct HeaderCollector {
  Headers* headers;
  Status status;
};

MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
                         size_t value_size) {
  auto* collector = static_cast<HeaderCollector*>(cls);
  std::string_view name(key, key_size);
  std::string_view text = value == nullptr ? std::string_view() : std::string_view(value, value_size);
  if (Status checked = CheckHeaderText(name, text); !checked.ok()) {
    collector->status = checked;
    return MHD_NO;
  }
  collector->headers->emplace(std::string(name), std::string(text));
  return MHD_YES;
}

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

struct Exchange::MultipartState {
  MHD_PostProcessor* processor = nullptr;
  Exchange* exchange = nullptr;
  std::vector<std::unique_ptr<TempFile>> files;  // one per file part, in order
  size_t field_bytes = 0;
  Status error;

  ~MultipartState() {
    if (processor != nullptr) MHD_destroy_post_processor(processor);
  }

  static MHD_Result OnData(void* cls, MHD_ValueKind, const char* key, const char* filename, const char* content_type,
                           const char*, const char* data, uint64_t offset, size_t size) {
    auto* state = static_cast<MultipartState*>(cls);
    Status status = state->Append(key, filename, content_type, std::string_view(data == nullptr ? "" : data, size),
                                  offset);
    if (status.ok()) return MHD_YES;
    state->error = status;
    return MHD_NO;
  }

  Status Append(const char* key, const char* filename, const char* content_type, std::string_view data,
                uint64_t offset) {
    std::vector<FormPart>& parts = exchange->request_.form_parts;
    if (offset == 0) {  // a new part
      FormPart part;
      part.name = key == nullptr ? "" : key;
      part.filename = filename == nullptr ? "" : filename;
      part.content_type = content_type == nullptr ? "" : content_type;
      if (!IsValidUtf8(part.name) || !IsValidUtf8(part.filename) || !IsValidUtf8(part.content_type)) {
        return InvalidArgumentError("a multipart part's name, filename or type is not valid UTF-8");
      }
      if (!part.filename.empty()) {
        ASSIGN_OR_RETURN(std::unique_ptr<TempFile> file,
                         TempFile::Create(exchange->context_.options.upload_temp_dir));
        part.file_path = file->path();
        files.push_back(std::move(file));
      }
      parts.push_back(std::move(part));
    }
    if (parts.empty()) return InvalidArgumentError("multipart body: data before the first part");
    FormPart& part = parts.back();
    part.size_bytes += static_cast<int64_t>(data.size());
    if (!part.filename.empty()) return files.back()->Append(data);
    field_bytes += data.size();
    if (field_bytes > exchange->context_.options.max_memory_body_bytes) {
      return InvalidArgumentError(fmt::format("multipart form fields (not files) are limited to {} bytes in all",
                                              exchange->context_.options.max_memory_body_bytes));
    }
    part.value.append(data);
    return OkStatus();
  }
};

Exchange::Exchange(ServerContext& context, std::string target) : context_(context) {
  request_.target = std::move(target);
}

Exchange::~Exchange() {
  // A stream that was never handed to the server still holds its slot.
  if (response_.content_provider_releaser) response_.content_provider_releaser(false);
}

std::optional<uint64_t> Exchange::DeclaredLength() const {
  const std::string text = request_.get_header_value("Content-Length");
  uint64_t length = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return length;
}

bool Exchange::Refuse(int http_status, std::string_view code, std::string_view message) {
  WriteHttpError(response_, http_status, code, message);
  return false;
}

bool Exchange::RefuseStatus(const Status& status) {
  if (route_ != nullptr && route_->access.aws_signed) {
    WriteS3Error(response_, status, request_.path);
    return false;
  }
  if (route_ != nullptr && route_->access.aws_signed_json) {
    WriteAwsJsonError(response_, status);
    return false;
  }
  if (status.code() == StatusCode::kUnauthenticated) response_.set_header("WWW-Authenticate", "Bearer");
  WriteError(response_, status);
  return false;
}

Status Exchange::ReadHead(MHD_Connection* connection, const char* method, const char* version) {
  request_.method = method == nullptr ? "" : method;
  request_.version = version == nullptr ? "" : version;
  request_.remote_addr = ClientAddress(connection);
  ASSIGN_OR_RETURN(RequestTarget target, ParseRequestTarget(request_.target));
  request_.path = std::move(target.path);
  request_.params = std::move(target.params);
  HeaderCollector collector{&request_.headers, OkStatus()};
  MHD_get_connection_values_n(connection, MHD_HEADER_KIND, &CollectHeader, &collector);
  return collector.status;
}

void Exchange::AdoptRequestId(MHD_Connection* connection) {
  const char* id = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Request-Id");
  observer_.AdoptRequestId(id == nullptr ? "" : id);
}

void Exchange::PrepareReply() {
  if (!observer_.request_id().empty()) response_.set_header("X-Request-Id", observer_.request_id());
  observer_.RecordReply(response_.status);
}

bool Exchange::Check(MHD_Connection* connection, const char* method, const char* version) {
  Status head = ReadHead(connection, method, version);
  observer_.Describe(request_.method, "");
  if (!head.ok()) return RefuseStatus(head);
  std::string allowed_methods;
  route_ = FindRoute(request_.method, request_.path, path_params_, allowed_methods);
  if (route_ != nullptr) observer_.Describe(request_.method, route_->pattern);
  if (route_ == nullptr) {
    if (!allowed_methods.empty()) {
      response_.set_header("Allow", allowed_methods);
      return Refuse(405, "method_not_allowed",
                    fmt::format("{} is not allowed on {} (allowed: {})", request_.method, request_.path,
                                allowed_methods));
    }
    return Refuse(404, "not_found", fmt::format("no route for {} {}", request_.method, request_.path));
  }
  const std::string encoding = Lowercase(request_.get_header_value("Content-Encoding"));
  if (!encoding.empty() && encoding != "identity") {
    return Refuse(415, "unsupported_media_type",
                  "request bodies must not be compressed (Content-Encoding is not supported); send them as they are");
  }
  Call call{request_, response_, context_.options, context_.deps, context_.events, path_params_, std::nullopt};
  if (Status allowed = AuthorizeCall(*route_, call); !allowed.ok()) return RefuseStatus(allowed);
  caller_ = std::move(call.caller);
  if (Status planned = PlanBody(connection); !planned.ok()) return false;
  return true;
}

bool Exchange::Begin(MHD_Connection* connection, const char* method, const char* version) {
  if (Check(connection, method, version)) return true;
  // Refused. A small body that was announced is read and dropped before the reply, so the
  // client (which may still be writing it) sees the reply rather than a reset; anything
  // larger or of unknown size is never read: the reply goes out now and the connection
  // closes.
  std::optional<uint64_t> length = DeclaredLength();
  if (length && *length <= kDrainBodyBytes && !request_.has_header("Transfer-Encoding")) {
    draining_ = true;
    return true;
  }
  return false;
}

// Where the body goes and how large it may be. Returns a non-OK status after writing
// the refusal into response_.
Status Exchange::PlanBody(MHD_Connection* connection) {
  const ServerOptions& options = context_.options;
  body_kind_ = BodyKind::kMemory;
  body_limit_bytes_ = options.max_memory_body_bytes;
  if (route_->handler == HandlePutObject || route_->handler == HandleDetect || route_->handler == HandleS3PutObject) {
    body_kind_ = BodyKind::kFile;
    body_limit_bytes_ = options.max_upload_bytes;
  } else if (route_->handler == HandleUploadObjects && request_.is_multipart_form_data()) {
    body_kind_ = BodyKind::kMultipart;
    body_limit_bytes_ = options.max_upload_bytes;
  }
  if (std::optional<uint64_t> length = DeclaredLength(); length && *length > body_limit_bytes_) {
    Refuse(413, "payload_too_large", fmt::format("request body is larger than the limit of {} bytes", body_limit_bytes_));
    return ResourceExhaustedError("body too large");
  }
  if (route_->handler == HandleDetect && !context_.detect_gate.HasRoom()) {
    response_.set_header("Retry-After", std::to_string(options.detect_retry_after_s));
    Refuse(503, "unavailable", "the detect queue is full; retry later");
    return UnavailableError("detect queue full");
  }
  if (body_kind_ == BodyKind::kMultipart) {
    multipart_ = std::make_unique<MultipartState>();
    multipart_->exchange = this;
    multipart_->processor =
        MHD_create_post_processor(connection, kMultipartBufferBytes, &MultipartState::OnData, multipart_.get());
    if (multipart_->processor == nullptr) {
      Refuse(400, "invalid_argument", "the multipart/form-data Content-Type has no usable boundary");
      return InvalidArgumentError("bad multipart");
    }
  }
  return OkStatus();
}

bool Exchange::Receive(const char* data, size_t size) {
  if (draining_) return true;  // a refused request's announced body: dropped
  body_received_bytes_ += size;
  if (body_received_bytes_ > body_limit_bytes_) {
    spdlog::warn("{} {} from {}: body passed the limit of {} bytes without announcing its size; connection closed",
                 request_.method, request_.target, request_.remote_addr, body_limit_bytes_);
    return false;
  }
  std::string_view piece(data, size);
  switch (body_kind_) {
    case BodyKind::kMemory:
      request_.body.append(piece);
      return true;
    case BodyKind::kFile:
      if (!body_error_.ok()) return true;  // the body could not be kept: the rest is dropped
      if (body_file_ == nullptr) {
        auto file = TempFile::Create(context_.options.upload_temp_dir);
        if (!file.ok()) return KeepBodyError(file.status());
        body_file_ = std::move(*file);
      }
      if (Status written = body_file_->Append(piece); !written.ok()) return KeepBodyError(written);
      return true;
    case BodyKind::kMultipart:
      if (multipart_->error.ok() && MHD_post_process(multipart_->processor, data, size) != MHD_YES &&
          multipart_->error.ok()) {
        multipart_->error = InvalidArgumentError("the multipart/form-data body is malformed");
      }
      return true;  // an error is answered (400) once the body is in
  }
  return true;
}

// A full or read-only disk while the body streams in: the connection stays open, the rest of
// the body is read and dropped, and Finish answers with the error (507 for a full disk), so
// the client learns why instead of seeing its connection cut.
bool Exchange::KeepBodyError(const Status& status) {
  spdlog::error("{} {}: {}", request_.method, request_.target, status.ToString());
  body_error_ = status.WithContext(fmt::format("cannot keep the body of {} {}", request_.method, request_.path));
  body_file_.reset();  // removes the partial temp file
  return true;
}

Status Exchange::FinishBody() {
  request_.body_size_bytes = static_cast<int64_t>(body_received_bytes_);
  RETURN_IF_ERROR(body_error_);
  if (body_kind_ == BodyKind::kFile && body_file_ != nullptr) {
    RETURN_IF_ERROR(body_file_->Close());
    request_.body_file = body_file_->path();
  }
  if (body_kind_ == BodyKind::kMultipart) {
    const bool complete = MHD_destroy_post_processor(multipart_->processor) == MHD_YES;
    multipart_->processor = nullptr;
    RETURN_IF_ERROR(multipart_->error);
    if (!complete) return InvalidArgumentError("the multipart/form-data body ends before its closing boundary");
    for (const auto& file : multipart_->files) RETURN_IF_ERROR(file->Close());
  }
  return OkStatus();
}

void Exchange::Finish() {
  if (draining_) return;  // the refusal is already in response_
  if (Status body = FinishBody(); !body.ok()) {
    WriteError(response_, body);
    return;
  }
  if (route_->handler == HandleDetect) {
    RunDetect();
  } else {
    RunHandler();
  }
}

void Exchange::RunDetect() {
  DetectGate& gate = context_.detect_gate;
  if (!gate.Enter(std::chrono::milliseconds(context_.options.detect_queue_wait_ms))) {
    response_.set_header("Retry-After", std::to_string(context_.options.detect_retry_after_s));
    WriteHttpError(response_, 503, "unavailable", "the detect queue is full or the wait for a turn ran out; retry later");
    return;
  }
  struct Leave {
    DetectGate& gate;
    ~Leave() { gate.Leave(); }
  } leave{gate};
  // Read now, not while uploading: only running detections hold their image in memory.
  if (!request_.body_file.empty()) {
    std::ifstream in(request_.body_file, std::ios::binary);
    request_.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      WriteError(response_, UnavailableError("reading the uploaded image back from its temp file failed"));
      return;
    }
  }
  RunHandler();
}

void Exchange::RunHandler() {
  const std::string_view what = "internal error (see the server log)";
  try {
    Call call{request_, response_, context_.options, context_.deps, context_.events, path_params_, caller_};
    Status status = route_->handler(call);
    if (!status.ok()) RefuseStatus(status);
    return;
  } catch (const std::exception& e) {
    spdlog::error("exception serving {} {}: {}", request_.method, request_.target, e.what());
  } catch (...) {
    spdlog::error("unknown exception serving {} {}", request_.method, request_.target);
  }
  if (response_.content_provider_releaser) response_.content_provider_releaser(false);
  response_.content_provider = nullptr;
  response_.content_provider_releaser = nullptr;
  WriteHttpError(response_, 500, "internal", what);
}

}  // namespace labelloop::http
