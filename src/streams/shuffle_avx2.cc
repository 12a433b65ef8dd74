// AVX2 shuffles for contiguous 2- and 4-byte values; compiled with -mavx2 and
// called only when the CPU has AVX2.
#include <immintrin.h>

#include "streams/shuffle.h"

namespace sgz::internal {
namespace shuffle_internal {
namespace {

// Even and odd bytes of the 64 bytes a:b, in order (packus works per 128-bit
// lane; the permute puts the lanes back in sequence).
inline __m256i Even(__m256i a, __m256i b) {
  const __m256i mask = _mm256_set1_epi16(0x00FF);
  return _mm256_permute4x64_epi64(_mm256_packus_epi16(_mm256_and_si256(a, mask), _mm256_and_si256(b, mask)), 0xD8);
}
inline __m256i Odd(__m256i a, __m256i b) {
  return _mm256_permute4x64_epi64(_mm256_packus_epi16(_mm256_srli_epi16(a, 8), _mm256_srli_epi16(b, 8)), 0xD8);
}
// Interleaves a and b: returns the first 32 bytes in *lo, the next in *hi.
inline void Interleave(__m256i a, __m256i b, __m256i* lo, __m256i* hi) {
  const __m256i l = _mm256_unpacklo_epi8(a, b), h = _mm256_unpackhi_epi8(a, b);
  *lo = _mm256_permute2x128_si256(l, h, 0x20);
  *hi = _mm256_permute2x128_si256(l, h, 0x31);
}

inline __m256i Load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void Store(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

}  // namespace

void GatherAvx2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  if (stride != width || (width != 2 && width != 4)) return GatherSse2(src, stride, width, n, dst);
  size_t b = 0;
  if (stride == 2 && width == 2) {
    for (; b + 32 <= n; b += 32) {
      const __m256i v0 = Load(src + 2 * b), v1 = Load(src + 2 * b + 32);
      Store(dst + b, Even(v0, v1));
      Store(dst + n + b, Odd(v0, v1));
    }
  } else if (stride == 4 && width == 4) {
    for (; b + 32 <= n; b += 32) {
      const uint8_t* s = src + 4 * b;
      const __m256i v0 = Load(s), v1 = Load(s + 32), v2 = Load(s + 64), v3 = Load(s + 96);
      const __m256i e01 = Even(v0, v1), o01 = Odd(v0, v1), e23 = Even(v2, v3), o23 = Odd(v2, v3);
      Store(dst + b, Even(e01, e23));
      Store(dst + n + b, Even(o01, o23));
      Store(dst + 2 * n + b, Odd(e01, e23));
      Store(dst + 3 * n + b, Odd(o01, o23));
    }
  }
  if (b == n) return;
  for (size_t j = 0; j < width; ++j) {
    for (size_t k = b; k < n; ++k) dst[j * n + k] = src[k * stride + j];
  }
}

void ScatterAvx2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  if (stride != width || (width != 2 && width != 4)) return ScatterSse2(src, stride, width, n, dst);
  size_t b = 0;
  if (stride == 2 && width == 2) {
    for (; b + 32 <= n; b += 32) {
      __m256i lo, hi;
      Interleave(Load(src + b), Load(src + n + b), &lo, &hi);
      Store(dst + 2 * b, lo);
      Store(dst + 2 * b + 32, hi);
    }
  } else if (stride == 4 && width == 4) {
    for (; b + 32 <= n; b += 32) {
      __m256i e01, e23, o01, o23, d0, d1, d2, d3;
      Interleave(Load(src + b), Load(src + 2 * n + b), &e01, &e23);
      Interleave(Load(src + n + b), Load(src + 3 * n + b), &o01, &o23);
      Interleave(e01, o01, &d0, &d1);
      Interleave(e23, o23, &d2, &d3);
      uint8_t* d = dst + 4 * b;
      Store(d, d0);
      Store(d + 32, d1);
      Store(d + 64, d2);
      Store(d + 96, d3);
    }
  }
  if (b == n) return;
  for (size_t j = 0; j < width; ++j) {
    for (size_t k = b; k < n; ++k) dst[k * stride + j] = src[j * n + k];
  }
}

}  // namespace shuffle_internal
}  // namespace sgz::internal
