// Where a quantized tensor's parent values are: the writer's side of
// transform 4 (container/predict_chunk.h).
#ifndef SGZ_CONTAINER_PREDICT_PLAN_H_
#define SGZ_CONTAINER_PREDICT_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "container/format.h"
#include "streams/gguf_reader.h"

namespace sgz::internal {

// Blocks [first_block, first_block + n_blocks) of a quantized tensor whose
// parent values lie in one parent chunk, from byte parent_offset on.
struct ParentPiece {
  uint64_t first_block = 0;
  uint64_t n_blocks = 0;
  uint32_t parent_chunk = 0;
  uint32_t parent_offset = 0;
  uint32_t parent_type = 0;
};

// The pieces of tensor `t` (of a member being packed) by parent chunk, in
// order and covering the tensor, or nothing when it is not predicted. The
// rule: `t` has a type PredictsType() knows and a parent: the first of the
// tensors of the same name and shape and of type F32, BF16 or F16 other than
// `t`'s in earlier GGUF members of `manifest` (F32 first, then BF16, then
// F16; the earliest member among equals) each of whose chunks holding its
// values (a copy resolved to its target) has transform 0 or 1 and starts and
// ends its share of the values on a block boundary of `t`'s type. The writer cuts `t`'s chunks at
// the pieces' boundaries, so each predicted chunk reads one parent chunk.
// `parent_member` (not empty): parents are taken from that member only.
std::vector<ParentPiece> PlanParentPieces(const Manifest& manifest, const GgufTensor& t,
                                          const std::string& parent_member = "");

// Where an earlier member holds an importance matrix entry of tensor `t`
// (llama.cpp's imatrix GGUF: `<name>.in_sum2`, F32, ne0 x 1, and
// `<name>.counts`, F32, one value): the chunk holding the in_sum2 row whole
// and the offset there, and the chunk and offset of the counts value (each
// a chunk of transform 0 or 1, a copy resolved to its target).
struct ImportancePiece {
  uint32_t chunk = 0;
  uint32_t offset = 0;
  uint32_t counts_chunk = 0;
  uint32_t counts_offset = 0;
  uint32_t counts_bits = 0;  // filled by the caller, which reads the chunk
};

// The candidates for `t` (a 2-D K-type tensor; nothing for other tensors),
// one per member holding such an entry, earliest first; only from member
// `imatrix_member` when it is not empty.
std::vector<ImportancePiece> PlanImportance(const Manifest& manifest, const GgufTensor& t,
                                            const std::string& imatrix_member);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PREDICT_PLAN_H_
