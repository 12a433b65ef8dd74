// Encoding chunks for the writer: one chunk with a given transform, and a
// run of small tensors cut into whichever chunks come out smallest.
#ifndef SGZ_CONTAINER_CHUNK_ENCODER_H_
#define SGZ_CONTAINER_CHUNK_ENCODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "container/format.h"
#include "streams/transform.h"

namespace sgz::internal {

// One chunk ready to be written: its header (encoded in `head`) and the
// stored bytes of its streams.
struct EncodedChunk {
  ChunkHeader header;
  std::string head;
  std::string payload;

  uint64_t stored_size() const { return head.size() + payload.size(); }
};

// How the writer codes chunks: the zstd level of their streams, and whether
// format 2.4's transform 5 (context split) and codec 2 (rans) may be used
// (the archive then declares 2.4 if it uses them).
struct Coding {
  int level = 1;
  bool context = true;
  // Format 2.5's estimated scales (transform 4's flag ESTIMATE) may be used.
  bool estimate = true;
  // StreamCoding::min_gain: the fast levels' preference for stored streams
  // that decode for free over ones that compression shrinks but a little.
  bool min_gain = false;
};

// What a chunk costs in the archive besides its stored bytes: its chunk-table
// entry and its file's chunk reference.
constexpr uint64_t kChunkManifestCost = 32 + 4;

// Encodes data[0, size) as one chunk with `transform` (`type`: the ggml type
// of a kSplit chunk, ignored for kNone), its streams as `coding` says. A
// kSplit of a type transform 5 re-expresses (HasContextSplit) is written as
// transform 5 when coding.context allows it.
// REQUIRES: 0 < size <= kMaxChunkSize; for kSplit, FindGgmlType(type) has fields.
void EncodeChunkAs(const uint8_t* data, uint64_t size, Transform transform, uint32_t type, const Coding& coding,
                   EncodedChunk* out);

// Appends the streams of split[0, size) (StreamSizes(transform, gt, size),
// one after the other) to out->payload, each encoded as `coding` says (a
// transform-5 stream with a context rule with its contexts), and their
// descriptors to out->header.streams.
void AppendStreams(const uint8_t* split, uint64_t size, Transform transform, const GgmlType* gt,
                   const Coding& coding, EncodedChunk* out);

// A stretch of a group: a tensor (with its padding) or a gap, at `offset`
// from the group's start. `transform`/`type`: how it would be chunked alone.
struct GroupPiece {
  uint64_t offset;
  uint64_t size;
  Transform transform;
  uint32_t type;
};

// Encodes data[0, size), which `pieces` cover in order and back to back, as
// chunks whose boundaries are piece boundaries, chosen so that the chunks
// (stored bytes plus kChunkManifestCost each) come out small: each node of a
// halving tree over the pieces is tried as one chunk (transform 0, and the
// split of its main type when that type's pieces are block-aligned in it)
// against the best of its two halves. Depends on the bytes only. Pieces past
// `size` (a truncated input) are cut off.
// REQUIRES: 0 < size <= kMaxChunkSize; pieces non-empty, pieces[0].offset == 0.
void EncodeGroup(const uint8_t* data, uint64_t size, const std::vector<GroupPiece>& pieces, const Coding& coding,
                 std::vector<EncodedChunk>* out);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_CHUNK_ENCODER_H_
