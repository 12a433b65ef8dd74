// The per-block rule of transform 4 (format-spec "Transform 4: predict",
// "Decoding"), shared by the writer and the readers so that both make the
// same prediction bit for bit.
#ifndef SGZ_CONTAINER_PREDICT_BLOCK_H_
#define SGZ_CONTAINER_PREDICT_BLOCK_H_

#include <cstdint>

#include "container/predict_chunk.h"

namespace sgz::internal {

// The quant bytes of one block of a predicted type: [begin, begin + size);
// every other byte of the block is a scale field. False for a type
// PredictsType() does not know.
struct QuantBytes {
  uint32_t begin, size;
};
bool QuantRange(uint32_t type, QuantBytes* q);

enum class PredictDirection {
  kEncode,  // blocks hold the original: they become the residual
  kDecode,  // blocks hold the residual: they become the original
};

// What a prediction hit, per block (for the writer's choice and --stats).
struct PredictTally {
  uint64_t blocks = 0;
  uint64_t scale_blocks = 0;  // blocks whose scales were predicted (SCALES)
  uint64_t scales_hit = 0;    // of those, blocks whose scale fields equal the prediction
  uint64_t quants_hit = 0;  // blocks whose quant bytes equal the prediction
  // Encoding with SCALES: blocks whose predicted d/dmin half is a NaN (its
  // sign differs between CPUs: format-spec/quantizers.md "NaN and
  // infinities"), which the writer must not store so.
  uint64_t nan_scales = 0;
};

// Applies the prediction of `params` to blocks[0, n_blocks) of ggml type
// `type` in place. `values`: the n_blocks * block_weights parent values,
// widened; `importance`: params.row_length values with IMPORTANCE, else
// ignored. With SCALES a block's predicted scales are the quantizer's
// (QuantizeRow, per block, the importance of its columns), and its quants
// the quantizer's when the actual scales equal them, else the rounding with
// the actual scales (PredictQuantsNoSearch), as without SCALES. *tally
// (optional) counts the hits, comparing the original bytes.
// REQUIRES: QuantRange(type), params valid for type (DecodePredictParams).
void ApplyPrediction(uint32_t type, const PredictParams& params, const float* values, const float* importance,
                     uint64_t n_blocks, PredictDirection dir, uint8_t* blocks, PredictTally* tally = nullptr);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PREDICT_BLOCK_H_
