// The AVX2 decode loop of codec 2 (compiled with -mavx2, called only when
// the CPU has it): the 32 states as four vectors of eight, one table gather
// per vector, renormalization words spread to the lanes that need them by a
// permutation. Decodes exactly what the portable loop decodes, in the same
// order: within a group of 32 bytes, lanes 0..31 read their words in lane
// order.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "streams/rans.h"

namespace sgz::internal::rans_internal {
namespace {

// kSpread[m]: for each lane j whose bit is set in m, the index among the set
// bits below it (which of the loaded words lane j takes).
struct SpreadTable {
  alignas(32) uint32_t idx[256][8];
  SpreadTable() {
    for (unsigned m = 0; m < 256; ++m) {
      unsigned k = 0;
      for (unsigned j = 0; j < 8; ++j) idx[m][j] = (m >> j & 1) ? k++ : 0;
    }
  }
};
const SpreadTable kSpread;

template <bool kContexts>
inline __m256i Step(__m256i x, const uint32_t* tables, __m128i shift, __m256i mask, const uint8_t* ctx,
                    const uint8_t** p, __m256i* sym) {
  const __m256i slot = _mm256_and_si256(x, mask);
  __m256i idx = slot;
  if (kContexts) {
    int64_t c8;
    memcpy(&c8, ctx, 8);
    const __m256i c = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(c8));
    idx = _mm256_or_si256(slot, _mm256_sll_epi32(c, shift));
  }
  const __m256i e = _mm256_i32gather_epi32(reinterpret_cast<const int*>(tables), idx, 4);
  // x = f * (x >> P) + slot - cum = (f - 1) * xs + (xs + offset): the
  // multiply starts one shift after the gather.
  const __m256i xs = _mm256_srl_epi32(x, shift);
  const __m256i base = _mm256_add_epi32(xs, _mm256_and_si256(_mm256_srli_epi32(e, 8), _mm256_set1_epi32(0xFFF)));
  x = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_srli_epi32(e, 20), xs), base);
  *sym = _mm256_and_si256(e, _mm256_set1_epi32(0xFF));
  // Lanes below 2^16 take the next words, in lane order.
  const __m256i need = _mm256_cmpeq_epi32(_mm256_srli_epi32(x, 16), _mm256_setzero_si256());
  const unsigned m = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(need)));
  const __m256i words = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(*p)));
  const __m256i w = _mm256_permutevar8x32_epi32(
      words, _mm256_load_si256(reinterpret_cast<const __m256i*>(kSpread.idx[m])));
  x = _mm256_blendv_epi8(x, _mm256_or_si256(_mm256_slli_epi32(x, 16), w), need);
  *p += 2 * __builtin_popcount(m);
  return x;
}

template <bool kContexts>
void Loop(const uint32_t* tables, unsigned precision, const uint8_t* ctx, uint8_t* dst, uint64_t n,
          DecodeState* st) {
  constexpr unsigned kVectors = kRansLanes / 8;
  static_assert(kVectors % 4 == 0, "lanes come in groups of 32");
  if (st->i % kRansLanes != 0) return;
  __m256i x[kVectors];
  for (unsigned v = 0; v < kVectors; ++v) x[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(st->x + 8 * v));
  const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(precision));
  const __m256i mask = _mm256_set1_epi32(static_cast<int>((1u << precision) - 1));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const uint8_t* p = st->words;
  uint64_t i = st->i;
  // Each group reads at most 2 bytes of words a lane (16 bytes a vector,
  // loaded whole), so the loop stops while that many are left; the portable
  // loop ends.
  while (n - i >= kRansLanes && st->words_end - p >= static_cast<std::ptrdiff_t>(2 * kRansLanes)) {
    __m256i s[kVectors];
    for (unsigned v = 0; v < kVectors; ++v) {
      x[v] = Step<kContexts>(x[v], tables, shift, mask, kContexts ? ctx + i + 8 * v : nullptr, &p, &s[v]);
    }
    for (unsigned v = 0; v < kVectors; v += 4) {
      const __m256i bytes =
          _mm256_packus_epi16(_mm256_packus_epi32(s[v], s[v + 1]), _mm256_packus_epi32(s[v + 2], s[v + 3]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 8 * v), _mm256_permutevar8x32_epi32(bytes, order));
    }
    i += kRansLanes;
  }
  for (unsigned v = 0; v < kVectors; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(st->x + 8 * v), x[v]);
  st->words = p;
  st->i = i;
}

void Dispatch(const uint32_t* tables, unsigned precision, const uint8_t* ctx, uint8_t* dst, uint64_t n,
              DecodeState* st) {
  if (ctx != nullptr) {
    Loop<true>(tables, precision, ctx, dst, n, st);
  } else {
    Loop<false>(tables, precision, ctx, dst, n, st);
  }
}

// kGatherRight[m]: output slot 8 - popcount(m) + k takes the lane of the
// k-th set bit of m (the emitted words, in lane order, right-aligned).
struct GatherRightTable {
  alignas(32) uint32_t idx[256][8];
  GatherRightTable() {
    for (unsigned m = 0; m < 256; ++m) {
      const unsigned count = static_cast<unsigned>(__builtin_popcount(m));
      unsigned k = 8 - count;
      for (unsigned j = 0; j < 8; ++j) idx[m][j] = 0;
      for (unsigned j = 0; j < 8; ++j) {
        if (m >> j & 1) idx[m][k++] = j;
      }
    }
  }
};
const GatherRightTable kGatherRight;

// One vector of 8 lanes of the encoder: the bytes' entries, renormalization
// (the words of the lanes that emit, in lane order, stored so that they end
// at *w), then x = floor(x / f) * M + x mod f + cum. The quotient in double:
// x * (1/f) + 2^-13 truncated is exact for x < 2^32, f <= 2^12 (the product's
// error is below 2^-20, and a true quotient's fraction is 0 or in
// [1/f, 1 - 1/f]).
inline __m256i EncodeStep(__m256i x, __m256i idx, const uint32_t* fc, const double* inv, unsigned precision,
                          uint16_t* words, uint64_t* w) {
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i e = _mm256_i32gather_epi32(reinterpret_cast<const int*>(fc), idx, 4);
  const __m256i f = _mm256_and_si256(e, _mm256_set1_epi32(0xFFFF));
  const __m256i cum = _mm256_srli_epi32(e, 16);
  // x_max - 1 = (f << (32 - P)) - 1; f = M wraps to 0 - 1 = 2^32 - 1 (never emits).
  const __m256i xmax1 = _mm256_sub_epi32(_mm256_sll_epi32(f, _mm_cvtsi32_si128(static_cast<int>(32 - precision))),
                                         _mm256_set1_epi32(1));
  const __m256i emit = _mm256_cmpgt_epi32(_mm256_xor_si256(x, sign), _mm256_xor_si256(xmax1, sign));
  const unsigned m = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(emit)));
  const __m256i low = _mm256_and_si256(x, _mm256_set1_epi32(0xFFFF));
  const __m256i right = _mm256_permutevar8x32_epi32(
      low, _mm256_load_si256(reinterpret_cast<const __m256i*>(kGatherRight.idx[m])));
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(right, right), 0x08);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(words + *w - 8), _mm256_castsi256_si128(packed));
  *w -= static_cast<unsigned>(__builtin_popcount(m));
  x = _mm256_blendv_epi8(x, _mm256_srli_epi32(x, 16), emit);
  // The quotient, 4 lanes at a time in double.
  const __m256d two31 = _mm256_set1_pd(2147483648.0), bias = _mm256_set1_pd(1.0 / 8192);
  const __m256i xs = _mm256_xor_si256(x, sign);
  const __m256d xlo = _mm256_add_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(xs)), two31);
  const __m256d xhi = _mm256_add_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(xs, 1)), two31);
  const __m256d ilo = _mm256_i32gather_pd(inv, _mm256_castsi256_si128(idx), 8);
  const __m256d ihi = _mm256_i32gather_pd(inv, _mm256_extracti128_si256(idx, 1), 8);
  const __m128i qlo = _mm256_cvttpd_epi32(_mm256_add_pd(_mm256_mul_pd(xlo, ilo), bias));
  const __m128i qhi = _mm256_cvttpd_epi32(_mm256_add_pd(_mm256_mul_pd(xhi, ihi), bias));
  const __m256i q = _mm256_set_m128i(qhi, qlo);
  const __m128i p = _mm_cvtsi32_si128(static_cast<int>(precision));
  return _mm256_add_epi32(_mm256_add_epi32(_mm256_sll_epi32(q, p), _mm256_sub_epi32(x, _mm256_mullo_epi32(q, f))),
                          cum);
}

void EncodeLoop(const uint8_t* src, const uint8_t* ctx, uint64_t end, const uint32_t* fc, const double* inv,
                unsigned precision, uint32_t* xs, uint16_t* words, uint64_t* w) {
  constexpr unsigned kVectors = kRansLanes / 8;
  __m256i x[kVectors];
  for (unsigned v = 0; v < kVectors; ++v) x[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xs + 8 * v));
  for (uint64_t g = end; g > 0;) {
    g -= kRansLanes;
    for (unsigned v = kVectors; v-- > 0;) {
      int64_t s8;
      memcpy(&s8, src + g + 8 * v, 8);
      __m256i idx = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(s8));
      if (ctx != nullptr) {
        int64_t c8;
        memcpy(&c8, ctx + g + 8 * v, 8);
        idx = _mm256_or_si256(idx, _mm256_slli_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(c8)), 8));
      }
      x[v] = EncodeStep(x[v], idx, fc, inv, precision, words, w);
    }
  }
  for (unsigned v = 0; v < kVectors; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(xs + 8 * v), x[v]);
}

}  // namespace

EncodeLoopFn Avx2EncodeLoop() { return __builtin_cpu_supports("avx2") ? EncodeLoop : nullptr; }

DecodeLoopFn Avx2DecodeLoop() { return __builtin_cpu_supports("avx2") ? Dispatch : nullptr; }

}  // namespace sgz::internal::rans_internal
