#include "common/status.h"

namespace sgz::internal {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kInvalidArgument: return "invalid argument";
    case Status::Code::kCorrupt: return "corrupt";
    case Status::Code::kChecksumMismatch: return "checksum mismatch";
    case Status::Code::kNotSupported: return "not supported";
    case Status::Code::kIoError: return "I/O error";
    case Status::Code::kResourceExhausted: return "resource exhausted";
    case Status::Code::kNotFound: return "not found";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace sgz::internal
