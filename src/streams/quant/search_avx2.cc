// The scale searches with AVX2: eight groups at once, lane g running group
// g's search (scale_search.cc) with its operations in their order. Where the
// portable search branches per group (a better trial, a group of zeros), the
// lanes compute both sides and keep their own by a mask.
#include <immintrin.h>

#include "streams/quant/quant_avx2_inl.h"

namespace sgz::internal::quant::avx2 {

namespace {

// Fp::Madd and Fp::RoundProduct of the three roundings, eight lanes.
template <bool kFusedMadd, bool kFusedRound>
struct V {
  static __m256 Madd(__m256 a, __m256 b, __m256 c) {
    return kFusedMadd ? _mm256_fmadd_ps(a, b, c) : _mm256_add_ps(_mm256_mul_ps(a, b), c);
  }
  static __m256i RoundProduct(__m256 a, __m256 b) {
    const __m256 magic = _mm256_set1_ps(kRoundMagic);
    return MagicToInt8(kFusedRound ? _mm256_fmadd_ps(a, b, magic) : _mm256_add_ps(_mm256_mul_ps(a, b), magic));
  }
};

inline __m256 Abs(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }
inline __m256 Neg(__m256 v) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), v); }
inline __m256i Clamp8(__m256i v, int lo, int hi) {
  return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
}
inline __m256 Blend(__m256 a, __m256 b, __m256 mask) { return _mm256_blendv_ps(a, b, mask); }
inline __m256i BlendI(__m256i a, __m256i b, __m256 mask) {
  return _mm256_blendv_epi8(a, b, _mm256_castps_si256(mask));
}
inline __m256 Lanes(const float* const* p, int i) {
  return _mm256_setr_ps(p[0][i], p[1][i], p[2][i], p[3][i], p[4][i], p[5][i], p[6][i], p[7][i]);
}
inline void Spread(__m256 v, float* out) { _mm256_storeu_ps(out, v); }

template <class F>
void ScaleMin8T(int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b) {
  __m256 X[32], W[32];
  __m256i Lbest[32], Laux[32];
  // n >= 1: the first values start the sums, as in the portable code.
  X[0] = Lanes(b->x, 0);
  W[0] = Lanes(b->weights, 0);
  __m256 min = X[0], max = X[0];
  __m256 sum_w = W[0];
  __m256 sum_x = _mm256_mul_ps(sum_w, X[0]);
  for (int i = 1; i < n; ++i) {
    X[i] = Lanes(b->x, i);
    W[i] = Lanes(b->weights, i);
    min = _mm256_min_ps(X[i], min);  // X[i] < min ? X[i] : min
    max = _mm256_max_ps(X[i], max);
    sum_w = _mm256_add_ps(sum_w, W[i]);
    sum_x = F::Madd(W[i], X[i], sum_x);
  }
  const __m256 zero = _mm256_setzero_ps();
  min = Blend(min, zero, _mm256_cmp_ps(min, zero, _CMP_GT_OQ));
  const __m256 done = _mm256_cmp_ps(max, min, _CMP_LE_OQ);  // a group of zeros: L 0, scale 0
  const __m256 fnmax = _mm256_set1_ps(static_cast<float>(nmax));
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 iscale = _mm256_div_ps(fnmax, _mm256_sub_ps(max, min));
  __m256 scale = _mm256_div_ps(one, iscale);
  __m256 best_error = zero;
  for (int i = 0; i < n; ++i) {
    Lbest[i] = Clamp8(F::RoundProduct(iscale, _mm256_sub_ps(X[i], min)), 0, nmax);
    __m256 diff = _mm256_sub_ps(F::Madd(scale, _mm256_cvtepi32_ps(Lbest[i]), min), X[i]);
    diff = use_mad ? Abs(diff) : _mm256_mul_ps(diff, diff);
    best_error = F::Madd(W[i], diff, best_error);
  }
  for (int is = 0; nstep >= 1 && is <= nstep; ++is) {
    iscale = _mm256_div_ps(
        _mm256_add_ps(F::Madd(_mm256_set1_ps(rdelta), _mm256_set1_ps(static_cast<float>(is)), _mm256_set1_ps(rmin)),
                      fnmax),
        _mm256_sub_ps(max, min));
    __m256 sum_l = zero, sum_l2 = zero, sum_xl = zero;
    for (int i = 0; i < n; ++i) {
      Laux[i] = Clamp8(F::RoundProduct(iscale, _mm256_sub_ps(X[i], min)), 0, nmax);
      const __m256 fl = _mm256_cvtepi32_ps(Laux[i]);
      const __m256 wl = _mm256_mul_ps(W[i], fl);
      sum_l = _mm256_add_ps(sum_l, wl);
      sum_l2 = F::Madd(wl, fl, sum_l2);
      sum_xl = F::Madd(wl, X[i], sum_xl);
    }
    const __m256 D = F::Madd(sum_w, sum_l2, Neg(_mm256_mul_ps(sum_l, sum_l)));
    const __m256 positive = _mm256_cmp_ps(D, zero, _CMP_GT_OQ);
    if (_mm256_movemask_ps(_mm256_andnot_ps(done, positive)) == 0) continue;
    __m256 this_scale = _mm256_div_ps(F::Madd(sum_w, sum_xl, Neg(_mm256_mul_ps(sum_x, sum_l))), D);
    __m256 this_min = _mm256_div_ps(F::Madd(sum_l2, sum_x, Neg(_mm256_mul_ps(sum_l, sum_xl))), D);
    const __m256 min_pos = _mm256_cmp_ps(this_min, zero, _CMP_GT_OQ);
    this_min = Blend(this_min, zero, min_pos);
    this_scale = Blend(this_scale, _mm256_div_ps(sum_xl, sum_l2), min_pos);
    __m256 cur_error = zero;
    for (int i = 0; i < n; ++i) {
      __m256 diff = _mm256_sub_ps(F::Madd(this_scale, _mm256_cvtepi32_ps(Laux[i]), this_min), X[i]);
      diff = use_mad ? Abs(diff) : _mm256_mul_ps(diff, diff);
      cur_error = F::Madd(W[i], diff, cur_error);
    }
    const __m256 better =
        _mm256_andnot_ps(done, _mm256_and_ps(positive, _mm256_cmp_ps(cur_error, best_error, _CMP_LT_OQ)));
    if (_mm256_movemask_ps(better) == 0) continue;
    for (int i = 0; i < n; ++i) Lbest[i] = BlendI(Lbest[i], Laux[i], better);
    best_error = Blend(best_error, cur_error, better);
    scale = Blend(scale, this_scale, better);
    min = Blend(min, this_min, better);
  }
  scale = Blend(scale, zero, done);
  alignas(32) float s[8], m[8];
  Spread(scale, s);
  Spread(Neg(min), m);
  alignas(32) int32_t l[8];
  const int done_bits = _mm256_movemask_ps(done);
  for (int g = 0; g < 8; ++g) {
    b->scale[g] = s[g];
    b->neg_min[g] = m[g];
  }
  for (int i = 0; i < n; ++i) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(l), Lbest[i]);
    for (int g = 0; g < 8; ++g) b->L[g][i] = static_cast<uint8_t>((done_bits >> g) & 1 ? 0 : l[g]);
  }
}

// SearchSymmetric per lane; the trial quants are recomputed where a trial
// wins, as the portable code does (the same rounding of the same product).
template <class F>
void Symmetric8T(int n, int nmax, SymmetricBatch* b) {
  __m256 X[32], W[32], WX[32];
  __m256i Lbest[32];
  const bool weighted = b->weights[0] != nullptr;
  for (int i = 0; i < n; ++i) {
    X[i] = Lanes(b->x, i);
    W[i] = weighted ? Lanes(b->weights, i) : _mm256_mul_ps(X[i], X[i]);
    WX[i] = _mm256_mul_ps(W[i], X[i]);
  }
  const __m256 zero = _mm256_setzero_ps();
  __m256 amax = zero, max = zero;
  for (int i = 0; i < n; ++i) {
    const __m256 ax = Abs(X[i]);
    const __m256 gt = _mm256_cmp_ps(ax, amax, _CMP_GT_OQ);
    amax = Blend(amax, ax, gt);
    max = Blend(max, X[i], gt);
  }
  const __m256 done = _mm256_cmp_ps(amax, _mm256_set1_ps(kGroupMaxEps), _CMP_LT_OQ);
  const __m256 fnmax = _mm256_set1_ps(static_cast<float>(nmax));
  __m256 iscale = _mm256_div_ps(Neg(fnmax), max);
  __m256 sumlx = zero, suml2 = zero;
  for (int i = 0; i < n; ++i) {
    const __m256i l = Clamp8(F::RoundProduct(iscale, X[i]), -nmax, nmax - 1);
    Lbest[i] = l;
    const __m256 fl = _mm256_cvtepi32_ps(l);
    sumlx = F::Madd(WX[i], fl, sumlx);
    suml2 = F::Madd(_mm256_mul_ps(W[i], fl), fl, suml2);
  }
  const __m256 nonzero = _mm256_cmp_ps(suml2, zero, _CMP_NEQ_UQ);
  __m256 scale = _mm256_and_ps(nonzero, _mm256_div_ps(sumlx, suml2));
  __m256 best = _mm256_mul_ps(scale, sumlx);
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = _mm256_div_ps(Neg(F::Madd(_mm256_set1_ps(0.1f), _mm256_set1_ps(static_cast<float>(is)), fnmax)), max);
    __m256i Ltry[32];
    sumlx = suml2 = zero;
    for (int i = 0; i < n; ++i) {
      Ltry[i] = Clamp8(F::RoundProduct(iscale, X[i]), -nmax, nmax - 1);
      const __m256 fl = _mm256_cvtepi32_ps(Ltry[i]);
      sumlx = F::Madd(WX[i], fl, sumlx);
      suml2 = F::Madd(_mm256_mul_ps(W[i], fl), fl, suml2);
    }
    const __m256 better = _mm256_andnot_ps(
        done, _mm256_and_ps(_mm256_cmp_ps(suml2, zero, _CMP_GT_OQ),
                            _mm256_cmp_ps(_mm256_mul_ps(sumlx, sumlx), _mm256_mul_ps(best, suml2), _CMP_GT_OQ)));
    if (_mm256_movemask_ps(better) == 0) continue;
    for (int i = 0; i < n; ++i) Lbest[i] = BlendI(Lbest[i], Ltry[i], better);
    scale = Blend(scale, _mm256_div_ps(sumlx, suml2), better);
    best = Blend(best, _mm256_mul_ps(scale, sumlx), better);
  }
  scale = Blend(scale, zero, done);
  alignas(32) float s[8];
  Spread(scale, s);
  alignas(32) int32_t l[8];
  const int done_bits = _mm256_movemask_ps(done);
  for (int g = 0; g < 8; ++g) b->scale[g] = s[g];
  for (int i = 0; i < n; ++i) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(l), _mm256_add_epi32(Lbest[i], _mm256_set1_epi32(nmax)));
    for (int g = 0; g < 8; ++g) b->L[g][i] = static_cast<int8_t>((done_bits >> g) & 1 ? 0 : l[g]);
  }
}

}  // namespace

void ScaleMin8(int rounding, int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b) {
  switch (static_cast<FpRounding>(rounding)) {
    case FpRounding::kFma: ScaleMin8T<V<true, false>>(n, nmax, rmin, rdelta, nstep, use_mad, b); return;
    case FpRounding::kFmaNoAssert: ScaleMin8T<V<true, true>>(n, nmax, rmin, rdelta, nstep, use_mad, b); return;
    default: ScaleMin8T<V<false, false>>(n, nmax, rmin, rdelta, nstep, use_mad, b); return;
  }
}

void Symmetric8(int rounding, int n, int nmax, SymmetricBatch* b) {
  switch (static_cast<FpRounding>(rounding)) {
    case FpRounding::kFma: Symmetric8T<V<true, false>>(n, nmax, b); return;
    case FpRounding::kFmaNoAssert: Symmetric8T<V<true, true>>(n, nmax, b); return;
    default: Symmetric8T<V<false, false>>(n, nmax, b); return;
  }
}

}  // namespace sgz::internal::quant::avx2
