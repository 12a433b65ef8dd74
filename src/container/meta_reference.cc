#include "container/meta_reference.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/checksum.h"
#include "container/pack_options.h"
#include "streams/codec.h"

namespace sgz::internal {

Status MetaReferences::Prepare() {
  for (Candidate& c : candidates_) {
    if (!c.bytes.empty()) continue;
    c.bytes.resize(c.chunks.size());
    for (size_t j = 0; j < c.chunks.size(); ++j) {
      Status s = fetch_(c.chunks[j], &c.bytes[j]);
      if (!s.ok()) {
        c.bytes.clear();
        return s.WithContext("metadata reference chunk " + std::to_string(c.chunks[j]));
      }
    }
  }
  return Status::Ok();
}

void MetaReferences::Improve(size_t k, const uint8_t* data, uint64_t size, int level, EncodedChunk* chunk) const {
  thread_local std::string frame;
  for (const Candidate& c : candidates_) {
    if (c.bytes.size() != c.chunks.size()) continue;  // not prepared
    // Chunk k against chunk k: an inserted key shifts what follows by its
    // size, so chunk k's first bytes are in the reference's chunk k - 1 and
    // are coded without it; a few hundred bytes a chunk for real key sets.
    const size_t j = std::min(k, c.chunks.size() - 1);
    const std::vector<uint8_t>& ref = c.bytes[j];
    // The same bytes are better a copy (24 bytes, nothing to decode), which
    // the writer's dedup finds for the transform-0 chunk.
    if (ref.size() == size && std::memcmp(ref.data(), data, size) == 0) return;
    frame.clear();
    if (!EncodeStreamAgainst(data, size, level, Prefix{ref.data(), ref.size()}, &frame)) continue;
    const uint64_t stored = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength + frame.size();
    if (stored >= chunk->stored_size()) continue;
    ChunkHeader& h = chunk->header;
    h.transform = Transform::kReference;
    h.type = c.chunks[j];
    h.original_size = static_cast<uint32_t>(size);
    h.checksum = Xxh3(data, size);
    h.streams.assign(1, StreamDesc{Codec::kZstd, static_cast<uint32_t>(size), static_cast<uint32_t>(frame.size())});
    chunk->payload = frame;
    chunk->head.clear();
    h.EncodeTo(&chunk->head);
  }
}

void MetaReferences::AddMember(const std::vector<uint32_t>& metadata, const std::vector<ChunkEntry>& table) {
  if (metadata.empty()) return;
  for (uint32_t i : metadata) {
    if (i >= table.size() || table[i].transform != Transform::kNone) return;
  }
  candidates_.push_front(Candidate{metadata, {}});
  if (candidates_.size() > kMaxCandidates) candidates_.pop_back();
}

void MetaReferences::AddManifest(const Manifest& manifest) {
  for (const FileEntry& f : manifest.files) {
    if (f.kind != EntryKind::kGguf) continue;
    std::vector<uint32_t> metadata;
    uint64_t start = 0;
    for (uint32_t c : f.chunks) {
      if (start >= f.data_offset) break;
      metadata.push_back(c);
      start += manifest.chunks[c].original_size;
    }
    AddMember(metadata, manifest.chunks);
  }
}

bool TwoOrMoreGgufInputs(const std::vector<MemberInput>& inputs) {
  static const uint8_t kGguf[4] = {'G', 'G', 'U', 'F'};
  size_t n = 0;
  for (const MemberInput& input : inputs) {
    Result<std::unique_ptr<InputStream>> in = input.open();
    if (!in.ok()) continue;
    const uint8_t* data;
    uint64_t got;
    if ((*in)->Peek(4, &data, &got).ok() && got == 4 && std::memcmp(data, kGguf, 4) == 0 && ++n == 2) return true;
  }
  return false;
}

}  // namespace sgz::internal
