// Transform 4's flag ESTIMATE (format 2.5, format-spec "Estimated scales"):
// the K types' scale estimates inverted exactly on any bytes and any values (NaN,
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

constexpr uint32_t kQ2_K = 10, kQ6_K = 14, kQ8_0 = 8;
constexpr uint32_t kKTypes[] = {10, 11, 12, 13, 14};
constexpr uint64_t kBlocks = 16;

std::vector<float> Normal(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = d(rng) * (1.0f + static_cast<float>((i / 256) % 7));
  return v;
}

// Encodes blocks of `type` with ESTIMATE and decodes them back.
std::vector<uint8_t> RoundTrip(uint32_t type, const std::vector<uint8_t>& blocks, const std::vector<float>& v) {
  PredictParams p;
  p.flags = kPredictEstimate;
  std::vector<uint8_t> work = blocks;
  ApplyPrediction(type, p, v.data(), nullptr, kBlocks, PredictDirection::kEncode, work.data());
  std::vector<uint8_t> residual = work;
  ApplyPrediction(type, p, v.data(), nullptr, kBlocks, PredictDirection::kDecode, work.data());
  EXPECT_EQ(work, blocks) << GgmlTypeName(type);
  return residual;
}

// On the quantizer's own blocks the quants all hit, the super-block scales
// (d, dmin: what the estimate reads) are kept, and the scale fields become
// mostly zeros: ggml's search moves a scale only a little from its estimate.
TEST(PredictEstimate, QuantizerBlocksMostlyHit) {
  for (uint32_t type : kKTypes) {
    const GgmlType& t = *FindGgmlType(type);
    const std::vector<float> v = Normal(kBlocks * 256, 7 + type);
    std::vector<uint8_t> blocks(kBlocks * t.block_bytes);
    QuantizeRow(type, v.data(), static_cast<int64_t>(v.size()), nullptr, FpRounding::kPlain, blocks.data());
    const std::vector<uint8_t> residual = RoundTrip(type, blocks, v);
    QuantBytes q;
    ASSERT_TRUE(QuantRange(type, &q));
    uint64_t zero = 0, raw_zero = 0, scale_bytes = 0, kept = 0, supers = 0;
    for (uint64_t b = 0; b < kBlocks; ++b) {
      const uint8_t* r = residual.data() + b * t.block_bytes;
      const uint8_t* o = blocks.data() + b * t.block_bytes;
      for (uint32_t i = 0; i < t.block_bytes; ++i) {
        if (i >= q.begin && i < q.begin + q.size) {
          ASSERT_EQ(r[i], 0) << GgmlTypeName(type) << " block " << b << " byte " << i;
          continue;
        }
        // d (and dmin) sit first in Q4_K/Q5_K, last in the others.
        const bool super = (type == 12 || type == 13) ? i < 4 : i >= t.block_bytes - (type == kQ2_K ? 4 : 2);
        if (super) {
          ++supers;
          kept += r[i] == o[i];
          continue;
        }
        ++scale_bytes;
        zero += r[i] == 0;
        raw_zero += o[i] == 0;
      }
    }
    EXPECT_EQ(kept, supers) << GgmlTypeName(type);
    EXPECT_GT(zero, scale_bytes / 5) << GgmlTypeName(type);
    EXPECT_GT(zero, 2 * raw_zero) << GgmlTypeName(type);
  }
}

TEST(PredictEstimate, AnyBytesAndValuesRoundTrip) {
  std::mt19937 rng(11);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (int trial = 0; trial < 50; ++trial) {
    const uint32_t type = kKTypes[trial % 5];
    const GgmlType& t = *FindGgmlType(type);
    std::vector<uint8_t> blocks(kBlocks * t.block_bytes);
    for (uint8_t& c : blocks) c = static_cast<uint8_t>(rng());
    std::vector<float> v = Normal(kBlocks * 256, trial);
    for (int k = 0; k < 64; ++k) {
      const float special[] = {inf, -inf, nan, 0.0f, -0.0f, 1e30f, -1e-30f, 65504.0f};
      v[rng() % v.size()] = special[rng() % 8];
    }
    // d, dmin: zero, NaN, infinity, subnormal halves in some blocks (at
    // both ends: the other end is scale or quant bytes, random anyway).
    const uint16_t halves[] = {0x0000, 0x8000, 0x7e00, 0x7c00, 0xfc00, 0x0001, 0x7bff};
    for (uint64_t b = 0; b < kBlocks; b += 2) {
      uint8_t* blk = blocks.data() + b * t.block_bytes;
      for (uint32_t at : {0u, 2u, t.block_bytes - 4, t.block_bytes - 2}) {
        const uint16_t h = halves[rng() % 7];
        blk[at] = static_cast<uint8_t>(h);
        blk[at + 1] = static_cast<uint8_t>(h >> 8);
      }
    }
    RoundTrip(type, blocks, v);
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
  Status s = DecodePredictParams(kQ8_0, raw, bytes.size(), &out);
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
