// Shared pieces of the quantizers: the two roundings as a policy type, ggml's
// rounding to an integer, the block scale searches, the little-endian half
// fields of a block.
#ifndef SGZ_STREAMS_QUANT_QUANT_INTERNAL_H_
#define SGZ_STREAMS_QUANT_QUANT_INTERNAL_H_

#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/coding.h"
#include "streams/quant/quant.h"

namespace sgz::internal::quant {

constexpr int kQK = 256;  // weights per K super-block
// ggml treats a group whose largest value is below this as all zero.
constexpr float kGroupMaxEps = 1e-15f;
// 1.5 * 2^23: adding it to a float of magnitude below 2^22 leaves the rounded
// integer (ties to even) in the low mantissa bits.
constexpr float kRoundMagic = 12582912.f;

// A NaN gives 0 (the canonical quiet NaN's answer) whatever its payload:
// which of two NaN operands an addition returns depends on the order the
// compiler put them in, so the payload is no answer one build can promise
// another (ggml asserts instead).
inline int MagicToInt(float biased) {
  uint32_t bits;
  std::memcpy(&bits, &biased, sizeof(bits));
  return biased != biased ? 0 : static_cast<int>(bits & 0x007fffffu) - 0x00400000;
}

// a * b + c, once rounded (fused) or twice. Only ever called where a
// contracting compiler fuses ggml's expression; everything else is written
// as plain arithmetic, which -ffp-contract=off keeps unfused.
// RoundProduct is nearest_int(a * b): ggml adds the product to the magic
// constant, a sum a contracting compiler fuses only when nothing else reads
// the product; nearest_int's assert reads it in a build with assertions on.
struct Plain {
  static constexpr FpRounding kRounding = FpRounding::kPlain;
  static float Madd(float a, float b, float c) { return a * b + c; }
  static int RoundProduct(float a, float b) { return MagicToInt(a * b + kRoundMagic); }
};
struct Fused {
  static constexpr FpRounding kRounding = FpRounding::kFma;
  static float Madd(float a, float b, float c) { return std::fma(a, b, c); }
  static int RoundProduct(float a, float b) { return MagicToInt(a * b + kRoundMagic); }
};
struct FusedNoAssert {
  static constexpr FpRounding kRounding = FpRounding::kFmaNoAssert;
  static float Madd(float a, float b, float c) { return std::fma(a, b, c); }
  static int RoundProduct(float a, float b) { return MagicToInt(std::fma(a, b, kRoundMagic)); }
};

// ggml's nearest_int of a value that is not a product.
inline int NearestInt(float v) { return MagicToInt(v + kRoundMagic); }

// The first value of largest magnitude (ggml's `max`); *amax its magnitude.
inline float SignedAbsMax(const float* x, int n, float* amax) {
  float max = 0;
  *amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > *amax) {
      *amax = ax;
      max = x[i];
    }
  }
  return max;
}

// C's float-to-int truncation where it is defined (|v| < 2^31), and a fixed
// answer where C leaves it undefined (NaN: 0; beyond: the nearer limit), so
// that a prediction from damaged or hostile values is the same on every
// machine. ggml's quantizers only truncate values in range.
inline int TruncToInt(float v) {
  if (v != v) return 0;
  if (v >= 2147483648.0f) return 2147483647;
  if (v <= -2147483648.0f) return -2147483647 - 1;
  return static_cast<int>(v);
}

inline int Clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

inline void StoreU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline float LoadHalf(const uint8_t* p) { return HalfToFloat(LoadU16LE(p)); }
inline void StoreHalf(uint8_t* p, float f) { StoreU16(p, FloatToHalf(f)); }

// The scale searches (ggml's make_*_quants), one lane each. `L` receives the
// chosen quants. Weights are per value; nullptr where ggml allows it means
// x*x.

// Symmetric search over 19 scales around nmax / max; L in [0, 2*nmax).
template <class Fp>
float SearchSymmetric(int n, int nmax, const float* x, int8_t* L, const float* weights);

// Symmetric, refined by moving one quant at a time (ggml's make_q3_quants,
// weights x*x); L in [0, 2*nmax).
template <class Fp>
float SearchSymmetricRefined(int n, int nmax, const float* x, int8_t* L);

// Scale and minimum (ggml's make_qkx2/qkx3_quants): returns the scale,
// *neg_min the minimum's magnitude; L in [0, nmax]. `weights` may be nullptr
// (x*x). `use_mad` measures the error as |diff| instead of diff^2.
template <class Fp>
float SearchScaleMin(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* neg_min, float rmin,
                     float rdelta, int nstep, bool use_mad);

// Positive values (sub-block scales) to nmax steps, weighted (ggml's
// make_qp_quants); L in [0, nmax].
template <class Fp>
float SearchPositive(int n, int nmax, const float* x, uint8_t* L, const float* weights);

// SearchScaleMin / SearchSymmetric of 8 groups whose values, weights and
// quants lie at fixed strides (group g: x + g*x_stride, ...), on the active
// kernels (quant_simd.h): results equal 8 calls of the portable search.
template <class Fp>
void SearchScaleMin8(int n, int nmax, const float* x, int x_stride, const float* weights, int w_stride, uint8_t* L,
                     int l_stride, float* scales, float* neg_mins, float rmin, float rdelta, int nstep, bool use_mad);
template <class Fp>
void SearchSymmetric8(int n, int nmax, const float* x, int x_stride, const float* weights, int w_stride, int8_t* L,
                      float* scales);

}  // namespace sgz::internal::quant

#endif  // SGZ_STREAMS_QUANT_QUANT_INTERNAL_H_
