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

// ggml's packing of the 6-bit sub-block fields: a Q4_K/Q5_K scales[12] (8
// scales and 8 mins: bytes 0-3 and 4-7 the low 6 bits of fields 0-3 and the
// top 2 bits of fields 4-7, bytes 8-11 the low 4 bits of fields 4-7), and a
// Q3_K scales[12] (16 fields, stored plus 32).
//
// The 6-bit scale and min of sub-block j of a Q4_K/Q5_K scales[12].
inline void ScaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

// Scales ls[8] and mins lm[8] (6 bits each) into q[12]; writes every byte.
inline void PackScaleMinK4(const uint8_t* ls, const uint8_t* lm, uint8_t* q) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      q[j] = ls[j];
      q[j + 4] = lm[j];
    } else {
      q[j + 4] = static_cast<uint8_t>((ls[j] & 0xf) | ((lm[j] & 0xf) << 4));
      q[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
      q[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
    }
  }
}

// The signed 6-bit scale (already minus 32) of sub-block j of a Q3_K.
inline int ScaleQ3(int j, const uint8_t* s) {
  const int low = j < 8 ? (s[j] & 0xf) : (s[j - 8] >> 4);
  return (low | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

// Field j (0..63, the scale plus 32) into s[12]. REQUIRES: j in order 0..15
// and s[8..11] zero before j = 0 (fields 8..15 and the top bits are or-ed in).
inline void PackScaleQ3(int j, int l, uint8_t* s) {
  if (j < 8) {
    s[j] = static_cast<uint8_t>(l & 0xf);
  } else {
    s[j - 8] |= static_cast<uint8_t>((l & 0xf) << 4);
  }
  s[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
}

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
