// Byte sources (random-access input) and byte sinks (sequential output).
#ifndef SGZ_CONTAINER_IO_H_
#define SGZ_CONTAINER_IO_H_

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace sgz::internal {

// Random-access input. Implementations: file (pread), memory. Counts what is
// read so callers can show how much of an archive an operation touched.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t Size() const = 0;
  // Reads exactly n bytes at offset into dst; fails on a short read.
  Status Read(uint64_t offset, uint64_t n, uint8_t* dst);
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t read_calls() const { return read_calls_; }

 protected:
  virtual Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) = 0;

 private:
  uint64_t bytes_read_ = 0;
  uint64_t read_calls_ = 0;
};

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);
// The memory must outlive the source.
std::unique_ptr<ByteSource> NewMemorySource(const uint8_t* data, uint64_t size);

// A read-only memory map of a whole file (empty files map to size 0).
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

// Sequential input that may be a pipe: Peek makes the next bytes available
// without consuming them, Consume advances. Memory is bounded by the largest
// Peek.
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
};

// "-" reads standard input; a regular file is memory-mapped (pages already
// consumed are released, so resident memory stays bounded); anything else
// (a FIFO, a device) is read sequentially.
Result<std::unique_ptr<InputStream>> OpenInputStream(const std::string& path);
// The memory must outlive the stream.
std::unique_ptr<InputStream> NewMemoryInputStream(const uint8_t* data, uint64_t size);
// Reads a file descriptor sequentially; `name` is used in messages.
std::unique_ptr<InputStream> NewFdInputStream(int fd, const std::string& name);

// Sequential output.
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

// An output file that appears only when complete: bytes go to a temporary
// file beside the target, which Commit() renames into place. Without
// `overwrite` an existing target is never replaced (checked at Create and
// again, atomically, at Commit). Destroying an uncommitted OutputFile removes
// the temporary. The path "-" writes to standard output instead; an existing
// device or FIFO (e.g. /dev/null) is written directly.
//
// InstallOutputCleanup() makes SIGINT, SIGTERM and SIGHUP remove the
// temporaries of every live OutputFile before the process dies, and ignores
// SIGXFSZ so that a file-size limit shows up as a write error (EFBIG).
void InstallOutputCleanup();

class OutputFile : public ByteSink {
 public:
  static Result<std::unique_ptr<OutputFile>> Create(const std::string& path, bool overwrite);
  ~OutputFile() override;
  Status Write(const void* data, size_t n) override;
  Status Commit();
  const std::string& path() const { return path_; }

 private:
  OutputFile() = default;
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool overwrite_ = false;
  bool committed_ = false;
  bool is_stdout_ = false;
  bool is_device_ = false;
  int slot_ = -1;  // in the signal handler's list of temporaries
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_IO_H_
