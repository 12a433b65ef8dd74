// Where the library's bytes come from and go to (part of sgz/sgz.h):
// archive sources, write and progress callbacks, and output files that
// appear only when complete.
#ifndef SGZ_PUBLIC_IO_H_
#define SGZ_PUBLIC_IO_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sgz/error.h"

namespace sgz {

// Random-access bytes of an archive: implement it to read archives from
// anywhere (an HTTP server with range requests, a database, ...).
class Source {
 public:
  virtual ~Source() = default;
  // Total bytes; must not change while a Reader uses the source.
  virtual uint64_t Size() const = 0;
  // Reads exactly n bytes at offset into dst (the library asks only for
  // ranges inside [0, Size())). A short read is an error: return a non-ok
  // Error, normally kIoError; its code and message reach the caller.
  // Exceptions thrown here are caught and reported as kIoError.
  virtual Error Read(uint64_t offset, uint64_t n, void* dst) = 0;
};

// Progress of a long operation (PackFile, UnpackFile, Reader::Unpack,
// Reader::Verify, VerifyFile), reported on the calling thread after each
// chunk: `done` original bytes processed of `total` (0 when unknown, e.g.
// packing from a pipe or unpacking one); `archive_bytes` archive bytes
// written so far (PackFile) or 0. The callback must not throw.
struct Progress {
  uint64_t done = 0;
  uint64_t total = 0;
  uint64_t archive_bytes = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Receives decoded bytes in order, n > 0 each time; data is valid only during
// the call. A non-ok return stops the operation, which returns that Error
// unchanged. The callback must not throw.
using WriteCallback = std::function<Error(const void* data, size_t n)>;

// An output file that appears only when complete: bytes go to a temporary
// file beside `path`, renamed into place by Commit(). Without `overwrite`
// an existing file is an error (kInvalidArgument, at Create and again
// atomically at Commit; the message is "PATH: already exists", the same
// from PackFile, UnpackFile and Reader::Unpack) and is left alone. An OutputFile destroyed without
// Commit removes its temporary. "-" writes to standard output; an existing
// device or FIFO (/dev/null) is written directly.
class OutputFile {
 public:
  static ErrorOr<OutputFile> Create(const std::string& path, bool overwrite);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  ~OutputFile();

  Error Write(const void* data, size_t n);
  // Flushes and renames into place. REQUIRES: called at most once.
  Error Commit();
  const std::string& path() const;

 private:
  struct Impl;
  explicit OutputFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Makes SIGINT, SIGTERM and SIGHUP remove the temporaries of every output in
// progress (PackFile, UnpackFile, Reader::Unpack, OutputFile) before the
// process dies of the signal, and ignores SIGXFSZ so that a file-size limit
// is reported as an I/O error. Replaces the handlers of those signals: call
// it once, early, in programs that want this.
void InstallOutputCleanup();

}  // namespace sgz

#endif  // SGZ_PUBLIC_IO_H_
