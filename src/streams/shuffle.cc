#include "streams/shuffle.h"

namespace sgz::internal {
namespace shuffle_internal {

void GatherGeneric(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  if (width == 1) {
    for (size_t b = 0; b < n; ++b) dst[b] = src[b * stride];
    return;
  }
  for (size_t b = 0; b < n; ++b) {
    const uint8_t* s = src + b * stride;
    for (size_t j = 0; j < width; ++j) dst[j * n + b] = s[j];
  }
}

void ScatterGeneric(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  if (width == 1) {
    for (size_t b = 0; b < n; ++b) dst[b * stride] = src[b];
    return;
  }
  for (size_t b = 0; b < n; ++b) {
    uint8_t* d = dst + b * stride;
    for (size_t j = 0; j < width; ++j) d[j] = src[j * n + b];
  }
}

const Variant* Variants(size_t* count) {
#if defined(__x86_64__) || defined(__i386__)
  static const Variant kVariants[] = {
      {"generic", GatherGeneric, ScatterGeneric, true},
      {"sse2", GatherSse2, ScatterSse2, true},
      {"avx2", GatherAvx2, ScatterAvx2, __builtin_cpu_supports("avx2") != 0},
  };
#else
  static const Variant kVariants[] = {{"generic", GatherGeneric, ScatterGeneric, true}};
#endif
  *count = sizeof(kVariants) / sizeof(kVariants[0]);
  return kVariants;
}

}  // namespace shuffle_internal

namespace {

// The best supported variant, chosen once.
const shuffle_internal::Variant& Best() {
  static const shuffle_internal::Variant* best = [] {
    size_t count;
    const shuffle_internal::Variant* v = shuffle_internal::Variants(&count);
    const shuffle_internal::Variant* pick = &v[0];
    for (size_t i = 0; i < count; ++i) {
      if (v[i].supported) pick = &v[i];
    }
    return pick;
  }();
  return *best;
}

}  // namespace

void GatherColumns(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  Best().gather(src, stride, width, n, dst);
}

void ScatterColumns(const uint8_t* src, size_t stride, size_t width, size_t n, uint8_t* dst) {
  Best().scatter(src, stride, width, n, dst);
}

const char* ShuffleVariant() { return Best().name; }

}  // namespace sgz::internal
