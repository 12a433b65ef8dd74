// The quantizers' building blocks without the corpus: half conversion and
// the rounding of the K types' last pass against hand-made blocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
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
  struct Case {
    uint32_t type;
    uint32_t weights, bytes;
    std::vector<std::pair<int, int>> scale_fields;  // (offset, length) in a block
  };
  const Case cases[] = {
      {2, 32, 18, {{0, 2}}},      {3, 32, 20, {{0, 4}}},      {6, 32, 22, {{0, 2}}},
      {7, 32, 24, {{0, 4}}},      {8, 32, 34, {{0, 2}}},      {10, 256, 84, {{0, 16}, {80, 4}}},
      {11, 256, 110, {{96, 14}}}, {12, 256, 144, {{0, 16}}},  {13, 256, 176, {{0, 16}}},
      {14, 256, 210, {{192, 18}}},
  };
  std::vector<float> x(512);
  uint32_t s = 12345;
  for (float& v : x) {
    s = s * 1103515245u + 12345u;
    v = (static_cast<float>((s >> 8) & 0xffff) / 65536.0f - 0.5f) * 0.1f;
  }
  for (const Case& c : cases) {
    const size_t blocks = 512 / c.weights;
    std::vector<uint8_t> q(blocks * c.bytes);
    QuantizeRow(c.type, x.data(), 512, nullptr, FpRounding::kPlain, q.data());
    // Every byte but the scale fields flipped: the prediction rewrites them.
    std::vector<uint8_t> p(q.size());
    for (size_t i = 0; i < q.size(); ++i) p[i] = static_cast<uint8_t>(~q[i]);
    for (size_t b = 0; b < blocks; ++b) {
      for (auto [off, len] : c.scale_fields) std::memcpy(&p[b * c.bytes + off], &q[b * c.bytes + off], len);
    }
    PredictQuants(c.type, x.data(), 512, nullptr, FpRounding::kPlain, p.data());
    EXPECT_EQ(p, q) << "type " << c.type;
  }
}

// The decoder's prediction never searches: a Q4_K sub-block whose stored
// scale is zero is predicted as quants 0, where PredictQuants re-runs the
// search; every other sub-block is predicted alike.
TEST(Quant, NoSearchPredictsZeroScaleSubBlocksAsZero) {
  std::vector<float> x(256);
  uint32_t s = 4242;
  for (float& v : x) {
    s = s * 1103515245u + 12345u;
    v = (static_cast<float>((s >> 8) & 0xffff) / 65536.0f - 0.5f) * 0.1f;
  }
  std::vector<uint8_t> q(144);
  QuantizeRow(12, x.data(), 256, nullptr, FpRounding::kPlain, q.data());
  q[4] &= 0xc0;  // scales[0]: the 6-bit scale of sub-block 0 (its quants: low nibbles of qs[0..31])
  std::vector<uint8_t> searched = q, plain = q;
  PredictQuants(12, x.data(), 256, nullptr, FpRounding::kPlain, searched.data());
  PredictQuantsNoSearch(12, x.data(), 256, FpRounding::kPlain, plain.data());
  bool searched_nonzero = false;
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(plain[16 + i] & 0x0f, 0) << i;
    searched_nonzero = searched_nonzero || (searched[16 + i] & 0x0f) != 0;
    EXPECT_EQ(plain[16 + i] >> 4, searched[16 + i] >> 4) << i;
  }
  EXPECT_TRUE(searched_nonzero);
  EXPECT_TRUE(std::equal(plain.begin() + 48, plain.end(), searched.begin() + 48));
}

// With importance weights and the fused roundings too (no corpus file has
// the weighted Q4_0..Q5_1/Q2_K/Q3_K/Q5_K searches: their quants must at least
// be what their scales give, and the weights must change the search).
TEST(Quant, WeightedSearchesAgreeWithTheirScales) {
  const uint32_t types[] = {2, 3, 6, 7, 10, 11, 12, 13, 14};
  const uint32_t bytes[] = {18, 20, 22, 24, 84, 110, 144, 176, 210};
  std::vector<float> x(512), importance(512);
  uint32_t s = 777;
  for (size_t i = 0; i < x.size(); ++i) {
    s = s * 1103515245u + 12345u;
    x[i] = (static_cast<float>((s >> 8) & 0xffff) / 65536.0f - 0.5f) * 0.2f;
    importance[i] = 0.01f + static_cast<float>((s >> 4) % 1000) / 100.0f;  // 0.01 .. 10
  }
  for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); ++k) {
    const size_t n = 512 / (types[k] >= 10 ? 256 : 32) * bytes[k];
    for (FpRounding r : {FpRounding::kPlain, FpRounding::kFma, FpRounding::kFmaNoAssert}) {
      std::vector<uint8_t> weighted(n), plain(n);
      QuantizeRow(types[k], x.data(), 512, importance.data(), r, weighted.data());
      QuantizeRow(types[k], x.data(), 512, nullptr, r, plain.data());
      EXPECT_NE(weighted, plain) << "type " << types[k] << ": the importance changed nothing";
      std::vector<uint8_t> p = weighted;
      PredictQuants(types[k], x.data(), 512, importance.data(), r, p.data());
      EXPECT_EQ(p, weighted) << "type " << types[k] << " rounding " << static_cast<int>(r);
    }
  }
}

// Damaged or hostile input (NaN, infinities, huge values, any scale bytes):
// no undefined behaviour (the sanitizer builds run this) and the same bytes
// on every call, since a decoder must re-make the encoder's prediction.
TEST(Quant, HostileValuesGiveDeterministicBytes) {
  const uint32_t types[] = {2, 3, 6, 7, 8, 10, 11, 12, 13, 14};
  const uint32_t bytes[] = {18, 20, 22, 24, 34, 84, 110, 144, 176, 210};
  std::vector<float> x(512);
  const float specials[] = {std::nanf(""), INFINITY, -INFINITY, 3e38f, -3e38f, 1e-45f, 0.0f, -0.0f, 65504.0f, 1e30f};
  uint32_t s = 99;
  for (size_t i = 0; i < x.size(); ++i) {
    s = s * 1103515245u + 12345u;
    x[i] = (s >> 28) < 4 ? specials[(s >> 8) % 10] : static_cast<float>(static_cast<int32_t>(s)) * 1e-9f;
  }
  for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); ++k) {
    const size_t n = 512 / (types[k] >= 10 ? 256 : 32) * bytes[k];
    std::vector<uint8_t> junk(n);
    for (uint8_t& b : junk) {
      s = s * 1103515245u + 12345u;
      b = static_cast<uint8_t>(s >> 24);
    }
    for (FpRounding r : {FpRounding::kPlain, FpRounding::kFma, FpRounding::kFmaNoAssert}) {
      std::vector<uint8_t> q1(n), q2(n);
      QuantizeRow(types[k], x.data(), 512, nullptr, r, q1.data());
      QuantizeRow(types[k], x.data(), 512, nullptr, r, q2.data());
      EXPECT_EQ(q1, q2) << "type " << types[k];
      std::vector<uint8_t> p1 = junk, p2 = junk;
      PredictQuants(types[k], x.data(), 512, x.data(), r, p1.data());
      PredictQuants(types[k], x.data(), 512, x.data(), r, p2.data());
      EXPECT_EQ(p1, p2) << "type " << types[k];
    }
  }
}

}  // namespace
}  // namespace sgz::internal
