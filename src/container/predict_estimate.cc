#include "container/predict_estimate.h"

#include <cmath>
#include <cstring>

#include "streams/quant/quant.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal {
namespace {

using quant::kQ6D;
using quant::kQ6Scales;

// Q6_K: the scale of 16 weights is, before ggml's search nudges it by up to
// 3%, m / -32 for the weight m of greatest magnitude, stored as an int8 in
// units of the block's d. Estimate: round(m / (d * -32)), ties to even,
// clamped to int8; 0 where that is NaN (d and m zero, or a NaN d). The
// first weight of greatest magnitude wins; a NaN weight is never greater.
// On the zoo's Q6_K member the scale bytes' order-0 entropy drops from
// 7.24 to 2.65 bits (BENCHMARKS.md).
int8_t EstimateQ6(const float* x, float d) {
  float a = 0.0f, m = 0.0f;
  for (int i = 0; i < 16; ++i) {
    const float v = std::fabs(x[i]);
    if (v > a) {
      a = v;
      m = x[i];
    }
  }
  const float q = m / (d * -32.0f);  // d * -32 is exact: d is a half
  if (std::isnan(q)) return 0;
  if (q >= 127.0f) return 127;
  if (q <= -128.0f) return -128;
  return static_cast<int8_t>(std::nearbyint(q));
}

}  // namespace

bool EstimatesScales(uint32_t type) { return type == quant::kTypeQ6_K; }

void ApplyEstimate(uint32_t type, const float* values, uint64_t n_blocks, PredictDirection dir, uint8_t* blocks) {
  (void)type;  // Q6_K, the one type so far
  constexpr uint32_t kBlockBytes = 210, kBlockWeights = 256;
  const bool encode = dir == PredictDirection::kEncode;
  for (uint64_t b = 0; b < n_blocks; ++b) {
    uint8_t* blk = blocks + b * kBlockBytes;
    const float d = HalfToFloat(static_cast<uint16_t>(blk[kQ6D] | blk[kQ6D + 1] << 8));
    const float* x = values + b * kBlockWeights;
    for (int j = 0; j < 16; ++j) {
      const uint8_t e = static_cast<uint8_t>(EstimateQ6(x + 16 * j, d));
      blk[kQ6Scales + j] = static_cast<uint8_t>(encode ? blk[kQ6Scales + j] - e : blk[kQ6Scales + j] + e);
    }
  }
}

}  // namespace sgz::internal
