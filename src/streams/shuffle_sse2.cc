// SSE2 shuffles for contiguous 2- and 4-byte values (byte planes of F16,
// BF16, F32, ...) and for 16-byte fields of blocks (K-quant headers); other
// shapes fall back to the generic code.
#include <emmintrin.h>

#include "streams/shuffle.h"

namespace sgz::internal {
namespace shuffle_internal {
namespace {

// Even and odd bytes of the 32 bytes a:b.
inline __m128i Even(__m128i a, __m128i b) {
  const __m128i mask = _mm_set1_epi16(0x00FF);
  return _mm_packus_epi16(_mm_and_si128(a, mask), _mm_and_si128(b, mask));
}
inline __m128i Odd(__m128i a, __m128i b) { return _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8)); }

inline __m128i Load(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline void Store(uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

// Transposes a 16x16 byte matrix in place: four rounds of interleaving row i
// with row i + 8 (each round a perfect shuffle of the row indices).
inline void Transpose16(__m128i x[16]) {
  for (int round = 0; round < 4; ++round) {
    __m128i y[16];
    for (int i = 0; i < 8; ++i) {
      y[2 * i] = _mm_unpacklo_epi8(x[i], x[i + 8]);
      y[2 * i + 1] = _mm_unpackhi_epi8(x[i], x[i + 8]);
    }
    for (int i = 0; i < 16; ++i) x[i] = y[i];
  }
}

}  // namespace

void GatherSse2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  size_t b = 0;
  if (stride == 2 && width == 2) {
    for (; b + 16 <= n; b += 16) {
      const __m128i v0 = Load(src + 2 * b), v1 = Load(src + 2 * b + 16);
      Store(dst + b, Even(v0, v1));
      Store(dst + n + b, Odd(v0, v1));
    }
  } else if (stride == 4 && width == 4) {
    for (; b + 16 <= n; b += 16) {
      const uint8_t* s = src + 4 * b;
      const __m128i v0 = Load(s), v1 = Load(s + 16), v2 = Load(s + 32), v3 = Load(s + 48);
      const __m128i e01 = Even(v0, v1), o01 = Odd(v0, v1), e23 = Even(v2, v3), o23 = Odd(v2, v3);
      Store(dst + b, Even(e01, e23));
      Store(dst + n + b, Even(o01, o23));
      Store(dst + 2 * n + b, Odd(e01, e23));
      Store(dst + 3 * n + b, Odd(o01, o23));
    }
  } else if (width == 16) {
    // A 16-byte field of every block (the Q4_K/Q5_K header): 16 blocks at a time.
    for (; b + 16 <= n; b += 16) {
      __m128i x[16];
      for (int i = 0; i < 16; ++i) x[i] = Load(src + (b + i) * stride);
      Transpose16(x);
      for (int j = 0; j < 16; ++j) Store(dst + j * n + b, x[j]);
    }
  }
  if (b == n) return;
  // The rest, column by column.
  for (size_t j = 0; j < width; ++j) {
    for (size_t k = b; k < n; ++k) dst[j * n + k] = src[k * stride + j];
  }
}

void ScatterSse2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  size_t b = 0;
  if (stride == 2 && width == 2) {
    for (; b + 16 <= n; b += 16) {
      const __m128i p0 = Load(src + b), p1 = Load(src + n + b);
      Store(dst + 2 * b, _mm_unpacklo_epi8(p0, p1));
      Store(dst + 2 * b + 16, _mm_unpackhi_epi8(p0, p1));
    }
  } else if (stride == 4 && width == 4) {
    for (; b + 16 <= n; b += 16) {
      const __m128i p0 = Load(src + b), p1 = Load(src + n + b), p2 = Load(src + 2 * n + b), p3 = Load(src + 3 * n + b);
      const __m128i e01 = _mm_unpacklo_epi8(p0, p2), e23 = _mm_unpackhi_epi8(p0, p2);
      const __m128i o01 = _mm_unpacklo_epi8(p1, p3), o23 = _mm_unpackhi_epi8(p1, p3);
      uint8_t* d = dst + 4 * b;
      Store(d, _mm_unpacklo_epi8(e01, o01));
      Store(d + 16, _mm_unpackhi_epi8(e01, o01));
      Store(d + 32, _mm_unpacklo_epi8(e23, o23));
      Store(d + 48, _mm_unpackhi_epi8(e23, o23));
    }
  } else if (width == 16) {
    for (; b + 16 <= n; b += 16) {
      __m128i x[16];
      for (int j = 0; j < 16; ++j) x[j] = Load(src + j * n + b);
      Transpose16(x);
      for (int i = 0; i < 16; ++i) Store(dst + (b + i) * stride, x[i]);
    }
  }
  if (b == n) return;
  for (size_t j = 0; j < width; ++j) {
    for (size_t k = b; k < n; ++k) dst[k * stride + j] = src[j * n + k];
  }
}

}  // namespace shuffle_internal
}  // namespace sgz::internal
