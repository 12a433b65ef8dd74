// The ggml types the quantizers know, with their block geometry, and the
// per-family row functions the dispatcher in quant.cc calls.
#ifndef SGZ_STREAMS_QUANT_QUANT_TYPES_H_
#define SGZ_STREAMS_QUANT_QUANT_TYPES_H_

#include <cstdint>

namespace sgz::internal::quant {

constexpr uint32_t kTypeQ4_0 = 2;
constexpr uint32_t kTypeQ4_1 = 3;
constexpr uint32_t kTypeQ5_0 = 6;
constexpr uint32_t kTypeQ5_1 = 7;
constexpr uint32_t kTypeQ8_0 = 8;
constexpr uint32_t kTypeQ2_K = 10;
constexpr uint32_t kTypeQ3_K = 11;
constexpr uint32_t kTypeQ4_K = 12;
constexpr uint32_t kTypeQ5_K = 13;
constexpr uint32_t kTypeQ6_K = 14;

// Byte offsets of the fields of the K types' blocks (FACTS.md's table).
constexpr int kQ2Scales = 0, kQ2Qs = 16, kQ2D = 80, kQ2Dmin = 82;
constexpr int kQ3Hmask = 0, kQ3Qs = 32, kQ3Scales = 96, kQ3D = 108;
constexpr int kQ4D = 0, kQ4Dmin = 2, kQ4Scales = 4, kQ4Qs = 16;
constexpr int kQ5Qh = 16, kQ5Qs = 48;  // d, dmin, scales as in Q4_K
constexpr int kQ6Ql = 0, kQ6Qh = 128, kQ6Scales = 192, kQ6D = 208;

struct TypeInfo {
  uint32_t type;
  uint32_t block_weights;
  uint32_t block_bytes;
};

// nullptr for a type the quantizers do not know.
const TypeInfo* FindTypeInfo(uint32_t type);

template <class Fp>
void QuantizeLegacyRow(uint32_t type, const float* x, int64_t n, const float* importance, uint8_t* out);
// Rewrites the quants of one 32-weight block from its stored scale fields
// (the rounding of the reference quantizer with the half-precision scale).
void RoundLegacyWithScales(uint32_t type, const float* x, uint8_t* block);
template <class Fp>
void QuantizeKRow(uint32_t type, const float* x, int64_t n, const float* importance, uint8_t* out);
template <class Fp>
// `search`: whether a zero-scale sub-block's quants come from the search
// (the quantizer's) or are 0 (PredictQuantsNoSearch).
void PredictKRow(uint32_t type, const float* x, int64_t n, const float* importance, bool search, uint8_t* blocks);

}  // namespace sgz::internal::quant

#endif  // SGZ_STREAMS_QUANT_QUANT_TYPES_H_
