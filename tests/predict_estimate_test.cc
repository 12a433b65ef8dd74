// Transform 4's flag ESTIMATE (format 2.5, format-spec "Estimated scales"):
// the Q6_K scale estimate inverted exactly on any bytes and any values (NaN,
// infinities, zero d), close to the quantizer's scales on real-looking data,
// its parameter rules, and the manifest section ESTM that announces it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "container/format.h"
#include "container/predict_block.h"
#include "container/predict_chunk.h"
#include "container/predict_estimate.h"
#include "streams/ggml_types.h"

namespace sgz::internal {
namespace {

constexpr uint32_t kQ6_K = 14, kQ4_K = 12;
constexpr uint64_t kBlocks = 16;

std::vector<float> Normal(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = d(rng) * (1.0f + static_cast<float>((i / 256) % 7));
  return v;
}

// Encodes blocks with ESTIMATE, checks the quants all hit where the blocks
// are the quantizer's, and decodes back.
std::vector<uint8_t> RoundTrip(const std::vector<uint8_t>& blocks, const std::vector<float>& v) {
  PredictParams p;
  p.flags = kPredictEstimate;
  std::vector<uint8_t> work = blocks;
  ApplyPrediction(kQ6_K, p, v.data(), nullptr, kBlocks, PredictDirection::kEncode, work.data());
  std::vector<uint8_t> residual = work;
  ApplyPrediction(kQ6_K, p, v.data(), nullptr, kBlocks, PredictDirection::kDecode, work.data());
  EXPECT_EQ(work, blocks);
  return residual;
}

TEST(PredictEstimate, QuantizerBlocksMostlyHit) {
  const std::vector<float> v = Normal(kBlocks * 256, 7);
  std::vector<uint8_t> blocks(kBlocks * 210);
  QuantizeRow(kQ6_K, v.data(), static_cast<int64_t>(v.size()), nullptr, FpRounding::kPlain, blocks.data());
  const std::vector<uint8_t> residual = RoundTrip(blocks, v);
  uint64_t scales_zero = 0, raw_zero = 0, near = 0;
  for (uint64_t b = 0; b < kBlocks; ++b) {
    for (int j = 0; j < 16; ++j) {
      const uint8_t r = residual[b * 210 + 192 + j];
      scales_zero += r == 0;
      near += r <= 4 || r >= 252;
      raw_zero += blocks[b * 210 + 192 + j] == 0;
    }
    // Quants rounded with the actual scales: all hit; d untouched.
    for (int i = 0; i < 192; ++i) ASSERT_EQ(residual[b * 210 + i], 0) << b << " " << i;
    EXPECT_EQ(residual[b * 210 + 208], blocks[b * 210 + 208]);
    EXPECT_EQ(residual[b * 210 + 209], blocks[b * 210 + 209]);
  }
  // ggml's search moves a scale by at most about 3% from the estimate.
  EXPECT_GT(scales_zero, kBlocks * 16 / 4);
  EXPECT_EQ(near, kBlocks * 16);
  EXPECT_LT(raw_zero, scales_zero);
}

TEST(PredictEstimate, AnyBytesAndValuesRoundTrip) {
  std::mt19937 rng(11);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<uint8_t> blocks(kBlocks * 210);
    for (uint8_t& c : blocks) c = static_cast<uint8_t>(rng());
    std::vector<float> v = Normal(kBlocks * 256, trial);
    for (int k = 0; k < 64; ++k) {
      const float special[] = {inf, -inf, nan, 0.0f, -0.0f, 1e30f, -1e-30f, 65504.0f};
      v[rng() % v.size()] = special[rng() % 8];
    }
    // d: zero, NaN, infinity, subnormal halves in some blocks.
    const uint16_t halves[] = {0x0000, 0x8000, 0x7e00, 0x7c00, 0xfc00, 0x0001, 0x7bff};
    for (uint64_t b = 0; b < kBlocks; b += 2) {
      const uint16_t h = halves[rng() % 7];
      blocks[b * 210 + 208] = static_cast<uint8_t>(h);
      blocks[b * 210 + 209] = static_cast<uint8_t>(h >> 8);
    }
    RoundTrip(blocks, v);
  }
}

TEST(PredictEstimate, ParameterRules) {
  PredictParams p;
  p.parent_type = 30;
  p.flags = kPredictEstimate;
  std::string bytes;
  EncodePredictParams(p, &bytes);
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(bytes.data());
  PredictParams out;
  ASSERT_TRUE(DecodePredictParams(kQ6_K, raw, bytes.size(), &out).ok());
  EXPECT_TRUE(out.estimate());
  Status s = DecodePredictParams(kQ4_K, raw, bytes.size(), &out);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt);
  EXPECT_NE(s.message().find("ESTIMATE"), std::string::npos) << s.message();
  bytes[3] = static_cast<char>(kPredictEstimate | kPredictScales);
  s = DecodePredictParams(kQ6_K, raw, bytes.size(), &out);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt);
  EXPECT_NE(s.message().find("ESTIMATE"), std::string::npos) << s.message();
  bytes[3] = 8;  // bit 3: still unknown
  EXPECT_FALSE(DecodePredictParams(kQ6_K, raw, bytes.size(), &out).ok());
}

// A manifest of two files with and without ESTM, plain and compressed.
Manifest TwoFiles(bool estimate) {
  Manifest m;
  for (int i = 0; i < 2; ++i) {
    FileEntry f;
    f.name = "m" + std::to_string(i);
    m.files.push_back(f);
  }
  m.estimated_scales = estimate;
  return m;
}

TEST(PredictEstimate, SectionEstmRoundTripsAndIsChecked) {
  const FormatVersion v{2, 5};
  for (bool compressed : {false, true}) {
    for (bool estimate : {false, true}) {
      std::string frame;
      const Manifest m = TwoFiles(estimate);
      if (!compressed || !m.EncodeCompressedTo(19, &frame)) m.EncodeTo(&frame);
      auto back = Manifest::DecodeFrom(reinterpret_cast<const uint8_t*>(frame.data()), frame.size(), 16, v);
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(back.value().estimated_scales, estimate);
    }
  }
  // The plain frame with ESTM last: a size other than 0, and a second ESTM.
  std::string frame;
  TwoFiles(true).EncodeTo(&frame);
  const size_t at = frame.size() - kSectionHeaderLength;
  ASSERT_EQ(frame.substr(at, 4), "ESTM");
  std::string twice = frame + frame.substr(at);
  const uint64_t body = twice.size() - kManifestFrameHeader;
  std::memcpy(&twice[8], &body, 8);
  auto r = Manifest::DecodeFrom(reinterpret_cast<const uint8_t*>(twice.data()), twice.size(), 16, v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("twice"), std::string::npos) << r.status().message();
  std::string sized = frame + "x";
  sized[at + 8] = 1;
  const uint64_t body2 = sized.size() - kManifestFrameHeader;
  std::memcpy(&sized[8], &body2, 8);
  r = Manifest::DecodeFrom(reinterpret_cast<const uint8_t*>(sized.data()), sized.size(), 16, v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not 0"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace sgz::internal
