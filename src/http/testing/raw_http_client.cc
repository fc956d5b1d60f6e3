#include "http/testing/raw_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace labelloop::http::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool WaitReadable(int fd, SteadyClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(left)) > 0;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True when `data` holds a complete response.
bool Complete(const std::string& data) {
  const size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::string head = Lower(std::string_view(data).substr(0, head_end));
  const size_t length_at = head.find("\ncontent-length:");
  if (length_at != std::string::npos) {
    const size_t length = std::strtoull(head.c_str() + length_at + 16, nullptr, 10);
    return data.size() >= head_end + 4 + length;
  }
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    return data.find("\r\n0\r\n\r\n", head_end) != std::string::npos;
  }
  const int status = StatusOf(data);
  return status == 204 || status == 304;  // otherwise the body runs to the close
}

}  // namespace

RawHttpConnection::~RawHttpConnection() { Close(); }

RawHttpConnection::RawHttpConnection(RawHttpConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

RawHttpConnection& RawHttpConnection::operator=(RawHttpConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

bool RawHttpConnection::Connect(int port, const std::string& source_address) {
  Close();
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (!source_address.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source_address.c_str(), &local.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      Close();
      return false;
    }
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    Close();
    return false;
  }
  return true;
}

bool RawHttpConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    if (fd_ < 0) return false;
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawHttpConnection::ReadResponse(std::chrono::milliseconds timeout) {
  std::string data;
  const auto deadline = SteadyClock::now() + timeout;
  char buffer[16 * 1024];
  while (fd_ >= 0 && !Complete(data) && WaitReadable(fd_, deadline)) {
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

bool RawHttpConnection::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  char buffer[16 * 1024];
  while (fd_ >= 0 && WaitReadable(fd_, deadline)) {
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
  }
  return false;
}

void RawHttpConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

int StatusOf(std::string_view response) {
  if (!response.starts_with("HTTP/1.") || response.size() < 12) return 0;
  return std::atoi(std::string(response.substr(9, 3)).c_str());
}

std::string BodyOf(std::string_view response) {
  const size_t head_end = response.find("\r\n\r\n");
  return head_end == std::string_view::npos ? "" : std::string(response.substr(head_end + 4));
}

std::string HeaderOf(std::string_view response, std::string_view name) {
  const size_t head_end = response.find("\r\n\r\n");
  const std::string head = Lower(response.substr(0, head_end));
  const std::string key = "\r\n" + Lower(name) + ":";
  const size_t at = head.find(key);
  if (at == std::string::npos) return "";
  size_t start = at + key.size();
  const size_t end = head.find("\r\n", start);
  std::string value(response.substr(start, end - start));
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

std::string RoundTrip(int port, std::string_view request, const std::string& source_address) {
  RawHttpConnection connection;
  if (!connection.Connect(port, source_address)) return "";
  connection.Send(request);
  return connection.ReadResponse(std::chrono::seconds(5));
}

}  // namespace labelloop::http::testing
