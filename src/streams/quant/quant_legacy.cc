// The 32-weight block types Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0, and half /
// bfloat16 conversion.
#include <cmath>
#include <cstring>

#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_simd.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal {

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise the mantissa into a float.
    int e = 113;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      --e;
    }
    bits = sign | (static_cast<uint32_t>(e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof(x));
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) return sign | (x > 0x7f800000u ? 0x7e00 : 0x7c00);
  if (x >= 0x477ff000u) return sign | 0x7c00;  // 65520 and above round to infinity
  uint32_t q;
  uint32_t rem;
  uint32_t half;
  if (x < 0x38800000u) {  // below 2^-14: a subnormal half (or zero)
    const uint32_t e = x >> 23;
    if (e < 102) return sign;  // below 2^-25: rounds to zero
    const uint32_t m = (x & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;
    q = m >> shift;
    rem = m & ((1u << shift) - 1);
    half = 1u << (shift - 1);
  } else {
    const uint32_t rebased = x - (112u << 23);
    q = rebased >> 13;
    rem = rebased & 0x1fffu;
    half = 0x1000u;
  }
  if (rem > half || (rem == half && (q & 1))) ++q;  // a carry into the exponent is right
  return static_cast<uint16_t>(sign | q);
}

float Bf16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

bool WidenToFloat(uint32_t type, const uint8_t* data, int64_t n, float* out) {
  switch (type) {
    case 0:
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t bits = LoadU32LE(data + 4 * i);
        std::memcpy(&out[i], &bits, sizeof(bits));
      }
      return true;
    case 1: quant::ActiveKernels().widen_f16(data, n, out); return true;
    case 30: quant::ActiveKernels().widen_bf16(data, n, out); return true;
    default: return false;
  }
}

void WidenBf16Planes(const uint8_t* exp, const uint8_t* sm, int64_t n, float* out) {
  quant::ActiveKernels().widen_bf16_planes(exp, sm, n, out);
}

void FloatToHalfRow(const float* x, int64_t n, uint8_t* out) { quant::ActiveKernels().to_half(x, n, out); }

namespace quant {

namespace {

void PackNibbles32(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
}

// Low nibbles into qs, the fifth bits into the 32-bit qh (little-endian).
void PackFiveBits32(const uint8_t* L, uint8_t* qh, uint8_t* qs) {
  uint32_t h = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((L[j] & 0x0f) | ((L[j + 16] & 0x0f) << 4));
    h |= static_cast<uint32_t>((L[j] & 0x10u) >> 4) << j;
    h |= static_cast<uint32_t>((L[j + 16] & 0x10u) >> 4) << (j + 16);
  }
  for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(h >> (8 * k));
}

}  // namespace

template <class Fp>
void QuantizeQ8_0(const float* x, uint8_t* b) {
  const float amax = ActiveKernels().amax32(x);
  const float d = amax / 127;
  const float id = d ? 1.0f / d : 0.0f;
  StoreHalf(b, d);
  ActiveKernels().round_q8(x, id, b + 2);
}

// Symmetric 4/5-bit: d = max / -(2^(bits-1)), quants truncated after +offset.
template <class Fp>
void QuantizeSymmetric32(const float* x, int half_range, uint8_t* L, float* d_out) {
  float amax;
  const float max = ActiveKernels().signed_absmax32(x, &amax);
  const float d = max / static_cast<float>(-half_range);
  const float id = d ? 1.0f / d : 0.0f;
  TruncParams p;
  p.id = id;
  p.add = static_cast<float>(half_range) + 0.5f;
  p.fused = Fp::kRounding != FpRounding::kPlain;
  p.clamp = true;
  p.hi = 2 * half_range - 1;
  ActiveKernels().trunc32(x, p, L);
  *d_out = d;
}

template <class Fp>
void QuantizeAffine32(const float* x, int nmax, bool clamp, uint8_t* L, float* d_out, float* m_out) {
  float min, max;
  ActiveKernels().minmax32(x, &min, &max);
  const float d = (max - min) / static_cast<float>(nmax);
  const float id = d ? 1.0f / d : 0.0f;
  TruncParams p;
  p.has_sub = true;
  p.sub = min;
  p.id = id;
  p.add = 0.5f;
  p.fused = Fp::kRounding != FpRounding::kPlain;
  p.clamp = clamp;
  p.hi = nmax;
  ActiveKernels().trunc32(x, p, L);
  *d_out = d;
  *m_out = min;
}

// The weighted searches of an importance-matrix quant (ggml's *_impl).
template <class Fp>
void QuantizeLegacyWeighted(uint32_t type, const float* x, int64_t n, const float* qw, uint8_t* out) {
  float sum_x2 = 0;
  for (int64_t j = 0; j < n; ++j) sum_x2 = Fp::Madd(x[j], x[j], sum_x2);
  const float sigma2 = sum_x2 / static_cast<float>(n);
  const TypeInfo& info = *FindTypeInfo(type);
  float weight[32];
  for (int64_t ib = 0; ib < n / 32; ++ib) {
    const float* xb = x + 32 * ib;
    const float* w = qw + 32 * ib;
    uint8_t* b = out + ib * info.block_bytes;
    for (int j = 0; j < 32; ++j) weight[j] = w[j] * std::sqrt(Fp::Madd(xb[j], xb[j], sigma2));
    uint8_t L[32];
    if (type == kTypeQ4_0 || type == kTypeQ5_0) {
      int8_t Ls[32];
      const float d = SearchSymmetric<Fp>(32, type == kTypeQ4_0 ? 8 : 16, xb, Ls, weight);
      std::memcpy(L, Ls, 32);
      StoreHalf(b, d);
      if (type == kTypeQ4_0) {
        PackNibbles32(L, b + 2);
      } else {
        PackFiveBits32(L, b + 2, b + 6);
      }
    } else {
      float neg_min;
      const float d = SearchScaleMin<Fp>(32, type == kTypeQ4_1 ? 15 : 31, xb, weight, L, &neg_min, -0.9f, 0.05f, 36,
                                         false);
      StoreHalf(b, d);
      StoreHalf(b + 2, -neg_min);
      if (type == kTypeQ4_1) {
        PackNibbles32(L, b + 4);
      } else {
        PackFiveBits32(L, b + 4, b + 8);
      }
    }
  }
}

template <class Fp>
void QuantizeLegacyBlock(uint32_t type, const float* x, uint8_t* b) {
  uint8_t L[32];
  float d, m;
  switch (type) {
    case kTypeQ8_0:
      QuantizeQ8_0<Fp>(x, b);
      return;
    case kTypeQ4_0:
      QuantizeSymmetric32<Fp>(x, 8, L, &d);
      StoreHalf(b, d);
      PackNibbles32(L, b + 2);
      return;
    case kTypeQ5_0:
      QuantizeSymmetric32<Fp>(x, 16, L, &d);
      StoreHalf(b, d);
      PackFiveBits32(L, b + 2, b + 6);
      return;
    case kTypeQ4_1:
      QuantizeAffine32<Fp>(x, 15, true, L, &d, &m);
      StoreHalf(b, d);
      StoreHalf(b + 2, m);
      PackNibbles32(L, b + 4);
      return;
    case kTypeQ5_1:
      QuantizeAffine32<Fp>(x, 31, false, L, &d, &m);
      StoreHalf(b, d);
      StoreHalf(b + 2, m);
      PackFiveBits32(L, b + 4, b + 8);
      return;
    default:
      return;
  }
}

template <class Fp>
void QuantizeLegacyRow(uint32_t type, const float* x, int64_t n, const float* importance, uint8_t* out) {
  if (importance && type != kTypeQ8_0) {
    QuantizeLegacyWeighted<Fp>(type, x, n, importance, out);
    return;
  }
  const uint32_t block_bytes = FindTypeInfo(type)->block_bytes;
  for (int64_t ib = 0; ib < n / 32; ++ib) QuantizeLegacyBlock<Fp>(type, x + 32 * ib, out + ib * block_bytes);
}

void RoundLegacyWithScales(uint32_t type, const float* x, uint8_t* b) {
  const float d = LoadHalf(b);
  const float id = d ? 1.0f / d : 0.0f;
  uint8_t L[32];
  switch (type) {
    case kTypeQ8_0:
      ActiveKernels().round_q8(x, id, b + 2);
      return;
    case kTypeQ4_0:
    case kTypeQ5_0: {
      const int half_range = type == kTypeQ4_0 ? 8 : 16;
      TruncParams p;
      p.id = id;
      p.add = static_cast<float>(half_range) + 0.5f;
      p.clamp = true;
      p.hi = 2 * half_range - 1;
      ActiveKernels().trunc32(x, p, L);
      if (type == kTypeQ4_0) {
        PackNibbles32(L, b + 2);
      } else {
        PackFiveBits32(L, b + 2, b + 6);
      }
      return;
    }
    case kTypeQ4_1:
    case kTypeQ5_1: {
      TruncParams p;
      p.has_sub = true;
      p.sub = LoadHalf(b + 2);
      p.id = id;
      p.add = 0.5f;
      p.clamp = true;
      p.hi = type == kTypeQ4_1 ? 15 : 31;
      ActiveKernels().trunc32(x, p, L);
      if (type == kTypeQ4_1) {
        PackNibbles32(L, b + 4);
      } else {
        PackFiveBits32(L, b + 4, b + 8);
      }
      return;
    }
    default:
      return;
  }
}

template void QuantizeLegacyRow<Plain>(uint32_t, const float*, int64_t, const float*, uint8_t*);
template void QuantizeLegacyRow<Fused>(uint32_t, const float*, int64_t, const float*, uint8_t*);
template void QuantizeLegacyRow<FusedNoAssert>(uint32_t, const float*, int64_t, const float*, uint8_t*);

}  // namespace quant
}  // namespace sgz::internal
