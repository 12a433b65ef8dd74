#include "container/predict_plan.h"

#include <algorithm>
#include <utility>

#include "container/predict_chunk.h"
#include "streams/ggml_types.h"

namespace sgz::internal {
namespace {

int Rank(uint32_t float_type) { return float_type == 0 ? 0 : float_type == 30 ? 1 : 2; }

// The pieces of a tensor of type `gt` predicted from `parent` of `file`, or
// nothing when a parent chunk is not of transform 0 or 1 or cuts a block.
std::vector<ParentPiece> PiecesFrom(const Manifest& manifest, const FileEntry& f, const TensorEntry& parent,
                                    const GgmlType& gt) {
  const uint64_t elsize = FloatBytes(parent.type);
  const uint64_t block_span = gt.block_weights * elsize;  // parent bytes per block
  const uint64_t begin = parent.offset, end = parent.offset + parent.size;
  std::vector<ParentPiece> pieces;
  uint64_t start = 0;
  for (uint32_t c : f.chunks) {
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
      p.parent_type = parent.type;
      pieces.push_back(p);
    }
    start = stop;
  }
  uint64_t covered = 0;
  for (const ParentPiece& p : pieces) covered += p.n_blocks;
  if (covered * block_span != parent.size) return {};
  return pieces;
}

}  // namespace

std::vector<ParentPiece> PlanParentPieces(const Manifest& manifest, const GgufTensor& t) {
  if (!PredictsType(t.type)) return {};
  const GgmlType& gt = *FindGgmlType(t.type);
  uint64_t n = 1;
  for (uint32_t d = 0; d < kGgufMaxDims; ++d) n *= static_cast<uint64_t>(t.ne[d]);
  if (n == 0 || n % gt.block_weights != 0 || t.size != n / gt.block_weights * gt.block_bytes) return {};
  // The candidates, best first; the first whose chunks allow it is the parent.
  std::vector<std::pair<const FileEntry*, const TensorEntry*>> candidates;
  for (const FileEntry& f : manifest.files) {
    if (f.kind != EntryKind::kGguf) continue;
    for (const TensorEntry& te : f.tensors) {
      // Not from its own type: an identical tensor is a copy already.
      if (te.name != t.name || !IsFloatParentType(te.type) || te.type == t.type || te.size != n * FloatBytes(te.type)) {
        continue;
      }
      bool same = true;
      for (uint32_t d = 0; d < kGgufMaxDims; ++d) same = same && te.ne[d] == t.ne[d];
      if (same) candidates.emplace_back(&f, &te);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return Rank(a.second->type) < Rank(b.second->type); });
  for (const auto& [file, parent] : candidates) {
    std::vector<ParentPiece> pieces = PiecesFrom(manifest, *file, *parent, gt);
    if (!pieces.empty()) return pieces;
  }
  return {};
}

}  // namespace sgz::internal
