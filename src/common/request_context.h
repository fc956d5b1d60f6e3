// The id of the request the calling thread is serving, so every log line a request writes
// carries it (logging.h adds it to text and JSON lines). Set for the length of a scope by
// the HTTP dispatcher; empty outside requests. Thread-local, so thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace labelloop {

// "" when the thread serves no request.
std::string_view CurrentRequestId();

// A fresh random id: 16 lowercase hex characters.
std::string NewRequestId();

// True for ids a client may choose (X-Request-Id): 1-64 of [A-Za-z0-9._-], so a log line
// can never be forged or broken by one.
bool IsValidRequestId(std::string_view id);

class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

  const std::string& id() const { return id_; }

 private:
  std::string id_;
  std::string previous_;
};

}  // namespace labelloop
