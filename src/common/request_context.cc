#include "common/request_context.h"

#include <fmt/format.h>

#include <random>

namespace labelloop {
namespace {

thread_local std::string current_request_id;

}  // namespace

std::string_view CurrentRequestId() { return current_request_id; }

std::string NewRequestId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return fmt::format("{:016x}", engine());
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

ScopedRequestId::ScopedRequestId(std::string id) : id_(std::move(id)), previous_(current_request_id) {
  current_request_id = id_;
}

ScopedRequestId::~ScopedRequestId() { current_request_id = previous_; }

}  // namespace labelloop
