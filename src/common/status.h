// Status and Result<T>: the one way labelloop reports errors. Codes are a subset of
// abseil's, chosen by what the caller should do next (retry Unavailable, stop on
// FailedPrecondition). Values are immutable and cheap to copy; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace labelloop {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kUnavailable,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kDataLoss,
  kInternal,
  // The storage is full or read-only (ENOSPC, EDQUOT, EROFS, SQLITE_FULL): retry once an
  // operator has made room. Apart from ResourceExhausted (slow down, ask for less).
  kInsufficientStorage,
};

// Stable snake_case name of a code, used in JSON errors ("not_found").
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prepends context ("reading manifest: " + message); keeps the code.
  Status WithContext(std::string_view context) const;
  // "not_found: object 'x' does not exist"
  std::string ToString() const;

  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnavailableError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status InsufficientStorageError(std::string message);
Status DataLossError(std::string message);
Status InternalError(std::string message);

// Holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = InternalError("Result constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace labelloop

#define LABELLOOP_CONCAT_INNER(a, b) a##b
#define LABELLOOP_CONCAT(a, b) LABELLOOP_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    ::labelloop::Status _st = (expr);                 \
    if (!_st.ok()) return _st;                        \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(LABELLOOP_CONCAT(_result_, __LINE__), lhs, expr)
