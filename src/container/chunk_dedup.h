// Identical chunks stored once: while packing several members, the writer
// asks, for each chunk it is about to write, whether an earlier chunk of the
// archive holds the same bytes, encoded the same way; if so it writes a copy
// chunk (transform 2) naming that chunk instead (format-spec: "Transform 2:
// copy").
#ifndef SGZ_CONTAINER_CHUNK_DEDUP_H_
#define SGZ_CONTAINER_CHUNK_DEDUP_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "container/chunk_encoder.h"
#include "container/format.h"

namespace sgz::internal {

// A copy chunk (transform 2) of chunk `target`, whose header is `of`: no
// streams, `type` the target's index, `of`'s size and checksum.
EncodedChunk CopyChunk(const ChunkHeader& of, uint32_t target);

// Not thread-safe: used from the writer's in-order consumer.
class ChunkDedup {
 public:
  using Key = std::tuple<uint64_t, uint32_t, uint8_t, uint32_t>;  // checksum, size, transform, type

  // Opens the spill: an unlinked temporary file that keeps the stored bytes
  // of every chunk written, so that a candidate is confirmed by its bytes,
  // not by its 64-bit checksum alone, in memory that does not grow with the
  // archive (disk: about the archive's size).
  static Result<std::unique_ptr<ChunkDedup>> Create();
  ~ChunkDedup();
  ChunkDedup(const ChunkDedup&) = delete;
  ChunkDedup& operator=(const ChunkDedup&) = delete;

  // The index of an earlier chunk (Add) with the same checksum, size,
  // transform and type as `chunk` whose decoded bytes equal data[0,
  // chunk.header.original_size), or -1 when there is none. A referencing
  // chunk (transform 3, same reference) matches when its stored bytes are
  // the same: it cannot be decoded here without its reference, and the same
  // bytes against the same reference give the same stored bytes.
  Result<int64_t> Find(const EncodedChunk& chunk, const uint8_t* data);

  // The decoded bytes of chunk `index` (Add), which is not referencing.
  // NotFound for an index never added.
  Status Decoded(uint32_t index, std::vector<uint8_t>* out);

  // Records `chunk`, written as chunk `index` (not a copy), as a target for
  // later chunks.
  Status Add(uint32_t index, const EncodedChunk& chunk);

  // Decodes chunk `index` of the archive being appended to (checking its
  // checksum) into *out.
  using DecodeExisting = std::function<Status(uint32_t index, std::vector<uint8_t>* out)>;
  // Records chunk `index` of the archive being appended to, described by
  // `entry` (not a copy), as a target; a candidate among them is confirmed
  // by decoding it with `decode`, set once before.
  void set_existing(DecodeExisting decode) { decode_existing_ = std::move(decode); }
  void AddExisting(uint32_t index, const ChunkEntry& entry);

 private:
  explicit ChunkDedup(std::FILE* spill) : spill_(spill) {}
  static constexpr uint64_t kInArchive = UINT64_MAX;
  struct Stored {
    uint32_t index;
    uint64_t offset;  // in the spill; kInArchive: a chunk of the archive appended to
    uint64_t size;
  };
  DecodeExisting decode_existing_;
  std::FILE* spill_;
  uint64_t spill_size_ = 0;
  // Reads and decodes what Add wrote at `s` (the header in *h).
  Status ReadStored(const Stored& s, ChunkHeader* h, size_t* head_size);
  std::multimap<Key, Stored> stored_;
  std::map<uint32_t, Stored> by_index_;
  std::vector<uint8_t> buf_, decoded_;
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_CHUNK_DEDUP_H_
