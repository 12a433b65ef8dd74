// A small cache of decoded chunks, so that repeated small reads of one chunk
// (a FUSE mount reads 128 KiB at a time) decode it once.
#ifndef SGZ_CONTAINER_CHUNK_CACHE_H_
#define SGZ_CONTAINER_CHUNK_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sgz::internal {

using DecodedChunk = std::shared_ptr<const std::vector<uint8_t>>;

// Least-recently-used, bounded both in chunks and in decoded bytes. Entries
// are shared: a chunk handed out stays valid after its eviction. Not
// thread-safe (the chunk store uses it from the caller's thread only).
class ChunkCache {
 public:
  // max_chunks == 0 or max_bytes == 0 disables the cache.
  ChunkCache(size_t max_chunks, uint64_t max_bytes) : max_chunks_(max_chunks), max_bytes_(max_bytes) {}

  // The decoded chunk `index` (marked most recently used), or null.
  DecodedChunk Get(uint32_t index);
  bool Contains(uint32_t index) const;
  // Adds or replaces chunk `index`, then evicts the least recently used
  // entries until both bounds hold. A chunk larger than max_bytes is not kept.
  void Put(uint32_t index, DecodedChunk chunk);
  void Clear();

  size_t size() const { return entries_.size(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t hits() const { return hits_; }

 private:
  struct Entry {
    uint32_t index;
    DecodedChunk chunk;
  };
  size_t max_chunks_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0;
  std::vector<Entry> entries_;  // least recently used first; a few entries, searched linearly
};

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_CHUNK_CACHE_H_
