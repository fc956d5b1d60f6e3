// RawHttpConnection: a plain TCP client for tests and benchmarks that must send what no
// HTTP library would (malformed request lines, floods of headers, trickled heads, endless
// chunked bodies) and watch exactly what the server does. Blocking sockets with timeouts;
// never raises SIGPIPE. Not thread-safe (one per thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace labelloop::http::testing {

class RawHttpConnection {
 public:
  RawHttpConnection() = default;
  ~RawHttpConnection();
  RawHttpConnection(RawHttpConnection&& other) noexcept;
  RawHttpConnection& operator=(RawHttpConnection&& other) noexcept;

  // Connects to 127.0.0.1:port, from `source_address` when given (e.g. "127.0.0.2", so
  // one test can play two clients). false on failure.
  bool Connect(int port, const std::string& source_address = "");
  // Sends all of `bytes`. false once the server has closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads until one whole response arrived (head plus Content-Length or chunked body),
  // the server closed, or `timeout` passed. Returns what was read ("" on timeout with
  // nothing read).
  std::string ReadResponse(std::chrono::milliseconds timeout);
  // True when the server closed (or reset) the connection within `timeout`; bytes read
  // meanwhile are discarded.
  bool WaitClosed(std::chrono::milliseconds timeout);
  void Close();
  bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// The status code of a raw response ("HTTP/1.1 404 Not Found..." -> 404); 0 when none.
int StatusOf(std::string_view response);
// The body of a raw response (after the blank line; chunked bodies are not decoded).
std::string BodyOf(std::string_view response);
// The value of `name` in a raw response head ("" when absent; case-insensitive).
std::string HeaderOf(std::string_view response, std::string_view name);

// One request on a fresh connection: send, read the response (timeout 5 s).
std::string RoundTrip(int port, std::string_view request, const std::string& source_address = "");

}  // namespace labelloop::http::testing
