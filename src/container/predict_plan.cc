#include "container/predict_plan.h"

#include <algorithm>
#include <utility>

#include "container/predict_chunk.h"
#include "streams/ggml_types.h"

namespace sgz::internal {
namespace {

int Rank(uint32_t float_type) { return float_type == 0 ? 0 : float_type == 30 ? 1 : 2; }

// Chunk c resolved to a copy's target in *resolved; true when that chunk is of
// transform 0, 1 or 5, the only chunks a prediction may read its parent or
// importance values from.
bool ResolvesToPlain(const Manifest& manifest, uint32_t c, uint32_t* resolved) {
  const ChunkEntry& e = manifest.chunks[c];
  *resolved = e.transform == Transform::kCopy ? e.type : c;
  const Transform rt = manifest.chunks[*resolved].transform;
  return DecodesAlone(rt);
}

// The pieces of a tensor of type `gt` predicted from `parent` of `file`, or
// nothing when a parent chunk is not of transform 0, 1 or 5 or cuts a block.
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
      uint32_t resolved;
      if (!ResolvesToPlain(manifest, c, &resolved)) return {};
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

// The chunk of file `f` holding its bytes [begin, begin + n) whole, resolved
// to a copy's target, when that chunk has transform 0 or 1: *chunk and the
// offset there.
bool ChunkHolding(const Manifest& manifest, const FileEntry& f, uint64_t begin, uint64_t n, uint32_t* chunk,
                  uint32_t* offset) {
  uint64_t start = 0;
  for (uint32_t c : f.chunks) {
    const ChunkEntry& e = manifest.chunks[c];
    const uint64_t stop = start + e.original_size;
    if (begin >= start && begin < stop) {
      if (begin + n > stop) return false;
      uint32_t resolved;
      if (!ResolvesToPlain(manifest, c, &resolved)) return false;
      *chunk = resolved;
      *offset = static_cast<uint32_t>(begin - start);
      return true;
    }
    start = stop;
  }
  return false;
}

const TensorEntry* FindTensor(const FileEntry& f, const std::string& name) {
  for (const TensorEntry& te : f.tensors) {
    if (te.name == name) return &te;
  }
  return nullptr;
}

}  // namespace

std::vector<ImportancePiece> PlanImportance(const Manifest& manifest, const GgufTensor& t,
                                            const std::string& imatrix_member) {
  std::vector<ImportancePiece> out;
  // One row of importance serves every row of the tensor: 2-D tensors only
  // (an expert tensor's rows would need the importance of their expert).
  if (!PredictsWithImportance(t.type) || t.ne[2] != 1 || t.ne[3] != 1 || t.ne[0] <= 0) return out;
  for (const FileEntry& f : manifest.files) {
    if (f.kind != EntryKind::kGguf || (!imatrix_member.empty() && f.name != imatrix_member)) continue;
    const TensorEntry* sums = FindTensor(f, t.name + ".in_sum2");
    const TensorEntry* counts = FindTensor(f, t.name + ".counts");
    if (sums == nullptr || counts == nullptr || sums->type != 0 || counts->type != 0 || sums->ne[0] != t.ne[0] ||
        sums->ne[1] != 1 || sums->ne[2] != 1 || sums->ne[3] != 1 || sums->size != static_cast<uint64_t>(t.ne[0]) * 4 ||
        counts->size != 4) {
      continue;
    }
    ImportancePiece p;
    if (ChunkHolding(manifest, f, sums->offset, sums->size, &p.chunk, &p.offset) &&
        ChunkHolding(manifest, f, counts->offset, 4, &p.counts_chunk, &p.counts_offset)) {
      out.push_back(p);
    }
  }
  return out;
}

std::vector<ParentPiece> PlanParentPieces(const Manifest& manifest, const GgufTensor& t,
                                          const std::string& parent_member) {
  if (!PredictsType(t.type)) return {};
  const GgmlType& gt = *FindGgmlType(t.type);
  uint64_t n = 1;
  for (uint32_t d = 0; d < kGgufMaxDims; ++d) n *= static_cast<uint64_t>(t.ne[d]);
  if (n == 0 || n % gt.block_weights != 0 || t.size != n / gt.block_weights * gt.block_bytes) return {};
  // The candidates, best first; the first whose chunks allow it is the parent.
  std::vector<std::pair<const FileEntry*, const TensorEntry*>> candidates;
  for (const FileEntry& f : manifest.files) {
    if (f.kind != EntryKind::kGguf || (!parent_member.empty() && f.name != parent_member)) continue;
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
