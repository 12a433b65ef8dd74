// The 256-weight super-block types Q2_K, Q3_K, Q4_K, Q5_K, Q6_K: the scale
// searches that fill a block's scale fields (with and without importance
// weights, ggml's *_ref and *_impl), and the last pass that rounds the values
// with the stored scales, shared by the quantizer and the prediction.
#include <cmath>
#include <cstring>

#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_simd.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal::quant {

namespace {

// 2-bit quants: four per byte, 32 bytes per 128 weights.
void Pack2Bits(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] =
          static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
    }
  }
}

// ---- The last pass: quants from the stored scales. `L` holds the search's
// quants on entry (kept where a sub-block's scale is zero) and the block's
// quants on return.

void RoundQ2K(const float* x, uint8_t* b, uint8_t* L) {
  const float dall = LoadHalf(b + kQ2D);
  const float mall = LoadHalf(b + kQ2Dmin);
  float d[16], m[16];
  for (int j = 0; j < 16; ++j) {
    const uint8_t sc = b[kQ2Scales + j];
    d[j] = dall * static_cast<float>(sc & 0xf);
    m[j] = mall * static_cast<float>(sc >> 4);
  }
  ActiveKernels().round_groups(x, 16, 16, d, m, 0, 3, 0, L);
  Pack2Bits(L, b + kQ2Qs);
}

void RoundQ3K(const float* x, uint8_t* b, uint8_t* L) {
  const float dall = LoadHalf(b + kQ3D);
  float d[16];
  for (int j = 0; j < 16; ++j) d[j] = dall * static_cast<float>(ScaleQ3(j, b + kQ3Scales));
  ActiveKernels().round_groups(x, 16, 16, d, nullptr, -4, 3, 4, L);
  uint8_t* hmask = b + kQ3Hmask;
  std::memset(hmask, 0, 32);
  // High bit of quant j into bit j/32 of hmask[j%32]; branch-free, as the
  // bit is a coin toss.
  for (int j = 0; j < kQK; ++j) {
    hmask[j % 32] |= static_cast<uint8_t>((L[j] >> 2) << (j / 32));
    L[j] &= 3;
  }
  Pack2Bits(L, b + kQ3Qs);
}

// Q4_K (bits 4) and Q5_K (bits 5).
void RoundQ45K(int bits, const float* x, uint8_t* b, uint8_t* L) {
  const int nmax = (1 << bits) - 1;
  const float dall = LoadHalf(b + kQ4D);
  const float mall = LoadHalf(b + kQ4Dmin);
  float d[8], dm[8];
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    ScaleMinK4(j, b + kQ4Scales, &sc, &m);
    d[j] = dall * static_cast<float>(sc);
    dm[j] = mall * static_cast<float>(m);
  }
  ActiveKernels().round_groups(x, 8, 32, d, dm, 0, nmax, 0, L);
  if (bits == 4) {
    uint8_t* q = b + kQ4Qs;
    for (int j = 0; j < kQK; j += 64, q += 32) {
      for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
    return;
  }
  uint8_t* qh = b + kQ5Qh;
  uint8_t* ql = b + kQ5Qs;
  std::memset(qh, 0, 32);
  // The fifth bits of sub-blocks 2k and 2k+1 go to bits 2k and 2k+1 of qh.
  for (int n = 0, shift = 0; n < kQK; n += 64, ql += 32, shift += 2) {
    for (int j = 0; j < 32; ++j) {
      const int l1 = L[n + j];
      const int l2 = L[n + j + 32];
      qh[j] |= static_cast<uint8_t>(((l1 >> 4) << shift) | ((l2 >> 4) << (shift + 1)));
      ql[j] = static_cast<uint8_t>((l1 & 15) | ((l2 & 15) << 4));
    }
  }
}

void RoundQ6K(const float* x, uint8_t* b, uint8_t* L) {
  const float dall = LoadHalf(b + kQ6D);
  float d[16];
  for (int j = 0; j < 16; ++j) d[j] = dall * static_cast<float>(static_cast<int8_t>(b[kQ6Scales + j]));
  ActiveKernels().round_groups(x, 16, 16, d, nullptr, -32, 31, 32, L);
  uint8_t* ql = b + kQ6Ql;
  uint8_t* qh = b + kQ6Qh;
  for (int j = 0; j < kQK; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((L[j + l] & 0xf) | ((L[j + l + 64] & 0xf) << 4));
      ql[l + 32] = static_cast<uint8_t>((L[j + l + 32] & 0xf) | ((L[j + l + 96] & 0xf) << 4));
      qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                                   ((L[j + l + 96] >> 4) << 6));
    }
  }
}

void RoundK(uint32_t type, const float* x, uint8_t* b, uint8_t* L) {
  switch (type) {
    case kTypeQ2_K: RoundQ2K(x, b, L); return;
    case kTypeQ3_K: RoundQ3K(x, b, L); return;
    case kTypeQ4_K: RoundQ45K(4, x, b, L); return;
    case kTypeQ5_K: RoundQ45K(5, x, b, L); return;
    case kTypeQ6_K: RoundQ6K(x, b, L); return;
    default: return;
  }
}

// Whether the last pass keeps any of the search's quants (a zero scale).
bool HasZeroScale(uint32_t type, const uint8_t* b) {
  for (int j = 0; j < (type == kTypeQ4_K || type == kTypeQ5_K ? 8 : 16); ++j) {
    float d = 0;
    switch (type) {
      case kTypeQ2_K: d = LoadHalf(b + kQ2D) * static_cast<float>(b[kQ2Scales + j] & 0xf); break;
      case kTypeQ3_K: d = LoadHalf(b + kQ3D) * static_cast<float>(ScaleQ3(j, b + kQ3Scales)); break;
      case kTypeQ6_K: d = LoadHalf(b + kQ6D) * static_cast<float>(static_cast<int8_t>(b[kQ6Scales + j])); break;
      default: {
        uint8_t sc, m;
        ScaleMinK4(j, b + kQ4Scales, &sc, &m);
        d = LoadHalf(b + kQ4D) * static_cast<float>(sc);
      }
    }
    if (!d) return true;
  }
  return false;
}

}  // namespace

// ---- The scale searches: fill b's scale fields and L with the search's
// quants (the last pass's input). Returns true when the block is complete
// already (a Q6_K block of zeros skips the last pass). In quant_k_search.cc.
template <class Fp>
bool SearchK(uint32_t type, const float* x, const float* qw, uint8_t* b, uint8_t* L);

template <class Fp>
void QuantizeKRow(uint32_t type, const float* x, int64_t n, const float* importance, uint8_t* out) {
  const uint32_t block_bytes = FindTypeInfo(type)->block_bytes;
  uint8_t L[kQK];
  for (int64_t i = 0; i < n / kQK; ++i) {
    uint8_t* b = out + i * block_bytes;
    const float* qw = importance ? importance + kQK * i : nullptr;
    if (!SearchK<Fp>(type, x + kQK * i, qw, b, L)) RoundK(type, x + kQK * i, b, L);
  }
}

template <class Fp>
void PredictKRow(uint32_t type, const float* x, int64_t n, const float* importance, bool search, uint8_t* blocks) {
  const uint32_t block_bytes = FindTypeInfo(type)->block_bytes;
  uint8_t L[kQK];
  uint8_t scratch[256];
  for (int64_t i = 0; i < n / kQK; ++i) {
    uint8_t* b = blocks + i * block_bytes;
    std::memset(L, 0, sizeof(L));
    if (search && HasZeroScale(type, b)) {
      // Only the search knows the quants of a zero-scale sub-block.
      const float* qw = importance ? importance + kQK * i : nullptr;
      if (SearchK<Fp>(type, x + kQK * i, qw, scratch, L)) std::memset(L, 0, sizeof(L));
    }
    RoundK(type, x + kQK * i, b, L);
  }
}

template void QuantizeKRow<Plain>(uint32_t, const float*, int64_t, const float*, uint8_t*);
template void QuantizeKRow<Fused>(uint32_t, const float*, int64_t, const float*, uint8_t*);
template void QuantizeKRow<FusedNoAssert>(uint32_t, const float*, int64_t, const float*, uint8_t*);
template void PredictKRow<Plain>(uint32_t, const float*, int64_t, const float*, bool, uint8_t*);
template void PredictKRow<Fused>(uint32_t, const float*, int64_t, const float*, bool, uint8_t*);
template void PredictKRow<FusedNoAssert>(uint32_t, const float*, int64_t, const float*, bool, uint8_t*);

}  // namespace sgz::internal::quant
