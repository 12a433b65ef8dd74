// Errors of the sgz library (part of sgz/sgz.h): nothing in the library
// throws; every fallible call returns an Error, or an ErrorOr<T> holding a
// value or an Error.
#ifndef SGZ_PUBLIC_ERROR_H_
#define SGZ_PUBLIC_ERROR_H_

#include <string>
#include <utility>
#include <variant>

#include "sgz/error_code.h"

namespace sgz {

// "ok", "invalid_argument", "corrupt", "checksum_mismatch", "not_supported",
// "io_error", "resource_exhausted", "not_found".
const char* ErrorCodeName(ErrorCode code);

// The outcome of an operation: ok, or a code and a message.
class Error {
 public:
  Error() = default;
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Error Ok() { return Error(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string ToString() const;

  // The file the error concerns, as the caller named it ("-" for standard
  // input, "<stdout>" for the output "-"), for calls given paths:
  // Reader::Open(path), and for
  // PackFile, UnpackFile and VerifyFile the output when creating or writing
  // it failed, VerifyOptions::against when opening or reading it failed,
  // otherwise the input. Empty for bad options and for errors of other
  // calls. Not part of ToString().
  const std::string& path() const { return path_; }
  Error& set_path(std::string path) {
    path_ = std::move(path);
    return *this;
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::string path_;
};

// A value, or the Error that prevented it.
template <typename T>
class ErrorOr {
 public:
  ErrorOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !error.ok(). An ok Error is stored as kInvalidArgument so that
  // ok() and value() stay consistent.
  ErrorOr(Error error)  // NOLINT: implicit by design
      : v_(error.ok() ? Error(ErrorCode::kInvalidArgument, "ErrorOr built from an ok Error") : std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  // Error::Ok() when a value is held.
  Error error() const { return ok() ? Error() : std::get<1>(v_); }
  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace sgz

#endif  // SGZ_PUBLIC_ERROR_H_
