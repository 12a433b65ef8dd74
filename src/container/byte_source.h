// Random-access input: the archive a reader opens.
#ifndef SGZ_CONTAINER_BYTE_SOURCE_H_
#define SGZ_CONTAINER_BYTE_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace sgz::internal {

// Random-access input. Implementations: file (pread), memory, and the public
// API's adapter for caller-supplied sources (which may be HTTP range
// requests: every Read is one request, so readers count and merge them).
// Counts what is read so callers can show how much of an archive an
// operation touched. Not thread-safe (readers call it from one thread)
// unless ConcurrentReads() says so.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t Size() const = 0;
  // Reads exactly n bytes at offset into dst; fails on a short read or a
  // range past Size() (Corruption: the range came from the archive).
  Status Read(uint64_t offset, uint64_t n, uint8_t* dst);
  // The same bytes in place, counted as a read, where the source holds them
  // in memory (a file it mapped, memory): no copy, no buffer to fill. Null
  // where it does not (then Read), or for a range past Size(). Valid as long
  // as the source.
  const uint8_t* View(uint64_t offset, uint64_t n);
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t read_calls() const { return read_calls_; }
  // Whether Read may be called from several threads at once (a file read
  // with pread, memory): the chunk store then reads parent chunks on the
  // workers that decode them.
  virtual bool ConcurrentReads() const { return false; }
  // A source paying per read (HTTP: one request each) wants adjacent
  // chunks merged into reads up to this many bytes; 0: the reader's default.
  virtual uint64_t PreferredReadSize() const { return 0; }

  // The source's bytes in memory, all Size() of them, or null.
  virtual const uint8_t* Mapped() const { return nullptr; }

 protected:
  virtual Status DoRead(uint64_t offset, uint64_t n, uint8_t* dst) = 0;

 private:
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> read_calls_{0};
};

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path);
// The memory must outlive the source.
std::unique_ptr<ByteSource> NewMemorySource(const uint8_t* data, uint64_t size);
// Reads the file open as `fd`, `size` bytes long, without owning it (the
// caller closes it after the source is gone); `path` names it in messages.
std::unique_ptr<ByteSource> NewFdSource(int fd, uint64_t size, const std::string& path);
// The first `size` bytes of `inner` (size <= inner->Size()): an archive
// opened as it was before bytes were appended to it.
std::unique_ptr<ByteSource> NewPrefixSource(std::unique_ptr<ByteSource> inner, uint64_t size);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_BYTE_SOURCE_H_
