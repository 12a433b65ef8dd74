// GGUF metadata stored once per family: while packing several members, the
// writer also codes each metadata chunk of a GGUF member against the
// metadata of earlier members (a zstd raw-content prefix, transform 3
// "reference", format 2.2) and keeps that form when it is smaller. Every
// quantization of a model repeats its parent's metadata but for a few keys
// and the tensor types, so a later member's metadata costs about what
// differs (format-spec: "Transform 3: reference").
#ifndef SGZ_CONTAINER_META_REFERENCE_H_
#define SGZ_CONTAINER_META_REFERENCE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "common/status.h"
#include "container/chunk_encoder.h"
#include "container/format.h"

namespace sgz::internal {

struct MemberInput;

// The candidates' chunks are loaded (Prepare) on the caller's thread;
// Improve then runs on any number of worker threads at once until the next
// Prepare or AddMember.
class MetaReferences {
 public:
  // The decoded bytes of the earlier chunk `index`, which is neither a copy
  // nor referencing: the dedup spill while packing (ChunkDedup::Decoded), the
  // archive when appending to one.
  using Fetch = std::function<Status(uint32_t index, std::vector<uint8_t>* out)>;

  // Earlier members whose metadata a new member is coded against, the most
  // recent first: a family's first member becomes one when nothing earlier
  // helps it (another model), so a pack of a few families keeps one each;
  // each costs a trial encoding per metadata chunk and its metadata in memory.
  static constexpr size_t kMaxCandidates = 4;

  explicit MetaReferences(Fetch fetch) : fetch_(std::move(fetch)) {}

  // Loads the bytes of every candidate not loaded yet. Call before a member.
  Status Prepare();

  // Metadata chunk `k` (from the start of its member) of data[0, size),
  // already encoded as *chunk at `level`: also coded against chunk k of each
  // candidate (its last chunk when it has fewer), and replaced by the
  // smallest such chunk when that is strictly smaller. Not when a
  // candidate's chunk holds the same bytes: a copy of it is smaller.
  void Improve(size_t k, const uint8_t* data, uint64_t size, int level, EncodedChunk* chunk) const;

  // A member just written, whose metadata is chunks `metadata` of `table`
  // (in order): it becomes a candidate when each was written with transform
  // 0 (a reference must decode alone: no copy, no referencing chunk).
  void AddMember(const std::vector<uint32_t>& metadata, const std::vector<ChunkEntry>& table);

  // The members of an archive being appended to, in order, as AddMember
  // does for each GGUF file entry (its chunks that start before
  // data_offset).
  void AddManifest(const Manifest& manifest);

  size_t candidates() const { return candidates_.size(); }
  // The decoded bytes of an earlier chunk, as the constructor was given.
  Status FetchChunk(uint32_t index, std::vector<uint8_t>* out) const { return fetch_(index, out); }

 private:
  struct Candidate {
    std::vector<uint32_t> chunks;
    std::vector<std::vector<uint8_t>> bytes;  // loaded by Prepare
  };
  Fetch fetch_;
  std::deque<Candidate> candidates_;  // most recent first
};

// Whether at least two of `inputs` begin with the GGUF magic: only then can
// a pack code metadata against another member's, and declare format 2.2 in
// the header it writes before reading any member. Opens each input once;
// one that cannot be opened counts as not GGUF (its real open reports why).
bool TwoOrMoreGgufInputs(const std::vector<MemberInput>& inputs);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_META_REFERENCE_H_
