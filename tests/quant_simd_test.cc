// The vector kernels of the quantizers (quant_simd.h) against the portable
// ones, bit for bit: each kernel on values made to find differences (ties,
// zeros of both signs, subnormals, huge values, infinities, NaN, the edges of
// the rounding constant), then the public functions with the portable
// kernels forced against the same with the best ones. Skipped where the CPU
// has no vector kernels (there the portable ones are all there is).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "streams/context_split.h"
#include "streams/ggml_types.h"
#include "streams/quant/quant.h"
#include "streams/quant/quant_simd.h"

namespace sgz::internal::quant {
namespace {

#define REQUIRE_VECTOR_KERNELS() \
  if (!Avx2Kernels()) GTEST_SKIP() << "this CPU runs the portable kernels only"

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// One value of the kinds that tell implementations apart.
float Nasty(std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 15);
  std::normal_distribution<float> normal(0.f, 1.f);
  switch (kind(rng)) {
    case 0: return 0.f;
    case 1: return -0.f;
    case 2: return FromBits((rng() & 0x807fffffu) | 1u);  // subnormal
    case 3: return (rng() & 1 ? 1.f : -1.f) * std::ldexp(1.f + static_cast<float>(rng() % 8) / 8, 100 + rng() % 27);
    case 4: return rng() & 1 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
    case 5: return std::numeric_limits<float>::quiet_NaN();
    case 6: return static_cast<float>(static_cast<int>(rng() % 64) - 32) + 0.5f;  // ties of every rounding
    case 7: return 4194304.f + static_cast<float>(static_cast<int>(rng() % 8) - 4);  // the magic constant's edge
    case 8: return FromBits(rng());  // any bits
    default: return normal(rng) * std::ldexp(1.f, static_cast<int>(rng() % 16) - 8);
  }
}

std::vector<float> NastyValues(std::mt19937& rng, size_t n, int normal_share) {
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> v(n);
  for (float& f : v) f = static_cast<int>(rng() % 16) < normal_share ? normal(rng) : Nasty(rng);
  return v;
}

TEST(QuantSimd, RoundGroupsAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(1);
  struct Shape {
    int groups, len, lo, hi, bias;
    bool with_min;
  };
  const Shape shapes[] = {{16, 16, 0, 3, 0, true},  {16, 16, -4, 3, 4, false}, {8, 32, 0, 15, 0, true},
                          {8, 32, 0, 31, 0, true},  {16, 16, -32, 31, 32, false}};
  for (int trial = 0; trial < 3000; ++trial) {
    const Shape& s = shapes[trial % 5];
    const int n = s.groups * s.len;
    std::vector<float> x = NastyValues(rng, n, 10), d(s.groups), m(s.groups);
    for (int g = 0; g < s.groups; ++g) {
      // Dyadic scales make exact ties of (x + m) / d.
      d[g] = rng() % 8 == 0 ? Nasty(rng) : std::ldexp(1.f + static_cast<float>(rng() % 4) / 4, static_cast<int>(rng() % 8) - 6);
      m[g] = rng() % 4 == 0 ? Nasty(rng) : d[g] * static_cast<float>(rng() % 16);
      if (rng() % 8 == 0) d[g] = 0;
    }
    for (int i = 0; i < n; i += 3) x[i] = d[i / s.len] * (static_cast<float>(rng() % 16) + 0.5f) - (s.with_min ? m[i / s.len] : 0);
    std::vector<uint8_t> a(n, 0xAA), b(n, 0xAA);
    PortableKernels().round_groups(x.data(), s.groups, s.len, d.data(), s.with_min ? m.data() : nullptr, s.lo, s.hi,
                                   s.bias, a.data());
    Avx2Kernels()->round_groups(x.data(), s.groups, s.len, d.data(), s.with_min ? m.data() : nullptr, s.lo, s.hi,
                                s.bias, b.data());
    ASSERT_EQ(a, b) << "trial " << trial;
  }
}

TEST(QuantSimd, LegacyRoundingAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(2);
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<float> x = NastyValues(rng, 32, 10);
    TruncParams p;
    p.has_sub = rng() & 1;
    p.sub = rng() % 4 == 0 ? Nasty(rng) : x[rng() % 32];
    p.id = rng() % 4 == 0 ? Nasty(rng) : std::ldexp(1.f + static_cast<float>(rng() % 4) / 4, static_cast<int>(rng() % 8) - 2);
    const float adds[] = {0.5f, 8.5f, 16.5f};
    p.add = adds[rng() % 3];
    p.fused = rng() & 1;
    p.clamp = rng() & 1;
    p.hi = rng() & 1 ? 15 : 31;
    std::vector<uint8_t> a(32), b(32);
    PortableKernels().trunc32(x.data(), p, a.data());
    Avx2Kernels()->trunc32(x.data(), p, b.data());
    ASSERT_EQ(a, b) << "trunc32, trial " << trial;
    PortableKernels().round_q8(x.data(), p.id, a.data());
    Avx2Kernels()->round_q8(x.data(), p.id, b.data());
    ASSERT_EQ(a, b) << "round_q8, trial " << trial;
  }
}

TEST(QuantSimd, LegacyReductionsAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(7);
  const float picks[] = {0.f, -0.f, 1.f, -1.f, 3.402823466e+38f, -3.402823466e+38f,
                         std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                         std::numeric_limits<float>::quiet_NaN()};
  for (int trial = 0; trial < 50000; ++trial) {
    std::vector<float> x = NastyValues(rng, 32, trial % 3 == 0 ? 16 : 4);
    // Few distinct values, so that ties between magnitudes and zeros of both
    // signs come up often.
    if (trial % 2) {
      for (float& v : x) v = picks[rng() % (trial % 4 == 1 ? 4 : 9)];
    } else if (trial % 4 == 2) {
      // Zeros of both signs at the minimum (or maximum): which one the
      // portable loop keeps is the first met.
      const float other = trial % 8 == 2 ? 1.f : -1.f;
      for (float& v : x) v = rng() % 3 == 0 ? other : (rng() & 1 ? 0.f : -0.f);
    }
    float a_amax, b_amax, a_min, a_max, b_min, b_max;
    ASSERT_EQ(Bits(PortableKernels().amax32(x.data())), Bits(Avx2Kernels()->amax32(x.data()))) << "trial " << trial;
    const float a = PortableKernels().signed_absmax32(x.data(), &a_amax);
    const float b = Avx2Kernels()->signed_absmax32(x.data(), &b_amax);
    ASSERT_EQ(Bits(a), Bits(b)) << "trial " << trial;
    ASSERT_EQ(Bits(a_amax), Bits(b_amax)) << "trial " << trial;
    PortableKernels().minmax32(x.data(), &a_min, &a_max);
    Avx2Kernels()->minmax32(x.data(), &b_min, &b_max);
    ASSERT_EQ(Bits(a_min), Bits(b_min)) << "trial " << trial;
    ASSERT_EQ(Bits(a_max), Bits(b_max)) << "trial " << trial;
  }
}

// The scale estimates (format 2.5): ranges of 8 groups of 32 and 16 of 16,
// and the 16 peaks, on values with NaN, zeros of both signs and ties between
// magnitudes of either sign, divided by scales that are zero, negative,
// tiny, infinite or NaN.
TEST(QuantSimd, EstimatesAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(11);
  const float picks[] = {0.f, -0.f, 2.f, -2.f, 0.5f, std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  const float scales[] = {0.f, -0.f, 1e-30f, -0.37f, 0.013f, 3.5f, std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN(), 1e-6f, 0.0625f};
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<float> x = NastyValues(rng, 256, trial % 3 == 0 ? 16 : 4);
    if (trial % 2) {
      for (float& v : x) v = picks[rng() % (trial % 4 == 1 ? 5 : 8)];
    }
    const float dn = trial % 5 == 0 ? scales[rng() % 10] : FromBits(rng() % 0x3f800000u);
    const float dmin = trial % 7 == 0 ? scales[rng() % 10] : FromBits(rng() % 0x3f800000u);
    uint8_t a_s[16], a_m[16], b_s[16], b_m[16];
    const int len = trial % 4 < 2 ? 32 : 16, top = len == 32 ? 63 : 15;
    PortableKernels().range_estimates(x.data(), 256 / len, len, dn, dmin, top, a_s, a_m);
    Avx2Kernels()->range_estimates(x.data(), 256 / len, len, dn, dmin, top, b_s, b_m);
    for (int g = 0; g < 256 / len; ++g) {
      ASSERT_EQ(a_s[g], b_s[g]) << "trial " << trial << " group " << g;
      ASSERT_EQ(a_m[g], b_m[g]) << "trial " << trial << " group " << g;
    }
    int8_t a_e[16], b_e[16];
    const int lo = trial % 2 ? -32 : -128, hi = trial % 2 ? 31 : 127;
    PortableKernels().peak_estimates16(x.data(), dn, lo, hi, a_e);
    Avx2Kernels()->peak_estimates16(x.data(), dn, lo, hi, b_e);
    for (int g = 0; g < 16; ++g) ASSERT_EQ(a_e[g], b_e[g]) << "trial " << trial << " group " << g;
  }
}

TEST(QuantSimd, WideningEveryHalfAndBf16AsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::vector<uint8_t> all(2 * 65536 + 6);  // a tail of 3 values past the vectors
  for (uint32_t i = 0; i < 65536 + 3; ++i) {
    all[2 * i] = static_cast<uint8_t>(i * 40503u);
    all[2 * i + 1] = static_cast<uint8_t>((i * 40503u) >> 8);
  }
  const int64_t n = 65536 + 3;
  std::vector<float> a(n), b(n);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 0) {
      PortableKernels().widen_f16(all.data(), n, a.data());
      Avx2Kernels()->widen_f16(all.data(), n, b.data());
    } else {
      PortableKernels().widen_bf16(all.data(), n, a.data());
      Avx2Kernels()->widen_bf16(all.data(), n, b.data());
    }
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(Bits(a[i]), Bits(b[i])) << (pass ? "bf16 " : "f16 ") << i;
  }
}

// The widening from transform 5's BF16 streams (exponents, sign-mantissas:
// ContextSplit's own output) is the widening of the joined values, every
// one of them, by either table.
TEST(QuantSimd, WideningBf16PlanesAsJoined) {
  const int64_t n = 65536 + 3;  // a tail of 3 values past the vectors
  std::vector<uint8_t> all(2 * n), planes(2 * n);
  for (uint32_t i = 0; i < n; ++i) {
    all[2 * i] = static_cast<uint8_t>(i * 40503u);
    all[2 * i + 1] = static_cast<uint8_t>((i * 40503u) >> 8);
  }
  ContextSplit(FindGgmlType(30), all.data(), all.size(), planes.data());
  std::vector<float> want(n), got(n);
  PortableKernels().widen_bf16(all.data(), n, want.data());
  std::vector<const Kernels*> tables = {&PortableKernels()};
  if (Avx2Kernels() != nullptr) tables.push_back(Avx2Kernels());
  for (const Kernels* k : tables) {
    k->widen_bf16_planes(planes.data(), planes.data() + n, n, got.data());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(Bits(want[i]), Bits(got[i])) << k->name << " " << i;
  }
}

TEST(QuantSimd, FloatToHalfAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  // Around every half's rounding point: the float of each upper 19-bit
  // pattern with the low 13 bits at the edges of a tie.
  const uint32_t lows[] = {0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff};
  std::vector<float> x;
  for (uint32_t hi = 0; hi < (1u << 19); ++hi) {
    for (uint32_t lo : lows) x.push_back(FromBits((hi << 13) | lo));
  }
  std::mt19937 rng(3);
  for (int i = 0; i < 100003; ++i) x.push_back(FromBits(rng()));
  std::vector<uint8_t> a(2 * x.size()), b(2 * x.size());
  PortableKernels().to_half(x.data(), static_cast<int64_t>(x.size()), a.data());
  Avx2Kernels()->to_half(x.data(), static_cast<int64_t>(x.size()), b.data());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_TRUE(a[2 * i] == b[2 * i] && a[2 * i + 1] == b[2 * i + 1]) << std::hex << Bits(x[i]);
  }
}

// Eight groups of the searches' inputs: mostly ordinary weights, sometimes
// a group of zeros, a constant group, or nasty values.
struct Groups {
  std::vector<float> x, w;
  void Make(std::mt19937& rng, int n) {
    x = NastyValues(rng, 8 * n, 15);
    w.resize(8 * n);
    for (int g = 0; g < 8; ++g) {
      const int kind = static_cast<int>(rng() % 8);
      for (int i = 0; i < n; ++i) {
        float& v = x[g * n + i];
        if (kind == 0) v = 0;
        if (kind == 1) v = 0.25f;
        if (kind == 2) v = Nasty(rng);
        w[g * n + i] = kind == 3 ? Nasty(rng) : std::fabs(v) + static_cast<float>(rng() % 4) / 4;
      }
    }
  }
};

TEST(QuantSimd, ScaleMinSearchAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(4);
  struct Args {
    int n, nmax;
    float rmin, rdelta;
    int nstep;
    bool mad;
  };
  const Args args[] = {{32, 15, -1.f, 0.1f, 20, false},  {32, 31, -0.5f, 0.1f, 15, false},
                       {16, 3, -0.5f, 0.1f, 15, true},   {16, 3, -0.9f, 0.05f, 36, false},
                       {32, 15, -0.9f, 0.05f, 36, false}, {32, 15, -1.f, 0.1f, 0, false}};
  for (int trial = 0; trial < 600; ++trial) {
    const Args& a = args[trial % 6];
    const int rounding = trial / 6 % 3;
    Groups g;
    g.Make(rng, a.n);
    ScaleMinBatch p, v;
    std::vector<uint8_t> lp(8 * a.n, 0xAA), lv(8 * a.n, 0xAA);
    for (int k = 0; k < 8; ++k) {
      p.x[k] = v.x[k] = g.x.data() + k * a.n;
      p.weights[k] = v.weights[k] = g.w.data() + k * a.n;
      p.L[k] = lp.data() + k * a.n;
      v.L[k] = lv.data() + k * a.n;
    }
    PortableKernels().scale_min8(rounding, a.n, a.nmax, a.rmin, a.rdelta, a.nstep, a.mad, &p);
    Avx2Kernels()->scale_min8(rounding, a.n, a.nmax, a.rmin, a.rdelta, a.nstep, a.mad, &v);
    ASSERT_EQ(lp, lv) << "trial " << trial;
    for (int k = 0; k < 8; ++k) {
      ASSERT_EQ(Bits(p.scale[k]), Bits(v.scale[k])) << "trial " << trial << " group " << k;
      ASSERT_EQ(Bits(p.neg_min[k]), Bits(v.neg_min[k])) << "trial " << trial << " group " << k;
    }
  }
}

TEST(QuantSimd, SymmetricSearchAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(5);
  const int shapes[][2] = {{16, 32}, {16, 4}, {32, 8}, {32, 16}, {16, 32}};
  for (int trial = 0; trial < 900; ++trial) {
    const int n = shapes[trial % 5][0], nmax = shapes[trial % 5][1];
    const int rounding = trial / 5 % 3;
    const bool weighted = trial / 15 % 2;
    Groups g;
    g.Make(rng, n);
    SymmetricBatch p, v;
    std::vector<int8_t> lp(8 * n, 0x55), lv(8 * n, 0x55);
    for (int k = 0; k < 8; ++k) {
      p.x[k] = v.x[k] = g.x.data() + k * n;
      p.weights[k] = v.weights[k] = weighted ? g.w.data() + k * n : nullptr;
      p.L[k] = lp.data() + k * n;
      v.L[k] = lv.data() + k * n;
    }
    PortableKernels().symmetric8(rounding, n, nmax, &p);
    Avx2Kernels()->symmetric8(rounding, n, nmax, &v);
    ASSERT_EQ(lp, lv) << "trial " << trial;
    for (int k = 0; k < 8; ++k) ASSERT_EQ(Bits(p.scale[k]), Bits(v.scale[k])) << "trial " << trial << " group " << k;
  }
}

// The public functions: the portable kernels forced, then the best.
class ForcedPortable {
 public:
  ForcedPortable() { ForcePortableKernels(true); }
  ~ForcedPortable() { ForcePortableKernels(false); }
};

constexpr uint32_t kTypes[] = {2, 3, 6, 7, 8, 10, 11, 12, 13, 14};
constexpr FpRounding kRoundings[] = {FpRounding::kPlain, FpRounding::kFma, FpRounding::kFmaNoAssert};

uint32_t BlockBytes(uint32_t type) {
  switch (type) {
    case 2: return 18;
    case 3: return 20;
    case 6: return 22;
    case 7: return 24;
    case 8: return 34;
    case 10: return 84;
    case 11: return 110;
    case 12: return 144;
    case 13: return 176;
    default: return 210;
  }
}

TEST(QuantSimd, QuantizeAndPredictAsPortable) {
  REQUIRE_VECTOR_KERNELS();
  std::mt19937 rng(6);
  const int64_t n = 512;
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<float> x = NastyValues(rng, n, trial % 2 ? 15 : 12);
    std::vector<float> imp(n);
    for (float& v : imp) v = rng() % 8 == 0 ? 0.f : static_cast<float>(rng() % 1000) / 100;
    for (uint32_t type : kTypes) {
      const size_t bytes = n / (type >= 10 ? 256 : 32) * BlockBytes(type);
      std::vector<uint8_t> random_blocks(bytes);
      for (uint8_t& b : random_blocks) b = static_cast<uint8_t>(rng());
      for (FpRounding r : kRoundings) {
        for (int weighted = 0; weighted < 2; ++weighted) {
          const float* w = weighted ? imp.data() : nullptr;
          std::vector<uint8_t> a(bytes), b(bytes), pa = random_blocks, pb = random_blocks;
          {
            ForcedPortable portable;
            QuantizeRow(type, x.data(), n, w, r, a.data());
            PredictQuantsNoSearch(type, x.data(), n, r, pa.data());
          }
          QuantizeRow(type, x.data(), n, w, r, b.data());
          PredictQuantsNoSearch(type, x.data(), n, r, pb.data());
          ASSERT_EQ(a, b) << "QuantizeRow type " << type << " rounding " << static_cast<int>(r) << " weighted "
                          << weighted << " trial " << trial;
          ASSERT_EQ(pa, pb) << "PredictQuantsNoSearch type " << type << " trial " << trial;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sgz::internal::quant
