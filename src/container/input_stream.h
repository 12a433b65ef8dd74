// Sequential input that may be a pipe: what the packer and the streaming
// unpacker read.
#ifndef SGZ_CONTAINER_INPUT_STREAM_H_
#define SGZ_CONTAINER_INPUT_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "container/format.h"

namespace sgz::internal {

// A read-only memory map of a whole file (empty files map to size 0). Only
// for files nothing else writes to while mapped: a shrinking file faults.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

// Peek makes the next bytes available without consuming them, Consume
// advances. Memory is bounded by the largest Peek.
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Makes the next min(n, bytes left) bytes available at *data (valid until
  // the next call); *got < n only at the end of the input.
  virtual Status Peek(uint64_t n, const uint8_t** data, uint64_t* got) = 0;
  // REQUIRES: n <= the bytes made available by the last Peek.
  virtual void Consume(uint64_t n) = 0;
  // Bytes consumed so far.
  virtual uint64_t position() const = 0;
  // The permission bits and modification time of the input, as an archive
  // records them: set for a regular file opened by path, none otherwise
  // (standard input, pipes, devices, memory).
  virtual FileAttributes attributes() const { return FileAttributes(); }
};

// "-" reads standard input; anything else is opened and read sequentially
// with read(), so memory is bounded by the largest Peek and a file that
// shrinks cannot fault. A regular file whose st_size is 0 (/proc, /sys) is
// read to EOF like a pipe. A regular file with a nonzero st_size must read
// exactly that many bytes and keep its size, mtime and ctime until EOF;
// otherwise Peek fails with IOError "changed while it was being packed" (the
// caller names the file). A regular file's attributes() come from the fstat
// of the open file, the same one that change check starts from.
Result<std::unique_ptr<InputStream>> OpenInputStream(const std::string& path);
// The memory must outlive the stream.
std::unique_ptr<InputStream> NewMemoryInputStream(const uint8_t* data, uint64_t size);
// Reads a file descriptor sequentially; `name` is used in messages.
std::unique_ptr<InputStream> NewFdInputStream(int fd, const std::string& name);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_INPUT_STREAM_H_
