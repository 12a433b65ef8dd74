// The decoded bytes of chunks a streaming reader has passed. A copy chunk
// (transform 2) is its target's bytes, and a transform that decodes against
// an earlier chunk's bytes (a zstd prefix) needs them too; a stream cannot
// go back, and keeping every chunk in memory would not be bounded. So the
// reader notes where each chunk's bytes can be had again: in an output it
// wrote and can read back (a member's temporary file), or, when they went
// nowhere readable (standard output, a member not selected), its stored
// bytes in a spool, an unlinked temporary file decoded again on demand.
// Memory: a few dozen bytes per chunk and one chunk at a time.
#ifndef SGZ_CONTAINER_EARLIER_CHUNKS_H_
#define SGZ_CONTAINER_EARLIER_CHUNKS_H_

#include <cstdint>
#include <cstdio>
#include <vector>

#include "common/status.h"
#include "container/format.h"

namespace sgz::internal {

// The service both copies and prefix-coded transforms use.
class EarlierChunks {
 public:
  virtual ~EarlierChunks() = default;
  // The decoded bytes of chunk `index`, met earlier, checked against that
  // chunk's checksum, into *out.
  virtual Status Read(uint32_t index, std::vector<uint8_t>* out) = 0;
};

// An output whose bytes can be read again (a regular file still open).
class ReadableOutput {
 public:
  virtual ~ReadableOutput() = default;
  virtual Status ReadAt(uint64_t offset, void* buf, size_t n) = 0;
};

// EarlierChunks of a stream, fed in chunk-index order.
class StreamChunkLog : public EarlierChunks {
 public:
  explicit StreamChunkLog(FormatVersion version) : version_(version) {}
  ~StreamChunkLog() override;
  // The next chunk: decoded to `out` at `offset`.
  void NoteWritten(ReadableOutput* out, uint64_t offset, uint32_t size, uint64_t checksum);
  // The next chunk: its whole stored form (header and payload), spooled.
  Status NoteStored(const std::vector<uint8_t>& head, const std::vector<uint8_t>& payload, uint32_t size,
                    uint64_t checksum);
  // The next chunk, whose bytes are not kept: a reference to it fails with
  // NotSupported.
  void NoteUnkept() { chunks_.push_back({nullptr, kUnkept, 0, 0, 0}); }
  // The next chunk: a copy of `target` whose bytes went nowhere readable.
  void NoteCopy(uint32_t target) { chunks_.push_back(chunks_.at(target)); }
  Status Read(uint32_t index, std::vector<uint8_t>* out) override;
  uint64_t spooled_bytes() const { return spool_size_; }

 private:
  static constexpr uint64_t kUnkept = ~uint64_t{0};
  struct Where {
    ReadableOutput* out;  // null: in the spool
    uint64_t offset;      // in `out`, or in the spool
    uint64_t stored;      // spooled bytes (0 for `out`)
    uint32_t size;
    uint64_t checksum;
  };
  FormatVersion version_;
  std::vector<Where> chunks_;
  std::FILE* spool_ = nullptr;
  uint64_t spool_size_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_EARLIER_CHUNKS_H_
