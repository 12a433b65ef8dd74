// AVX2 (+FMA) versions of the quantizers' inner loops (quant_simd.h): eight
// lanes, each doing the portable loop's float32 operations in its order.
// Compiled with -mavx2 -mfma -ffp-contract=off (so a product and a sum are
// fused only where _mm256_fmadd_ps is written) and used only when the CPU has
// AVX2 and FMA.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "streams/quant/quant_avx2_inl.h"
#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_simd.h"

namespace sgz::internal::quant {

namespace {

using avx2::LowBytes8;
using avx2::NearestInt8;
using avx2::TruncToInt8;

void RoundGroups(const float* x, int groups, int len, const float* d, const float* m, int lo, int hi, int bias,
                 uint8_t* L) {
  const __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi), vbias = _mm256_set1_epi32(bias);
  for (int g = 0; g < groups; ++g) {
    if (!d[g]) continue;
    const __m256 vd = _mm256_set1_ps(d[g]);
    const __m256 vm = _mm256_set1_ps(m ? m[g] : 0.f);
    for (int i = 0; i < len; i += 8) {
      __m256 v = _mm256_loadu_ps(x + g * len + i);
      if (m) v = _mm256_add_ps(v, vm);
      __m256i l = NearestInt8(_mm256_div_ps(v, vd));
      l = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(l, vlo), vhi), vbias);
      LowBytes8(l, L + g * len + i);
    }
  }
}

void Trunc32(const float* x, const TruncParams& p, uint8_t* L) {
  const __m256 sub = _mm256_set1_ps(p.sub), id = _mm256_set1_ps(p.id), add = _mm256_set1_ps(p.add);
  const __m256i hi = _mm256_set1_epi32(p.hi);
  for (int j = 0; j < 32; j += 8) {
    __m256 v = _mm256_loadu_ps(x + j);
    if (p.has_sub) v = _mm256_sub_ps(v, sub);
    const __m256 r = p.fused ? _mm256_fmadd_ps(v, id, add) : _mm256_add_ps(_mm256_mul_ps(v, id), add);
    __m256i t = TruncToInt8(r);
    if (p.clamp) t = _mm256_min_epi32(t, hi);
    LowBytes8(t, L + j);
  }
}

// std::round (halves away from zero) of each lane: the truncation, plus the
// sign when the dropped fraction (exact: v - trunc(v)) is at least a half.
// Infinities stay (their fraction is NaN), NaN stays NaN.
inline __m256 RoundHalfAway(__m256 v) {
  const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  const __m256 frac = _mm256_andnot_ps(sign_mask, _mm256_sub_ps(v, t));
  const __m256 up = _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
  const __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(v, sign_mask));
  return _mm256_add_ps(t, _mm256_and_ps(up, one));
}

void RoundQ8(const float* x, float id, uint8_t* q) {
  const __m256 vid = _mm256_set1_ps(id);
  for (int j = 0; j < 32; j += 8) {
    LowBytes8(TruncToInt8(RoundHalfAway(_mm256_mul_ps(_mm256_loadu_ps(x + j), vid))), q + j);
  }
}

void WidenBf16(const uint8_t* p, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i)));
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
  }
  for (; i < n; ++i) out[i] = Bf16ToFloat(LoadU16LE(p + 2 * i));
}

void WidenBf16Planes(const uint8_t* exp, const uint8_t* sm, int64_t n, float* out) {
  int64_t i = 0;
  const __m256i sign = _mm256_set1_epi32(0x80), mant = _mm256_set1_epi32(0x7f);
  for (; i + 8 <= n; i += 8) {
    int64_t e8, s8;
    std::memcpy(&e8, exp + i, 8);
    std::memcpy(&s8, sm + i, 8);
    const __m256i e = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(e8));
    const __m256i s = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(s8));
    const __m256i bits = _mm256_or_si256(
        _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(s, sign), 24), _mm256_slli_epi32(e, 23)),
        _mm256_slli_epi32(_mm256_and_si256(s, mant), 16));
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(bits));
  }
  PortableKernels().widen_bf16_planes(exp + i, sm + i, n - i, out + i);
}

// HalfToFloat per lane: normal and infinite/NaN halves by moving the fields,
// subnormal ones as mant * 2^-24 (exact in float32: the value the portable
// code's normalisation builds), zero as its sign.
void WidenF16(const uint8_t* p, int64_t n, float* out) {
  int64_t i = 0;
  const __m256i exp_mask = _mm256_set1_epi32(0x1f), mant_mask = _mm256_set1_epi32(0x3ff);
  for (; i + 8 <= n; i += 8) {
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i)));
    const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(h, _mm256_set1_epi32(0x8000)), 16);
    const __m256i exp = _mm256_and_si256(_mm256_srli_epi32(h, 10), exp_mask);
    const __m256i mant = _mm256_and_si256(h, mant_mask);
    const __m256i mant13 = _mm256_slli_epi32(mant, 13);
    const __m256i normal = _mm256_or_si256(_mm256_slli_epi32(_mm256_add_epi32(exp, _mm256_set1_epi32(112)), 23), mant13);
    const __m256i special = _mm256_or_si256(_mm256_set1_epi32(0x7f800000), mant13);
    const __m256i sub = _mm256_castps_si256(
        _mm256_mul_ps(_mm256_cvtepi32_ps(mant), _mm256_set1_ps(5.9604644775390625e-08f)));  // 2^-24
    const __m256i is_special = _mm256_cmpeq_epi32(exp, exp_mask);
    const __m256i is_zero_exp = _mm256_cmpeq_epi32(exp, _mm256_setzero_si256());
    __m256i bits = _mm256_blendv_epi8(normal, special, is_special);
    bits = _mm256_blendv_epi8(bits, sub, is_zero_exp);  // mant 0 gives +0: the sign is ORed below
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_or_si256(bits, sign)));
  }
  for (; i < n; ++i) out[i] = HalfToFloat(LoadU16LE(p + 2 * i));
}

// FloatToHalf per lane, every branch of the portable code computed and the
// lane's one chosen.
void ToHalf(const float* x, int64_t n, uint8_t* out) {
  int64_t i = 0;
  const __m256i one = _mm256_set1_epi32(1);
  for (; i + 8 <= n; i += 8) {
    const __m256i raw = _mm256_castps_si256(_mm256_loadu_ps(x + i));
    const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(raw, 16), _mm256_set1_epi32(0x8000));
    const __m256i a = _mm256_and_si256(raw, _mm256_set1_epi32(0x7fffffff));  // below 2^31: signed compares hold
    // Normal halves.
    const __m256i rebased = _mm256_sub_epi32(a, _mm256_set1_epi32(112 << 23));
    __m256i q = _mm256_srli_epi32(rebased, 13);
    __m256i rem = _mm256_and_si256(rebased, _mm256_set1_epi32(0x1fff));
    __m256i half = _mm256_set1_epi32(0x1000);
    // Subnormal halves (exponent 102..112; below, shift counts past 31 give 0).
    const __m256i e = _mm256_srli_epi32(a, 23);
    const __m256i m = _mm256_or_si256(_mm256_and_si256(a, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(0x800000));
    const __m256i shift = _mm256_sub_epi32(_mm256_set1_epi32(126), e);
    const __m256i sq = _mm256_srlv_epi32(m, shift);
    const __m256i shalf = _mm256_sllv_epi32(one, _mm256_sub_epi32(shift, one));
    const __m256i srem = _mm256_and_si256(m, _mm256_sub_epi32(_mm256_sllv_epi32(one, shift), one));
    const __m256i is_sub = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x38800000), a);
    q = _mm256_blendv_epi8(q, sq, is_sub);
    rem = _mm256_blendv_epi8(rem, srem, is_sub);
    half = _mm256_blendv_epi8(half, shalf, is_sub);
    const __m256i up = _mm256_or_si256(
        _mm256_cmpgt_epi32(rem, half),
        _mm256_and_si256(_mm256_cmpeq_epi32(rem, half), _mm256_cmpeq_epi32(_mm256_and_si256(q, one), one)));
    q = _mm256_sub_epi32(q, up);  // up is -1 where the portable code increments
    // Zero below 2^-25, infinity from 65520, infinity or NaN beyond.
    q = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(102), e), q);
    q = _mm256_blendv_epi8(q, _mm256_set1_epi32(0x7c00), _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x477fefff)));
    q = _mm256_blendv_epi8(q, _mm256_set1_epi32(0x7e00), _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7f800000)));
    const __m256i h = _mm256_or_si256(q, sign);
    // 8 halves: the low 16 bits of each lane, in order.
    const __m128i packed =
        _mm_packus_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), packed);
  }
  for (; i < n; ++i) StoreU16(out + 2 * i, FloatToHalf(x[i]));
}

void ScaleMin8(int rounding, int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b) {
  avx2::ScaleMin8(rounding, n, nmax, rmin, rdelta, nstep, use_mad, b);
}

void Symmetric8(int rounding, int n, int nmax, SymmetricBatch* b) { avx2::Symmetric8(rounding, n, nmax, b); }

// The largest of 32 values by lanes, then across: exact (a maximum is one of
// its inputs, in any order) when no value is NaN; a NaN makes the portable
// loops' answer depend on where it is, so those blocks take the portable loop.
inline bool AnyNaN32(const __m256* v) {
  __m256 nan = _mm256_cmp_ps(v[0], v[0], _CMP_UNORD_Q);
  for (int k = 1; k < 4; ++k) nan = _mm256_or_ps(nan, _mm256_cmp_ps(v[k], v[k], _CMP_UNORD_Q));
  return _mm256_movemask_ps(nan) != 0;
}
inline float HorizontalMax(__m256 m) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}
inline float HorizontalMin(__m256 m) {
  __m128 h = _mm_min_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_min_ps(h, _mm_movehl_ps(h, h));
  h = _mm_min_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}

float Amax32(const float* x) {
  __m256 v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_loadu_ps(x + 8 * k));
  if (AnyNaN32(v)) return PortableKernels().amax32(x);
  // |x| >= +0 everywhere, and the loop starts from +0: the maximum of all.
  return HorizontalMax(_mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3])));
}

// The first value of largest magnitude: the maximum magnitude, then the
// first value that has it (+0 when every value is a zero).
float SignedAbsMax32(const float* x, float* amax) {
  __m256 v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_loadu_ps(x + 8 * k));
  if (AnyNaN32(v)) return PortableKernels().signed_absmax32(x, amax);
  const float m = HorizontalMax(_mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3])));
  *amax = m;
  if (!(m > 0.f)) {
    *amax = 0.f;
    return 0.f;
  }
  const __m256 vm = _mm256_set1_ps(m);
  for (int k = 0; k < 4; ++k) {
    const int hit = _mm256_movemask_ps(_mm256_cmp_ps(v[k], vm, _CMP_EQ_OQ));
    if (hit) return x[8 * k + __builtin_ctz(static_cast<unsigned>(hit))];
  }
  return 0.f;  // not reached: m is one of the magnitudes
}

// A zero minimum or maximum takes the portable loop: which zero (+0 or -0)
// it keeps is the first one met, which the lanes do not know.
void MinMax32(const float* x, float* min, float* max) {
  __m256 v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
  if (!AnyNaN32(v)) {
    const float lo = HorizontalMin(_mm256_min_ps(_mm256_min_ps(v[0], v[1]), _mm256_min_ps(v[2], v[3])));
    const float hi = HorizontalMax(_mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3])));
    if (lo != 0.f && hi != 0.f) {
      // The loop starts from +-FLT_MAX: an infinity or FLT_MAX itself
      // compares as the loop would (strictly), which the plain extremes give
      // unless the extreme equals the start value, where both agree.
      *min = lo < 3.402823466e+38f ? lo : 3.402823466e+38f;
      *max = hi > -3.402823466e+38f ? hi : -3.402823466e+38f;
      return;
    }
  }
  PortableKernels().minmax32(x, min, max);
}

// The estimate's reductions: min_ps(v, lo) is `v < lo ? v : lo` and
// max_ps(v, hi) is `v > hi ? v : hi`, lane by lane, as the portable loops.
// Lane j of Extreme8: the least (greatest) of v[j]'s 8 lanes (a transpose by
// unpacks, shuffles and a swap of halves, taking extremes at each step).
template <bool kMax>
inline __m256 Extreme(__m256 a, __m256 b) {
  return kMax ? _mm256_max_ps(a, b) : _mm256_min_ps(a, b);
}
template <bool kMax>
inline __m256 Extreme8(const __m256* v) {
  __m256 a[4];
  for (int k = 0; k < 4; ++k) {
    a[k] = Extreme<kMax>(_mm256_unpacklo_ps(v[2 * k], v[2 * k + 1]), _mm256_unpackhi_ps(v[2 * k], v[2 * k + 1]));
  }
  const __m256 b0 = Extreme<kMax>(_mm256_shuffle_ps(a[0], a[1], 0x44), _mm256_shuffle_ps(a[0], a[1], 0xEE));
  const __m256 b1 = Extreme<kMax>(_mm256_shuffle_ps(a[2], a[3], 0x44), _mm256_shuffle_ps(a[2], a[3], 0xEE));
  return Extreme<kMax>(_mm256_permute2f128_ps(b0, b1, 0x20), _mm256_permute2f128_ps(b0, b1, 0x31));
}

// EstimateRound of 8 lanes: selects as the portable code (NaN -> 0, then
// `c < lo ? lo : c`, `c > hi ? hi : c`), the magic constant added and
// subtracted (two roundings, as there), truncated; stored as 8 bytes.
inline void EstimateRound8(__m256 q, int lo, int hi, uint8_t* out) {
  const __m256 flo = _mm256_set1_ps(static_cast<float>(lo)), fhi = _mm256_set1_ps(static_cast<float>(hi));
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  __m256 c = _mm256_andnot_ps(_mm256_cmp_ps(q, q, _CMP_UNORD_Q), q);
  c = _mm256_blendv_ps(c, flo, _mm256_cmp_ps(c, flo, _CMP_LT_OQ));
  c = _mm256_blendv_ps(c, fhi, _mm256_cmp_ps(c, fhi, _CMP_GT_OQ));
  const __m256i r = _mm256_cvttps_epi32(_mm256_sub_ps(_mm256_add_ps(c, magic), magic));
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));  // -128..127 or 0..63
  const __m128i b = _mm_packs_epi16(w, w);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), b);
}

void RangeEstimates(const float* x, int groups, int len, float dn, float dmin, int top, uint8_t* es, uint8_t* em) {
  const __m256 sign = _mm256_set1_ps(-0.0f), vdn = _mm256_set1_ps(dn), vdmin = _mm256_set1_ps(dmin);
  for (int g0 = 0; g0 < groups; g0 += 8) {
    __m256 lo[8], hi[8];
    for (int j = 0; j < 8; ++j) {
      const float* xg = x + (g0 + j) * len;
      __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
      for (int i = 0; i < len; i += 8) {
        const __m256 v = _mm256_loadu_ps(xg + i);
        a = _mm256_min_ps(v, a);
        b = _mm256_max_ps(v, b);
      }
      lo[j] = a;
      hi[j] = b;
    }
    const __m256 l = Extreme8<false>(lo), h = Extreme8<true>(hi);
    EstimateRound8(_mm256_div_ps(_mm256_sub_ps(h, l), vdn), 0, top, es + g0);
    EstimateRound8(_mm256_div_ps(_mm256_xor_ps(l, sign), vdmin), 0, top, em + g0);
  }
}

void PeakEstimates16(const float* x, float dn, int lo, int hi, int8_t* e) {
  const __m256 sign = _mm256_set1_ps(-0.0f), vdn = _mm256_set1_ps(dn);
  for (int g0 = 0; g0 < 16; g0 += 8) {
    __m256 m[8];
    for (int j = 0; j < 8; ++j) {
      const float* xg = x + 16 * (g0 + j);
      const __m256 v0 = _mm256_andnot_ps(sign, _mm256_loadu_ps(xg));
      const __m256 v1 = _mm256_andnot_ps(sign, _mm256_loadu_ps(xg + 8));
      m[j] = _mm256_max_ps(v1, _mm256_max_ps(v0, _mm256_setzero_ps()));
    }
    alignas(32) float amax[8];
    _mm256_store_ps(amax, Extreme8<true>(m));
    float p[8];
    for (int j = 0; j < 8; ++j) {
      p[j] = 0.0f;
      if (amax[j] == 0.0f) continue;
      const float* xg = x + 16 * (g0 + j);
      const __m256 vm = _mm256_set1_ps(amax[j]);
      const __m256 v0 = _mm256_andnot_ps(sign, _mm256_loadu_ps(xg));
      const __m256 v1 = _mm256_andnot_ps(sign, _mm256_loadu_ps(xg + 8));
      const unsigned hit = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v0, vm, _CMP_EQ_OQ))) |
                           static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v1, vm, _CMP_EQ_OQ))) << 8;
      p[j] = xg[__builtin_ctz(hit)];
    }
    const __m256 q = _mm256_setr_ps(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    EstimateRound8(_mm256_div_ps(q, vdn), lo, hi, reinterpret_cast<uint8_t*>(e + g0));
  }
}

const Kernels kAvx2 = {"avx2",    RoundGroups,     Trunc32, RoundQ8,    WidenBf16, WidenF16,
                       WidenBf16Planes, ToHalf, ScaleMin8, Symmetric8, Amax32, SignedAbsMax32,
                       MinMax32,  RangeEstimates, PeakEstimates16};

}  // namespace

const Kernels* Avx2Kernels() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok ? &kAvx2 : nullptr;
}

}  // namespace sgz::internal::quant
