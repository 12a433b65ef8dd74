// Status and Result<T>: the error model of the sgz library.
//
// The library never throws across its boundary. Every fallible operation
// returns a Status (or a Result<T> carrying a value or a Status). Codes are
// coarse on purpose; the message names the structure, field, value and limit.
#ifndef SGZ_COMMON_STATUS_H_
#define SGZ_COMMON_STATUS_H_

#include <string>
#include <utility>
#include <variant>

#include "sgz/error_code.h"

namespace sgz::internal {

class Status {
 public:
  // One vocabulary with the public API: the codes are sgz::ErrorCode.
  using Code = ::sgz::ErrorCode;

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorrupt, std::move(m)); }
  static Status ChecksumMismatch(std::string m) { return Status(Code::kChecksumMismatch, std::move(m)); }
  static Status NotSupported(std::string m) { return Status(Code::kNotSupported, std::move(m)); }
  static Status IOError(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status ResourceExhausted(std::string m) { return Status(Code::kResourceExhausted, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>".
  Status WithContext(const std::string& prefix) const {
    if (ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: REQUIRES: !status.ok()
  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define SGZ_RETURN_IF_ERROR(expr)          \
  do {                                     \
    ::sgz::internal::Status sgz_status_ = (expr);    \
    if (!sgz_status_.ok()) return sgz_status_; \
  } while (0)

#define SGZ_CONCAT_INNER(a, b) a##b
#define SGZ_CONCAT(a, b) SGZ_CONCAT_INNER(a, b)
#define SGZ_ASSIGN_OR_RETURN(lhs, expr) \
  SGZ_ASSIGN_OR_RETURN_IMPL(SGZ_CONCAT(sgz_result_, __LINE__), lhs, expr)
#define SGZ_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

}  // namespace sgz::internal

#endif  // SGZ_COMMON_STATUS_H_
