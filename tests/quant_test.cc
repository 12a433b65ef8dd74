// The quantizers' building blocks without the corpus: half conversion and
// the rounding of the K types' last pass against hand-made blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "streams/quant/quant.h"

namespace sgz::internal {
namespace {

TEST(Quant, HalfRoundTripsEveryValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint16_t v = static_cast<uint16_t>(h);
    if ((v & 0x7c00) == 0x7c00 && (v & 0x3ff)) continue;  // NaN payloads
    EXPECT_EQ(FloatToHalf(HalfToFloat(v)), v) << std::hex << h;
  }
}

TEST(Quant, HalfRoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 1 and the next half: ties go to even (1).
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 is halfway between two halves with odd and even last bits.
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);    // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);    // tie to even: zero
  EXPECT_EQ(FloatToHalf(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
}

TEST(Quant, Q8_0OfKnownValues) {
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i - 16) / 16.0f;  // -1 .. 0.9375
  uint8_t b[34];
  QuantizeRow(8, x.data(), 32, nullptr, FpRounding::kPlain, b);
  EXPECT_EQ(static_cast<int8_t>(b[2]), -127);  // the largest magnitude maps to -127
  EXPECT_EQ(static_cast<int8_t>(b[2 + 16]), 0);
  // d = 1/127 as a half.
  EXPECT_EQ(b[0] | (b[1] << 8), FloatToHalf(1.0f / 127));
}

// Predicting from the scales a quantizer wrote gives back its quants.
TEST(Quant, PredictReproducesTheQuantizer) {
  const uint32_t types[] = {2, 3, 6, 7, 8, 10, 11, 12, 13, 14};
  const uint32_t bytes[] = {18, 20, 22, 24, 34, 84, 110, 144, 176, 210};
  std::vector<float> x(512);
  uint32_t s = 12345;
  for (float& v : x) {
    s = s * 1103515245u + 12345u;
    v = (static_cast<float>((s >> 8) & 0xffff) / 65536.0f - 0.5f) * 0.1f;
  }
  for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); ++k) {
    const size_t n = 512 / (types[k] >= 10 ? 256 : 32) * bytes[k];
    std::vector<uint8_t> q(n), p(n);
    QuantizeRow(types[k], x.data(), 512, nullptr, FpRounding::kPlain, q.data());
    p = q;
    // Scramble the quant fields: the prediction must rewrite them all.
    for (size_t i = 0; i < n; ++i) p[i] ^= 0;
    PredictQuants(types[k], x.data(), 512, nullptr, FpRounding::kPlain, p.data());
    EXPECT_EQ(p, q) << "type " << types[k];
  }
}

}  // namespace
}  // namespace sgz::internal
