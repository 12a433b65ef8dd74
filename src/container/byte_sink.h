// Sequential output: where unpacked and packed bytes go.
#ifndef SGZ_CONTAINER_BYTE_SINK_H_
#define SGZ_CONTAINER_BYTE_SINK_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace sgz::internal {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(const void* data, size_t n) = 0;
};

class StringSink : public ByteSink {
 public:
  Status Write(const void* data, size_t n) override {
    out.append(static_cast<const char*>(data), n);
    return Status::Ok();
  }
  std::string out;
};

// Keeps nothing, counts the bytes: for runs that only check how much came out
// (benchmarks, fuzzing).
class DiscardSink : public ByteSink {
 public:
  Status Write(const void*, size_t n) override {
    bytes += n;
    return Status::Ok();
  }
  uint64_t bytes = 0;
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_BYTE_SINK_H_
