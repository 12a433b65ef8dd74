// The scale estimate of transform 4's flag ESTIMATE (format 2.5,
// format-spec "Transform 4: predict", "Estimated scales"): a block's scale
// fields stored as their difference from a cheap estimate made from the
// parent values, where re-running the quantizer's scale search (SCALES)
// would cost too much to decode. The estimate is a formula of the values
// and the block's stored super-block scale, defined in float32 so that the
// spec's reference reader makes the same one; a miss only costs bytes.
#ifndef SGZ_CONTAINER_PREDICT_ESTIMATE_H_
#define SGZ_CONTAINER_PREDICT_ESTIMATE_H_

#include <cstdint>

#include "container/predict_block.h"

namespace sgz::internal {

// Whether chunks of ggml type `type` may carry ESTIMATE (Q2_K..Q6_K).
bool EstimatesScales(uint32_t type);

// Blocks[0, n_blocks) of `type` (REQUIRES: EstimatesScales(type)): with
// kEncode their scale fields (original) become actual - estimate, with
// kDecode (residual) actual = residual + estimate, bytewise modulo 256.
// `values`: the blocks' parent values, widened. Fields the estimate reads
// (d, dmin) are never changed.
void ApplyEstimate(uint32_t type, const float* values, uint64_t n_blocks, PredictDirection dir, uint8_t* blocks);

}  // namespace sgz::internal

#endif  // SGZ_CONTAINER_PREDICT_ESTIMATE_H_
