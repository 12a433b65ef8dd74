// The portable versions of the quantizers' inner loops (quant_simd.h) and the
// choice of the table in use.
#include <atomic>
#include <cmath>
#include <cstring>

#include "streams/quant/quant_internal.h"
#include "streams/quant/quant_simd.h"

namespace sgz::internal::quant {

namespace {

void RoundGroups(const float* x, int groups, int len, const float* d, const float* m, int lo, int hi, int bias,
                 uint8_t* L) {
  for (int g = 0; g < groups; ++g) {
    if (!d[g]) continue;
    const float* xg = x + g * len;
    uint8_t* Lg = L + g * len;
    if (m) {
      for (int i = 0; i < len; ++i) Lg[i] = static_cast<uint8_t>(Clamp(NearestInt((xg[i] + m[g]) / d[g]), lo, hi) + bias);
    } else {
      for (int i = 0; i < len; ++i) Lg[i] = static_cast<uint8_t>(Clamp(NearestInt(xg[i] / d[g]), lo, hi) + bias);
    }
  }
}

void Trunc32(const float* x, const TruncParams& p, uint8_t* L) {
  for (int j = 0; j < 32; ++j) {
    const float v = p.has_sub ? x[j] - p.sub : x[j];
    const float r = p.fused ? std::fma(v, p.id, p.add) : v * p.id + p.add;
    const int t = TruncToInt(r);
    L[j] = static_cast<uint8_t>(p.clamp && t >= p.hi ? p.hi : t);
  }
}

void RoundQ8(const float* x, float id, uint8_t* q) {
  for (int j = 0; j < 32; ++j) q[j] = static_cast<uint8_t>(TruncToInt(std::round(x[j] * id)));
}

void WidenBf16(const uint8_t* p, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = Bf16ToFloat(LoadU16LE(p + 2 * i));
}

void WidenBf16Planes(const uint8_t* exp, const uint8_t* sm, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(sm[i] & 0x80) << 24 | static_cast<uint32_t>(exp[i]) << 23 |
                          static_cast<uint32_t>(sm[i] & 0x7f) << 16;
    std::memcpy(&out[i], &bits, 4);
  }
}

void WidenF16(const uint8_t* p, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = HalfToFloat(LoadU16LE(p + 2 * i));
}

void ToHalf(const float* x, int64_t n, uint8_t* out) {
  for (int64_t i = 0; i < n; ++i) StoreU16(out + 2 * i, FloatToHalf(x[i]));
}

template <class Fp>
void ScaleMin8With(int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b) {
  for (int g = 0; g < 8; ++g) {
    b->scale[g] =
        SearchScaleMin<Fp>(n, nmax, b->x[g], b->weights[g], b->L[g], &b->neg_min[g], rmin, rdelta, nstep, use_mad);
  }
}

void ScaleMin8(int rounding, int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, ScaleMinBatch* b) {
  switch (static_cast<FpRounding>(rounding)) {
    case FpRounding::kFma: ScaleMin8With<Fused>(n, nmax, rmin, rdelta, nstep, use_mad, b); return;
    case FpRounding::kFmaNoAssert: ScaleMin8With<FusedNoAssert>(n, nmax, rmin, rdelta, nstep, use_mad, b); return;
    default: ScaleMin8With<Plain>(n, nmax, rmin, rdelta, nstep, use_mad, b); return;
  }
}

template <class Fp>
void Symmetric8With(int n, int nmax, SymmetricBatch* b) {
  for (int g = 0; g < 8; ++g) b->scale[g] = SearchSymmetric<Fp>(n, nmax, b->x[g], b->L[g], b->weights[g]);
}

void Symmetric8(int rounding, int n, int nmax, SymmetricBatch* b) {
  switch (static_cast<FpRounding>(rounding)) {
    case FpRounding::kFma: Symmetric8With<Fused>(n, nmax, b); return;
    case FpRounding::kFmaNoAssert: Symmetric8With<FusedNoAssert>(n, nmax, b); return;
    default: Symmetric8With<Plain>(n, nmax, b); return;
  }
}

float Amax32(const float* x) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = amax > std::fabs(x[j]) ? amax : std::fabs(x[j]);
  return amax;
}

float SignedAbsMax32(const float* x, float* amax) { return SignedAbsMax(x, 32, amax); }

void MinMax32(const float* x, float* min, float* max) {
  *min = 3.402823466e+38f;
  *max = -3.402823466e+38f;
  for (int j = 0; j < 32; ++j) {
    if (x[j] < *min) *min = x[j];
    if (x[j] > *max) *max = x[j];
  }
}

void RangeEstimates(const float* x, int groups, int len, float dn, float dmin, int top, uint8_t* es, uint8_t* em) {
  for (int g = 0; g < groups; ++g) {
    float lo = 0.0f, hi = 0.0f;
    for (int i = 0; i < len; ++i) {
      const float v = x[g * len + i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    es[g] = static_cast<uint8_t>(EstimateRound((hi - lo) / dn, 0, top));
    em[g] = static_cast<uint8_t>(EstimateRound(-lo / dmin, 0, top));
  }
}

void PeakEstimates16(const float* x, float dn, int lo, int hi, int8_t* e) {
  for (int g = 0; g < 16; ++g) {
    const float* xg = x + 16 * g;
    float a = 0.0f, p = 0.0f;
    for (int i = 0; i < 16; ++i) {
      if (std::fabs(xg[i]) > a) {
        a = std::fabs(xg[i]);
        p = xg[i];
      }
    }
    e[g] = static_cast<int8_t>(EstimateRound(p / dn, lo, hi));
  }
}

const Kernels kPortable = {"portable", RoundGroups, Trunc32,        RoundQ8,  WidenBf16,      WidenF16,
                           WidenBf16Planes, ToHalf, ScaleMin8, Symmetric8, Amax32, SignedAbsMax32,
                           MinMax32,   RangeEstimates, PeakEstimates16};

std::atomic<bool> force_portable{false};

}  // namespace

const Kernels& PortableKernels() { return kPortable; }

#if !(defined(__x86_64__) || defined(__i386__))
const Kernels* Avx2Kernels() { return nullptr; }
#endif

const Kernels& ActiveKernels() {
  static const Kernels* best = [] {
    const Kernels* avx2 = Avx2Kernels();
    return avx2 ? avx2 : &kPortable;
  }();
  return force_portable.load(std::memory_order_relaxed) ? kPortable : *best;
}

void ForcePortableKernels(bool portable) { force_portable.store(portable, std::memory_order_relaxed); }

template <class Fp>
void SearchScaleMin8(int n, int nmax, const float* x, int x_stride, const float* weights, int w_stride, uint8_t* L,
                     int l_stride, float* scales, float* neg_mins, float rmin, float rdelta, int nstep, bool use_mad) {
  ScaleMinBatch batch;
  for (int g = 0; g < 8; ++g) {
    batch.x[g] = x + g * x_stride;
    batch.weights[g] = weights + g * w_stride;
    batch.L[g] = L + g * l_stride;
  }
  ActiveKernels().scale_min8(static_cast<int>(Fp::kRounding), n, nmax, rmin, rdelta, nstep, use_mad, &batch);
  for (int g = 0; g < 8; ++g) {
    scales[g] = batch.scale[g];
    neg_mins[g] = batch.neg_min[g];
  }
}

template <class Fp>
void SearchSymmetric8(int n, int nmax, const float* x, int x_stride, const float* weights, int w_stride, int8_t* L,
                      float* scales) {
  SymmetricBatch batch;
  for (int g = 0; g < 8; ++g) {
    batch.x[g] = x + g * x_stride;
    batch.weights[g] = weights ? weights + g * w_stride : nullptr;
    batch.L[g] = L + g * n;
  }
  ActiveKernels().symmetric8(static_cast<int>(Fp::kRounding), n, nmax, &batch);
  for (int g = 0; g < 8; ++g) scales[g] = batch.scale[g];
}

#define SGZ_INSTANTIATE_BATCHES(Fp)                                                                                \
  template void SearchScaleMin8<Fp>(int, int, const float*, int, const float*, int, uint8_t*, int, float*, float*, \
                                    float, float, int, bool);                                                      \
  template void SearchSymmetric8<Fp>(int, int, const float*, int, const float*, int, int8_t*, float*);
SGZ_INSTANTIATE_BATCHES(Plain)
SGZ_INSTANTIATE_BATCHES(Fused)
SGZ_INSTANTIATE_BATCHES(FusedNoAssert)
#undef SGZ_INSTANTIATE_BATCHES

}  // namespace sgz::internal::quant
