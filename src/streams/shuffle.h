// Byte shuffles behind the stream transforms, with SIMD variants picked once
// at run time (AVX2, SSE2, or the portable code).
//
// GatherColumns:  dst[j * n + b] = src[b * stride + j]   (j < width, b < n)
// ScatterColumns: dst[b * stride + j] = src[j * n + b]   (the inverse)
//
// With stride == width this is the byte-plane split of scalar values (F32,
// BF16, ...); with stride > width it gathers one field of every block.
#ifndef SGZ_STREAMS_SHUFFLE_H_
#define SGZ_STREAMS_SHUFFLE_H_

#include <cstddef>
#include <cstdint>

namespace sgz::internal {

void GatherColumns(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);
void ScatterColumns(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);

// Name of the variant in use: "avx2", "sse2" or "generic".
const char* ShuffleVariant();

namespace shuffle_internal {

using ShuffleFn = void (*)(const uint8_t*, size_t, size_t, size_t, uint8_t*);

struct Variant {
  const char* name;
  ShuffleFn gather;
  ShuffleFn scatter;
  bool supported;  // the CPU runs it
};

// Every variant compiled in, the generic one first; for tests and benchmarks.
const Variant* Variants(size_t* count);

void GatherGeneric(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);
void ScatterGeneric(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);
void GatherSse2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);
void ScatterSse2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);
void GatherAvx2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);
void ScatterAvx2(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst);

}  // namespace shuffle_internal
}  // namespace sgz::internal

#endif  // SGZ_STREAMS_SHUFFLE_H_
