// Lane helpers shared by the AVX2 files (include only from sources compiled
// with -mavx2 -mfma): ggml's nearest_int and the defined float-to-int
// truncation of quant_internal.h, eight lanes at a time.
#ifndef SGZ_STREAMS_QUANT_QUANT_AVX2_INL_H_
#define SGZ_STREAMS_QUANT_QUANT_AVX2_INL_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_simd.h"

namespace sgz::internal::quant::avx2 {

// MagicToInt of each lane's biased value (NaN: 0).
inline __m256i MagicToInt8(__m256 biased) {
  const __m256i bits = _mm256_castps_si256(biased);
  const __m256i v =
      _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
  return _mm256_andnot_si256(_mm256_castps_si256(_mm256_cmp_ps(biased, biased, _CMP_UNORD_Q)), v);
}

// MagicToInt(v + kRoundMagic) per lane.
inline __m256i NearestInt8(__m256 v) { return MagicToInt8(_mm256_add_ps(v, _mm256_set1_ps(kRoundMagic))); }

// TruncToInt per lane: cvttps gives INT_MIN for NaN and out of range; the
// portable answers are 0 for NaN and INT_MAX from 2^31 up.
inline __m256i TruncToInt8(__m256 v) {
  __m256i t = _mm256_cvttps_epi32(v);
  const __m256 big = _mm256_cmp_ps(v, _mm256_set1_ps(2147483648.0f), _CMP_GE_OQ);
  t = _mm256_blendv_epi8(t, _mm256_set1_epi32(0x7fffffff), _mm256_castps_si256(big));
  const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
  return _mm256_andnot_si256(_mm256_castps_si256(nan), t);
}

// The low byte of each lane, in order, to out[0, 8).
inline void LowBytes8(__m256i v, uint8_t* out) {
  const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i s = _mm256_shuffle_epi8(v, pick);
  const uint32_t lo = static_cast<uint32_t>(_mm256_extract_epi32(s, 0));
  const uint32_t hi = static_cast<uint32_t>(_mm256_extract_epi32(s, 4));
  std::memcpy(out, &lo, 4);
  std::memcpy(out + 4, &hi, 4);
}

// The vector searches (search_avx2.cc).
void ScaleMin8(int rounding, int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b);
void Symmetric8(int rounding, int n, int nmax, SymmetricBatch* b);

}  // namespace sgz::internal::quant::avx2

#endif  // SGZ_STREAMS_QUANT_QUANT_AVX2_INL_H_
