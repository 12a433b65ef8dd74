// The quantizers' inner loops that have vector versions, behind one table of
// function pointers chosen once by the CPU (as the shuffles are): the
// portable loops (quant_kernels.cc) and AVX2/FMA ones (quant_avx2.cc,
// compiled with -mavx2 -mfma -ffp-contract=off, called only when the CPU has
// both).
//
// Contract of every vector version: each lane performs exactly the portable
// loop's IEEE float32 operations on its value, in the same order (no
// reassociation, no approximate reciprocal, a fused multiply-add exactly
// where the portable code calls std::fma), and converts to integers with the
// same defined answers for NaN and out-of-range values. So the bytes are
// identical whichever table runs (tests/quant_simd_test.cc checks each
// against the portable one on values made to find differences).
#ifndef SGZ_STREAMS_QUANT_QUANT_SIMD_H_
#define SGZ_STREAMS_QUANT_QUANT_SIMD_H_

#include <cstdint>

namespace sgz::internal::quant {

// How a legacy (32-weight) block's quants are made from its scale:
// L[j] = Trunc(Madd((sub ? x[j] - *sub : x[j]), id, add)), where Madd is
// x*id + add rounded twice (fused false) or once (fused true) and Trunc is
// TruncToInt then, with clamp, the minimum with hi; L keeps the low byte.
struct TruncParams {
  bool has_sub = false;
  float sub = 0;
  float id = 0;
  float add = 0;
  bool fused = false;
  bool clamp = false;
  int hi = 0;
};

// The search of ggml's make_qkx2_quants for 8 groups of 32 values at once
// (one Q4_K/Q5_K block's sub-blocks, or 8 legacy blocks): the arguments of
// SearchScaleMin per group; results per group.
struct ScaleMinBatch {
  const float* x[8];
  const float* weights[8];
  uint8_t* L[8];
  float scale[8];
  float neg_min[8];
};

// The search of ggml's make_qx_quants (SearchSymmetric) for 8 groups of n
// values at once; weights[g] may be null (x*x) but then for every g.
struct SymmetricBatch {
  const float* x[8];
  const float* weights[8];
  int8_t* L[8];
  float scale[8];
};

struct Kernels {
  const char* name;
  // For each group g in [0, groups) with d[g] != 0 and i in [0, len):
  // L[g*len + i] = Clamp(NearestInt(m ? (x + m[g]) / d[g] : x / d[g]), lo, hi) + bias.
  // Groups with d[g] == 0 are left as they are. len is a multiple of 8.
  void (*round_groups)(const float* x, int groups, int len, const float* d, const float* m, int lo, int hi,
                       int bias, uint8_t* L);
  // 32 values of a legacy block (TruncParams).
  void (*trunc32)(const float* x, const TruncParams& p, uint8_t* L);
  // q[j] = (uint8_t)TruncToInt(std::round(x[j] * id)) for 32 values (Q8_0).
  void (*round_q8)(const float* x, float id, uint8_t* q);
  // WidenToFloat of BF16 and F16 little-endian bytes, and FloatToHalf of n
  // values into little-endian halves.
  void (*widen_bf16)(const uint8_t* p, int64_t n, float* out);
  void (*widen_f16)(const uint8_t* p, int64_t n, float* out);
  // WidenBf16Planes (quant.h): BF16 from its exponent and sign-mantissa bytes.
  void (*widen_bf16_planes)(const uint8_t* exp, const uint8_t* sm, int64_t n, float* out);
  void (*to_half)(const float* x, int64_t n, uint8_t* out);
  // SearchScaleMin<Plain> / <Fused> (RoundProduct unfused) / <FusedNoAssert>
  // for 8 groups of n (<= 32) values with the same nmax, rmin, rdelta,
  // nstep, use_mad; weights never null. rounding: the FpRounding.
  void (*scale_min8)(int rounding, int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad,
                     ScaleMinBatch* batch);
  // SearchSymmetric<rounding> for 8 groups of n (<= 32) values, one nmax.
  void (*symmetric8)(int rounding, int n, int nmax, SymmetricBatch* batch);
  // The reductions of a legacy block's 32 values: Q8_0's amax (the loop
  // amax = amax > |x| ? amax : |x|), SignedAbsMax, and Q4_1/Q5_1's minimum
  // and maximum (strict < and >, from +-FLT_MAX), with the portable loops'
  // answers for NaN and for zeros of either sign.
  float (*amax32)(const float* x);
  float (*signed_absmax32)(const float* x, float* amax);
  void (*minmax32)(const float* x, float* min, float* max);
  // Format 2.5's scale estimates of one block (container/predict_estimate.cc;
  // format-spec "Estimated scales"), EstimateRound below. Ranges: for each
  // of `groups` (8 or 16) groups of `len` (16 or 32) values, lo = min(0,
  // min x) and hi = max(0, max x), a NaN never counting (never -0: v is
  // taken only where v < lo or v > hi); es[j] = EstimateRound((hi - lo) /
  // dn, 0, top), em[j] = EstimateRound(-lo / dmin, 0, top). Peaks: for each
  // of 16 groups of 16 values, p = the first value of greatest magnitude
  // (+0 where every magnitude is 0 or NaN); e[j] = EstimateRound(p / dn, lo,
  // hi). Minima and maxima are exact in any order: no NaN or -0 enters.
  void (*range_estimates)(const float* x, int groups, int len, float dn, float dmin, int top, uint8_t* es,
                          uint8_t* em);
  void (*peak_estimates16)(const float* x, float dn, int lo, int hi, int8_t* e);
};

// round(q), ties to even, clamped to [lo, hi]; 0 where q is NaN (lo <= 0 <=
// hi). Inside the clamp |q| < 2^22, where adding and subtracting 1.5 * 2^23
// rounds to an integer, ties to even, as the default rounding mode does.
inline int EstimateRound(float q, int lo, int hi) {
  constexpr float kMagic = 12582912.0f;
  float c = q == q ? q : 0.0f;
  c = c < static_cast<float>(lo) ? static_cast<float>(lo) : c;
  c = c > static_cast<float>(hi) ? static_cast<float>(hi) : c;
  return static_cast<int>((c + kMagic) - kMagic);
}

// The portable table, the best the CPU runs, and the one in use (the best,
// unless a test forced the portable one).
const Kernels& PortableKernels();
const Kernels* Avx2Kernels();  // null where not compiled or not supported
const Kernels& ActiveKernels();

// For tests and benchmarks: true makes every quantizer run the portable
// loops from now on, false goes back to the best. Not thread-safe against
// running quantizers.
void ForcePortableKernels(bool portable);

}  // namespace sgz::internal::quant

#endif  // SGZ_STREAMS_QUANT_QUANT_SIMD_H_
