#include "container/predict_estimate.h"

#include <cmath>
#include <cstring>

#include "streams/ggml_types.h"
#include "streams/quant/quant.h"
#include "streams/quant/quant_simd.h"
#include "streams/quant/quant_types.h"

namespace sgz::internal {
namespace {

using quant::kQ2D;
using quant::kQ2Dmin;
using quant::kQ2Scales;
using quant::kQ3D;
using quant::kQ3Scales;
using quant::kQ4D;
using quant::kQ4Dmin;
using quant::kQ4Scales;
using quant::kQ6D;
using quant::kQ6Scales;

// The field of `bits` bits stored for actual value a and estimate e:
// (a - e) mod 2^bits with small differences of either sign as small codes
// (0, -1, 1, -2, ...: 0, 1, 2, 3, ...), so that the bits a packed layout
// moves to other bytes are mostly zero; and the actual value back.
uint8_t Residual(unsigned a, unsigned e, unsigned bits) {
  const unsigned m = 1u << bits, r = (a - e) & (m - 1);
  return static_cast<uint8_t>(r < m / 2 ? 2 * r : 2 * m - 1 - 2 * r);
}
uint8_t Actual(unsigned z, unsigned e, unsigned bits) {
  const unsigned m = 1u << bits, r = z % 2 == 0 ? z / 2 : (2 * m - 1 - z) / 2;
  return static_cast<uint8_t>((r + e) & (m - 1));
}

// Fields f[0, n) with estimates e[0, n): their stored values from the
// actual ones (encode), or back (decode); a loop each way, so that both
// vectorize.
void ApplyFields(bool encode, const uint8_t* e, int n, unsigned bits, uint8_t* f) {
  if (encode) {
    for (int k = 0; k < n; ++k) f[k] = Residual(f[k], e[k], bits);
  } else {
    for (int k = 0; k < n; ++k) f[k] = Actual(f[k], e[k], bits);
  }
}

float HalfAt(const uint8_t* p) { return HalfToFloat(static_cast<uint16_t>(p[0] | p[1] << 8)); }

// Q2_K (16 weights a sub-block; byte j: scale | min << 4, in units of d and
// dmin), Q4_K, Q5_K (32 weights; 6-bit scales and mins): before ggml's
// search a sub-block's scale is (max - min) / nmax and its min -min, min and
// max taken with 0. Estimates: (hi - lo) / (d * nmax) and -lo / dmin,
// clamped to [0, top], of `subs` sub-blocks of `len` values, rounded as
// quant::EstimateRound (the vector kernels' range_estimates).
void RangeEstimates(const float* x, int subs, int len, float dn, float dmin, int top, uint8_t* es, uint8_t* em) {
  quant::ActiveKernels().range_estimates(x, subs, len, dn, dmin, top, es, em);
}

void BlockQ2(const float* x, bool encode, uint8_t* blk) {
  uint8_t e[32], f[32];  // scales, then mins
  RangeEstimates(x, 16, 16, HalfAt(blk + kQ2D) * 3.0f, HalfAt(blk + kQ2Dmin), 15, e, e + 16);
  uint8_t* s = blk + kQ2Scales;
  for (int j = 0; j < 16; ++j) {
    f[j] = s[j] & 15;
    f[16 + j] = s[j] >> 4;
  }
  ApplyFields(encode, e, 32, 4, f);
  for (int j = 0; j < 16; ++j) s[j] = static_cast<uint8_t>(f[j] | f[16 + j] << 4);
}

void BlockQ45(const float* x, float nmax, bool encode, uint8_t* blk) {
  uint8_t e[16], f[16];  // scales, then mins
  RangeEstimates(x, 8, 32, HalfAt(blk + kQ4D) * nmax, HalfAt(blk + kQ4Dmin), 63, e, e + 8);
  for (int j = 0; j < 8; ++j) quant::ScaleMinK4(j, blk + kQ4Scales, &f[j], &f[8 + j]);
  ApplyFields(encode, e, 16, 6, f);
  quant::PackScaleMinK4(f, f + 8, blk + kQ4Scales);
}

// Q3_K (16 weights a sub-block; scales signed 6-bit stored plus 32, packed),
// Q6_K (16 weights; int8 scales): before ggml's search a sub-block's scale
// is m / -nmax for its value m of greatest magnitude (nmax 4 and 32).
// Estimate: m / (d * -nmax) clamped to [lo, hi], of the 16 sub-blocks,
// stored as Q3_K's field is (plus 32) and as Q6_K's byte (mod 256, no
// zigzag: the byte is a stream of its own).
void PeakEstimates(const float* x, float dn, int lo, int hi, int8_t* e) {
  quant::ActiveKernels().peak_estimates16(x, dn, lo, hi, e);
}

void BlockQ3(const float* x, bool encode, uint8_t* blk) {
  int8_t e[16];
  PeakEstimates(x, HalfAt(blk + kQ3D) * -4.0f, -32, 31, e);
  uint8_t* s = blk + kQ3Scales;
  uint8_t u[16], eu[16];
  for (int j = 0; j < 16; ++j) {
    u[j] = static_cast<uint8_t>(quant::ScaleQ3(j, s) + 32);
    eu[j] = static_cast<uint8_t>(e[j] + 32);
  }
  ApplyFields(encode, eu, 16, 6, u);
  std::memset(s + 8, 0, 4);
  for (int j = 0; j < 16; ++j) quant::PackScaleQ3(j, u[j], s);
}

void BlockQ6(const float* x, bool encode, uint8_t* blk) {
  int8_t e[16];
  PeakEstimates(x, HalfAt(blk + kQ6D) * -32.0f, -128, 127, e);
  for (int j = 0; j < 16; ++j) {
    uint8_t& v = blk[kQ6Scales + j];
    v = static_cast<uint8_t>(encode ? v - e[j] : v + e[j]);
  }
}

}  // namespace

bool EstimatesScales(uint32_t type) { return type >= quant::kTypeQ2_K && type <= quant::kTypeQ6_K; }

void ApplyEstimate(uint32_t type, const float* values, uint64_t n_blocks, PredictDirection dir, uint8_t* blocks) {
  const bool encode = dir == PredictDirection::kEncode;
  const uint32_t bb = FindGgmlType(type)->block_bytes;
  for (uint64_t b = 0; b < n_blocks; ++b) {
    const float* x = values + b * 256;
    uint8_t* blk = blocks + b * bb;
    switch (type) {
      case quant::kTypeQ2_K: BlockQ2(x, encode, blk); break;
      case quant::kTypeQ3_K: BlockQ3(x, encode, blk); break;
      case quant::kTypeQ4_K: BlockQ45(x, 15.0f, encode, blk); break;
      case quant::kTypeQ5_K: BlockQ45(x, 31.0f, encode, blk); break;
      default: BlockQ6(x, encode, blk); break;
    }
  }
}

}  // namespace sgz::internal
