// Exchange: one HTTP request on its way through the server. libmicrohttpd calls the
// server once the request head is complete (Begin: no body byte has been read yet), once
// per piece of body (Receive) and once when the body is complete (Finish). Begin checks
// everything the head can tell (request target, header text, route, Content-Encoding,
// credentials and role, the declared body size, room in the detect queue), so a refused
// request costs no upload and no memory. Bodies go to memory (small JSON), to a temp file
// (object uploads and detect images) or, for multipart uploads, one temp file per part,
// and every framing is capped. Finish runs the handler; an exception becomes a 500.
// One exchange belongs to one connection thread; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/detect_gate.h"
#include "http/event_hub.h"
#include "http/request.h"
#include "http/route.h"
#include "http/server.h"
#include "http/temp_file.h"

struct MHD_Connection;
struct MHD_PostProcessor;

namespace labelloop::http {

// What every exchange shares (owned by the server).
struct ServerContext {
  const ServerOptions& options;
  const ServerDeps& deps;
  EventHub& events;
  DetectGate& detect_gate;
};

class Exchange {
 public:
  // `target` is the request target exactly as sent.
  Exchange(ServerContext& context, std::string target);
  ~Exchange();  // removes the body's temp files
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // The head is complete. true: read the body; false: response() is the final reply
  // (a refusal), to be sent before any body byte is read. (A refused request whose body is
  // announced and at most 1 MiB returns true: the body is read and dropped first, so a
  // client still writing it is not reset before it reads the reply.)
  bool Begin(MHD_Connection* connection, const char* method, const char* version);
  // A piece of the body. false: the request must be cut off (the body passed its limit in
  // a framing that did not announce its size, or the disk failed); the reason is logged.
  bool Receive(const char* data, size_t size);
  // The whole body arrived: runs the handler and fills response().
  void Finish();

  Response& response() { return response_; }
  const Request& request() const { return request_; }

 private:
  enum class BodyKind { kMemory, kFile, kMultipart };
  struct MultipartState;

  // Begin's checks: false with the refusal in response_.
  bool Check(MHD_Connection* connection, const char* method, const char* version);
  // The Content-Length header's value; nullopt when absent or not a number.
  std::optional<uint64_t> DeclaredLength() const;
  bool Refuse(int http_status, std::string_view code, std::string_view message);
  bool RefuseStatus(const Status& status);
  Status ReadHead(MHD_Connection* connection, const char* method, const char* version);
  Status PlanBody(MHD_Connection* connection);
  Status FinishBody();
  bool KeepBodyError(const Status& status);
  void RunHandler();
  void RunDetect();
  Status ReceiveMultipart(const char* data, size_t size);

  ServerContext& context_;
  Request request_;
  Response response_;
  const Route* route_ = nullptr;
  PathParams path_params_;
  std::optional<Caller> caller_;
  BodyKind body_kind_ = BodyKind::kMemory;
  size_t body_limit_bytes_ = 0;
  size_t body_received_bytes_ = 0;
  std::unique_ptr<TempFile> body_file_;
  Status body_error_;  // the body could not be written to its temp file (disk full, read-only)
  std::unique_ptr<MultipartState> multipart_;
  bool draining_ = false;  // refused; the announced (small) body is read and dropped
};

}  // namespace labelloop::http
