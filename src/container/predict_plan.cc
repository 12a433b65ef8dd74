#include "container/predict_plan.h"

#include "container/predict_chunk.h"
#include "streams/ggml_types.h"

namespace sgz::internal {
namespace {

int Rank(uint32_t float_type) { return float_type == 0 ? 0 : float_type == 30 ? 1 : 2; }

}  // namespace

std::vector<ParentPiece> PlanParentPieces(const Manifest& manifest, const GgufTensor& t) {
  if (!PredictsType(t.type)) return {};
  const GgmlType& gt = *FindGgmlType(t.type);
  uint64_t n = 1;
  for (uint32_t d = 0; d < kGgufMaxDims; ++d) n *= static_cast<uint64_t>(t.ne[d]);
  if (n == 0 || n % gt.block_weights != 0 || t.size != n / gt.block_weights * gt.block_bytes) return {};
  const FileEntry* file = nullptr;
  const TensorEntry* parent = nullptr;
  for (const FileEntry& f : manifest.files) {
    if (f.kind != EntryKind::kGguf) continue;
    for (const TensorEntry& te : f.tensors) {
      if (te.name != t.name || !IsFloatParentType(te.type) || te.size != n * FloatBytes(te.type)) continue;
      bool same = true;
      for (uint32_t d = 0; d < kGgufMaxDims; ++d) same = same && te.ne[d] == t.ne[d];
      if (same && (parent == nullptr || Rank(te.type) < Rank(parent->type))) {
        parent = &te;
        file = &f;
      }
    }
  }
  if (parent == nullptr) return {};
  const uint64_t elsize = FloatBytes(parent->type);
  const uint64_t block_span = gt.block_weights * elsize;  // parent bytes per block
  const uint64_t begin = parent->offset, end = parent->offset + parent->size;
  std::vector<ParentPiece> pieces;
  uint64_t start = 0;
  for (uint32_t c : file->chunks) {
    const ChunkEntry& e = manifest.chunks[c];
    const uint64_t stop = start + e.original_size;
    if (stop > begin && start < end) {
      const uint64_t lo = std::max(start, begin), hi = std::min(stop, end);
      if ((lo - begin) % block_span != 0 || (hi - begin) % block_span != 0) return {};
      const uint32_t resolved = e.transform == Transform::kCopy ? e.type : c;
      const Transform rt = manifest.chunks[resolved].transform;
      if (rt != Transform::kNone && rt != Transform::kSplit) return {};
      ParentPiece p;
      p.first_block = (lo - begin) / block_span;
      p.n_blocks = (hi - lo) / block_span;
      p.parent_chunk = resolved;
      p.parent_offset = static_cast<uint32_t>(lo - start);
      p.parent_type = parent->type;
      pieces.push_back(p);
    }
    start = stop;
  }
  uint64_t covered = 0;
  for (const ParentPiece& p : pieces) covered += p.n_blocks;
  if (covered != n / gt.block_weights) return {};
  return pieces;
}

}  // namespace sgz::internal
