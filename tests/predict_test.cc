// Transform 4's parameter layout 1 (format-spec "Transform 4: predict"):
// every rule of the parameter stream refused with a named error, and the
// per-block rule (SCALES, IMPORTANCE) inverted exactly by the decoder,
// hits and misses alike, without the corpus (tests/cli_predict_test.sh has
// the zoo, by random access and through a pipe).
#include <gtest/gtest.h>

#include <cstring>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "container/format.h"
#include "container/predict_block.h"
#include "container/predict_chunk.h"
#include "container/predict_choice.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

constexpr uint32_t kQ4_0 = 2, kQ8_0 = 8, kQ2_K = 10, kQ4_K = 12, kQ6_K = 14, kF16 = 1;

PredictParams Importance(uint32_t row_length, uint32_t first_column) {
  PredictParams p;
  p.parent_type = 30;
  p.flags = kPredictScales | kPredictImportance;
  p.parent_chunk = 3;
  p.parent_offset = 64;
  p.importance_chunk = 2;
  p.importance_offset = 8;
  float counts = 4.0f;
  std::memcpy(&p.counts_bits, &counts, 4);
  p.row_length = row_length;
  p.first_column = first_column;
  return p;
}

std::string Encoded(const PredictParams& p) {
  std::string s;
  EncodePredictParams(p, &s);
  return s;
}

// The message of decoding `bytes` as the parameters of a chunk of `type`
// ("" when accepted).
std::string Refusal(uint32_t type, const std::string& bytes) {
  PredictParams out;
  Status s = DecodePredictParams(type, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &out);
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), Status::Code::kCorrupt) << s.message();
  return s.message();
}

TEST(PredictParams, LayoutRoundTrips) {
  PredictParams p = Importance(512, 256);
  const std::string bytes = Encoded(p);
  ASSERT_EQ(bytes.size(), kPredictParamBytesImportance);
  PredictParams q;
  ASSERT_TRUE(DecodePredictParams(kQ4_K, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &q).ok());
  EXPECT_EQ(q.flags, p.flags);
  EXPECT_EQ(q.importance_chunk, 2u);
  EXPECT_EQ(q.importance_offset, 8u);
  EXPECT_EQ(q.counts_bits, p.counts_bits);
  EXPECT_EQ(q.row_length, 512u);
  EXPECT_EQ(q.first_column, 256u);
  PredictParams scales;
  scales.flags = kPredictScales;
  EXPECT_EQ(Encoded(scales).size(), kPredictParamBytes);
  EXPECT_EQ(Refusal(kQ8_0, Encoded(scales)), "");
}

TEST(PredictParams, EveryRuleRefusedByName) {
  const std::string good = Encoded(Importance(512, 256));
  ASSERT_EQ(Refusal(kQ4_K, good), "");
  auto with = [&](size_t at, uint8_t v) {
    std::string s = good;
    s[at] = static_cast<char>(v);
    return s;
  };
  auto with32 = [&](size_t at, uint32_t v) {
    std::string s = good;
    std::string le;
    PutU32(&le, v);
    s.replace(at, 4, le);
    return s;
  };
  EXPECT_NE(Refusal(kQ4_K, with(0, 2)).find("version 2"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with(1, 3)).find("rounding 3 unknown"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with(2, 8)).find("parent type 8 is no float type"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with(3, 8)).find("flags 8: unknown bits set"), std::string::npos);
  // IMPORTANCE without SCALES, and on a type that is no K type.
  EXPECT_NE(Refusal(kQ4_K, with(3, kPredictImportance)).find("IMPORTANCE without SCALES"), std::string::npos);
  EXPECT_NE(Refusal(kQ8_0, good).find("on type Q8_0"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_0, good).find("on type Q4_0"), std::string::npos);
  // Neither flag on F16.
  std::string f16 = Encoded(PredictParams());
  EXPECT_EQ(Refusal(kF16, f16), "");
  f16[3] = kPredictScales;
  EXPECT_NE(Refusal(kF16, f16).find("F16 predicts no scales"), std::string::npos);
  // The size says IMPORTANCE or not, as the flags do.
  EXPECT_NE(Refusal(kQ4_K, good.substr(0, 12)).find("12 bytes, flags 3 need 32"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with(3, kPredictScales)).find("32 bytes, flags 1 need 12"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, good.substr(0, 20)).find("parameters of 20 bytes"), std::string::npos);
  // Row length: positive, whole blocks; first column: a block's, in the row.
  EXPECT_NE(Refusal(kQ4_K, with32(24, 0)).find("row length 0"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with32(24, 300)).find("row length 300"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with32(28, 512)).find("first column 512"), std::string::npos);
  EXPECT_NE(Refusal(kQ4_K, with32(28, 100)).find("first column 100"), std::string::npos);
}

TEST(PredictParams, ImportanceRowInsideItsChunk) {
  PredictParams p = Importance(256, 0);
  std::vector<uint8_t> chunk(8 + 256 * 4);
  for (int i = 0; i < 256; ++i) {
    const float v = 8.0f * static_cast<float>(i);
    std::memcpy(chunk.data() + 8 + 4 * i, &v, 4);
  }
  std::vector<float> row;
  ASSERT_TRUE(ImportanceRow(p, chunk, &row).ok());
  ASSERT_EQ(row.size(), 256u);
  EXPECT_EQ(row[3], 6.0f);  // 24 / counts 4
  // counts 0: every importance 1, as llama.cpp's quantize tool has it.
  p.counts_bits = 0;
  ASSERT_TRUE(ImportanceRow(p, chunk, &row).ok());
  EXPECT_EQ(row[3], 1.0f);
  p.importance_offset = 12;
  Status s = ImportanceRow(p, chunk, &row);
  EXPECT_NE(s.message().find("importance needs 1024 bytes at offset 12, importance chunk 2 has 1032"),
            std::string::npos)
      << s.message();
}

// Values of a few rows, varied per block so that scales differ.
std::vector<float> Values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = d(rng) * (1.0f + static_cast<float>((i / 256) % 5));
  return v;
}

std::vector<float> ImportanceOf(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(0.01f, 4.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Quantizes `values` as a quantizer would (with `importance` by column from
// params' first column), then damages some blocks' scales and some quants
// (the misses a real file has), encodes, decodes and compares.
void CheckRoundTrip(uint32_t type, const PredictParams& p, const float* importance, bool expect_all_hit) {
  const GgmlType& t = *FindGgmlType(type);
  const uint64_t n_blocks = 12;
  const std::vector<float> v = Values(n_blocks * t.block_weights, type);
  std::vector<uint8_t> blocks(n_blocks * t.block_bytes);
  for (uint64_t b = 0; b < n_blocks; ++b) {
    const float* imp = p.importance() ? importance + (p.first_column + b * t.block_weights) % p.row_length : nullptr;
    QuantizeRow(type, v.data() + b * t.block_weights, t.block_weights, imp, p.rounding,
                blocks.data() + b * t.block_bytes);
  }
  QuantBytes q;
  ASSERT_TRUE(QuantRange(type, &q));
  if (!expect_all_hit) {
    // Block 2: one scale byte changed; block 5: one quant byte.
    const uint32_t scale_at = q.begin > 0 ? 0 : q.begin + q.size;
    blocks[2 * t.block_bytes + scale_at] ^= 0x11;
    blocks[5 * t.block_bytes + q.begin + 3] ^= 0x01;
  }
  std::vector<uint8_t> work = blocks;
  PredictTally tally;
  ApplyPrediction(type, p, v.data(), importance, n_blocks, PredictDirection::kEncode, work.data(), &tally);
  EXPECT_EQ(tally.blocks, n_blocks);
  if (p.scales()) {
    EXPECT_EQ(tally.scales_hit, expect_all_hit ? n_blocks : n_blocks - 1) << GgmlTypeName(type);
    // Block 2's quants come from its damaged scales: they may still match.
    EXPECT_LE(tally.quants_hit, expect_all_hit ? n_blocks : n_blocks - 1) << GgmlTypeName(type);
    EXPECT_GE(tally.quants_hit, expect_all_hit ? n_blocks : n_blocks - 2) << GgmlTypeName(type);
  }
  if (expect_all_hit) {
    for (uint8_t c : work) ASSERT_EQ(c, 0) << GgmlTypeName(type);
  }
  ApplyPrediction(type, p, v.data(), importance, n_blocks, PredictDirection::kDecode, work.data());
  EXPECT_EQ(work, blocks) << GgmlTypeName(type) << " flags " << int{p.flags};
}

TEST(PredictBlocks, ScalesDecodeTheirEncoding) {
  for (uint32_t type : {kQ4_0, 3u, 6u, 7u, kQ8_0, kQ2_K, 11u, kQ4_K, 13u, kQ6_K}) {
    for (FpRounding r : {FpRounding::kPlain, FpRounding::kFma, FpRounding::kFmaNoAssert}) {
      PredictParams p;
      p.flags = kPredictScales;
      p.rounding = r;
      CheckRoundTrip(type, p, nullptr, /*expect_all_hit=*/true);
      CheckRoundTrip(type, p, nullptr, /*expect_all_hit=*/false);
      p.flags = 0;
      CheckRoundTrip(type, p, nullptr, /*expect_all_hit=*/false);
    }
  }
}

TEST(PredictBlocks, ImportanceByColumn) {
  // Rows of 3 blocks starting at the second block's column: the columns
  // wrap twice within the 12 blocks; a wrong column misses the scales.
  for (uint32_t type : {kQ2_K, 11u, kQ4_K, 13u, kQ6_K}) {
    const GgmlType& t = *FindGgmlType(type);
    const uint32_t row = 3 * t.block_weights;
    const std::vector<float> imp = ImportanceOf(row, type);
    PredictParams p = Importance(row, t.block_weights);
    CheckRoundTrip(type, p, imp.data(), /*expect_all_hit=*/true);
    CheckRoundTrip(type, p, imp.data(), /*expect_all_hit=*/false);
  }
}

TEST(PredictChunk, ImportanceChunkDecodedFromItsBytes) {
  const uint32_t type = kQ4_K;
  const GgmlType& t = *FindGgmlType(type);
  const uint64_t n_blocks = 6;
  const std::vector<float> v = Values(n_blocks * t.block_weights, 7);
  // The parent chunk: the values as F32 after 16 bytes of something else.
  std::vector<uint8_t> parent(16 + v.size() * 4);
  std::memcpy(parent.data() + 16, v.data(), v.size() * 4);
  const uint32_t row = 2 * t.block_weights;
  const std::vector<float> sums = ImportanceOf(row, 3);
  std::vector<uint8_t> imp_chunk(8 + row * 4);
  std::memcpy(imp_chunk.data() + 8, sums.data(), row * 4);
  PredictParams p = Importance(row, 0);
  p.parent_type = 0;
  p.parent_offset = 16;
  std::vector<float> imp;
  ASSERT_TRUE(ImportanceRow(p, imp_chunk, &imp).ok());
  std::vector<uint8_t> blocks(n_blocks * t.block_bytes);
  for (uint64_t b = 0; b < n_blocks; ++b) {
    QuantizeRow(type, v.data() + b * t.block_weights, t.block_weights, imp.data() + (b % 2) * t.block_weights,
                p.rounding, blocks.data() + b * t.block_bytes);
  }
  EncodedChunk chunk;
  PredictTally tally;
  EncodePredictChunk(blocks.data(), blocks.size(), type, p, v.data(), imp.data(), Coding{3}, &chunk, &tally);
  EXPECT_EQ(tally.scales_hit, n_blocks);
  // Through the header's own decoding (a 32-byte stream 0), then the payload.
  ChunkHeader h;
  size_t needed = 0;
  ASSERT_TRUE(ChunkHeader::DecodeFrom(reinterpret_cast<const uint8_t*>(chunk.head.data()), chunk.head.size(),
                                      FormatVersion{2, 3}, &h, &needed)
                  .ok());
  ASSERT_EQ(h.streams[0].raw_size, kPredictParamBytesImportance);
  PredictSources sources;
  ASSERT_TRUE(PredictSourcesOf(h, reinterpret_cast<const uint8_t*>(chunk.payload.data()), chunk.payload.size(),
                               &sources)
                  .ok());
  EXPECT_EQ(sources.count, 2);
  EXPECT_EQ(sources.chunks[0], 3u);
  EXPECT_EQ(sources.chunks[1], 2u);
  const uint8_t* payload = reinterpret_cast<const uint8_t*>(chunk.payload.data());
  std::vector<uint8_t> out;
  ASSERT_TRUE(DecodeChunkPayload(h, payload, chunk.payload.size(), &out, &parent, &imp_chunk).ok());
  EXPECT_EQ(out, blocks);
  // Without its importance chunk, or with one too short: named errors.
  Status s = DecodeChunkPayload(h, payload, chunk.payload.size(), &out, &parent, nullptr);
  EXPECT_NE(s.message().find("decoded without its importance chunk"), std::string::npos) << s.message();
  std::vector<uint8_t> short_chunk(imp_chunk.begin(), imp_chunk.end() - 4);
  s = DecodeChunkPayload(h, payload, chunk.payload.size(), &out, &parent, &short_chunk);
  EXPECT_NE(s.message().find("importance needs"), std::string::npos) << s.message();
  // Other importance values: other scales, caught by the checksum.
  std::vector<uint8_t> other = imp_chunk;
  for (uint32_t c = 0; c < row; c += 2) {
    const float w = c % 3 == 0 ? 1000.0f : 0.001f;
    std::memcpy(other.data() + 8 + 4 * c, &w, 4);
  }
  s = DecodeChunkPayload(h, payload, chunk.payload.size(), &out, &parent, &other);
  EXPECT_EQ(s.code(), Status::Code::kChecksumMismatch) << s.message();
}

// A parent decoded only for its children is handed over as its streams
// (transform 1's two byte planes, or transform 5's BF16 exponents and
// sign-mantissas, not joined: DecodeMode): the prediction from them is the
// prediction from the joined bytes, at an even offset (the fast path, over
// several slices), an odd one and up to an odd chunk's last byte.
TEST(PredictChunk, ParentAsPlanesPredictsAsJoined) {
 for (Transform parent_transform : {Transform::kSplit, Transform::kContextSplit}) {
  const uint32_t type = kQ8_0, kBf16 = 30;
  const GgmlType& t = *FindGgmlType(type);
  const GgmlType& bf16 = *FindGgmlType(kBf16);
  const uint64_t n_blocks = 700;  // 22,400 weights: three slices
  const std::vector<float> raw = Values(n_blocks * t.block_weights, 11);
  for (uint32_t offset : {6u, 7u}) {
    // The parent: `offset` bytes of something else, the values as BF16, and
    // after an even offset one byte more: an odd size either way, so that the
    // chunk has a last byte outside its planes, which the odd offset's
    // values end with.
    std::vector<uint8_t> parent(offset + raw.size() * 2 + (offset % 2 == 0 ? 1 : 0));
    for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<uint8_t>(i * 7 + 3);
    std::vector<float> v(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      uint32_t bits;
      std::memcpy(&bits, &raw[i], 4);
      // Mantissas of three bits, or none where the exponent is odd: transform
      // 5 codes the sign-mantissas with contexts from the exponents (rans,
      // whose contexts are decoded first) rather than storing them.
      uint16_t b = static_cast<uint16_t>(bits >> 16);
      b = static_cast<uint16_t>(b & ((b >> 7 & 1) ? 0xFF80 : 0xFFF0));
      parent[offset + 2 * i] = static_cast<uint8_t>(b);
      parent[offset + 2 * i + 1] = static_cast<uint8_t>(b >> 8);
      v[i] = Bf16ToFloat(b);
    }
    std::vector<uint8_t> planes(parent.size());
    SplitStreams(parent_transform, &bf16, parent.data(), parent.size(), planes.data());
    ASSERT_NE(planes, parent);
    PredictParams p;
    p.parent_type = kBf16;
    p.parent_offset = offset;
    std::vector<uint8_t> blocks(n_blocks * t.block_bytes);
    QuantizeRow(type, v.data(), static_cast<int64_t>(v.size()), nullptr, p.rounding, blocks.data());
    EncodedChunk chunk;
    EncodePredictChunk(blocks.data(), blocks.size(), type, p, v.data(), nullptr, Coding{1}, &chunk);
    ChunkHeader h;
    size_t needed = 0;
    ASSERT_TRUE(ChunkHeader::DecodeFrom(reinterpret_cast<const uint8_t*>(chunk.head.data()), chunk.head.size(),
                                        FormatVersion{2, 3}, &h, &needed)
                    .ok());
    const uint8_t* payload = reinterpret_cast<const uint8_t*>(chunk.payload.data());
    DecodeMode mode;
    mode.reference_planes = parent_transform;
    std::vector<uint8_t> joined_out, planes_out;
    ASSERT_TRUE(DecodeChunkPayload(h, payload, chunk.payload.size(), &joined_out, &parent).ok()) << offset;
    EXPECT_EQ(joined_out, blocks) << offset;
    Status s = DecodeChunkPayload(h, payload, chunk.payload.size(), &planes_out, &planes, nullptr, mode);
    ASSERT_TRUE(s.ok()) << offset << ": " << s.message();
    EXPECT_EQ(planes_out, blocks) << offset;
    // The parent decoded as planes is SplitStreams' output, unchecked.
    EncodedChunk parent_chunk;
    const bool ctx = parent_transform == Transform::kContextSplit;
    EncodeChunkAs(parent.data(), parent.size(), parent_transform, kBf16, Coding{ctx ? 19 : 1, ctx}, &parent_chunk);
    ChunkHeader ph;
    ASSERT_TRUE(ChunkHeader::DecodeFrom(reinterpret_cast<const uint8_t*>(parent_chunk.head.data()),
                                        parent_chunk.head.size(), FormatVersion{2, 5}, &ph, &needed)
                    .ok());
    ASSERT_EQ(ph.transform, parent_transform);
    DecodeMode as_planes;
    as_planes.verify = false;
    as_planes.planes = true;
    std::vector<uint8_t> decoded;
    ASSERT_TRUE(DecodeChunkPayload(ph, reinterpret_cast<const uint8_t*>(parent_chunk.payload.data()),
                                   parent_chunk.payload.size(), &decoded, nullptr, nullptr, as_planes)
                    .ok());
    EXPECT_EQ(decoded, planes) << offset << " transform " << static_cast<int>(parent_transform);
  }
 }
}

}  // namespace
}  // namespace sgz::internal

namespace sgz::internal {
namespace {

// The writer's choice on hand-made chunks: the rounding, the importance and
// the fallback it measures.
struct Chosen {
  Transform transform;
  uint8_t rounding = 0, flags = 0;
  PredictTally tally;
};

Chosen Choose(uint32_t type, const std::vector<uint8_t>& blocks, const std::vector<float>& v, PredictPreset preset,
              const std::vector<ImportanceOption>& importance, uint32_t row_length) {
  PredictChoiceInput in;
  in.type = type;
  in.base.parent_type = 0;
  in.base.row_length = row_length;
  in.values = v.data();
  in.preset = preset;
  in.importance = importance;
  EncodedChunk out;
  Chosen c;
  EncodePredictedChoice(blocks.data(), blocks.size(), in, Coding{1}, &out, &c.tally);
  c.transform = out.header.transform;
  if (c.transform == Transform::kPredict) {
    c.rounding = static_cast<uint8_t>(out.payload[1]);
    c.flags = static_cast<uint8_t>(out.payload[3]);
  }
  return c;
}

std::vector<uint8_t> Quantized(uint32_t type, const std::vector<float>& v, const float* imp, uint32_t row,
                               FpRounding r) {
  const GgmlType& t = *FindGgmlType(type);
  const uint64_t n = v.size() / t.block_weights;
  std::vector<uint8_t> blocks(n * t.block_bytes);
  for (uint64_t b = 0; b < n; ++b) {
    QuantizeRow(type, v.data() + b * t.block_weights, t.block_weights,
                imp != nullptr ? imp + (b * t.block_weights) % row : nullptr, r, blocks.data() + b * t.block_bytes);
  }
  return blocks;
}

TEST(PredictChoice, MeasuresRoundingImportanceAndFallsBack) {
  const uint32_t type = kQ4_K;
  const std::vector<float> v = Values(40 * 256, 11);
  const uint32_t row = 4 * 256;
  const std::vector<float> imp = ImportanceOf(row, 5);
  const std::vector<ImportanceOption> options = {{7, 0, 0x3f800000, imp.data()}};
  // Plain rounding, no importance: the first candidate.
  Chosen c = Choose(type, Quantized(type, v, nullptr, row, FpRounding::kPlain), v, PredictPreset::kMax, options, row);
  EXPECT_EQ(c.transform, Transform::kPredict);
  EXPECT_EQ(c.flags, kPredictScales);
  EXPECT_EQ(c.rounding, 0);
  EXPECT_EQ(c.tally.scales_hit, 40u);
  // Made with fused multiply-add and the importance: both found.
  // (Enough blocks that the plain rounding misses some: about 1%.)
  const std::vector<float> many = Values(800 * 256, 12);
  c = Choose(type, Quantized(type, many, imp.data(), row, FpRounding::kFma), many, PredictPreset::kMax, options, row);
  EXPECT_EQ(c.flags, kPredictScales | kPredictImportance);
  EXPECT_EQ(c.rounding, 1);
  EXPECT_EQ(c.tally.scales_hit, 800u);
  EXPECT_EQ(c.tally.quants_hit, 800u);
  // The default preset stores a K type's scales against their estimate
  // (format 2.5), predicts a Q8_0's.
  c = Choose(type, Quantized(type, v, nullptr, row, FpRounding::kPlain), v, PredictPreset::kDefault, options, row);
  EXPECT_EQ(c.transform, Transform::kPredict);
  EXPECT_EQ(c.flags, kPredictEstimate);
  EXPECT_EQ(c.tally.scale_blocks, 0u);
  c = Choose(kQ8_0, Quantized(kQ8_0, v, nullptr, row, FpRounding::kPlain), v, PredictPreset::kDefault, {}, row);
  EXPECT_EQ(c.flags, kPredictScales);
  // Blocks that are no quantization of these values: not predicted.
  std::vector<uint8_t> noise(40 * 144);
  std::mt19937 rng(1);
  for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
  c = Choose(type, noise, v, PredictPreset::kMax, options, row);
  EXPECT_NE(c.transform, Transform::kPredict);
  EXPECT_EQ(c.tally.blocks, 0u);
}

// A chunk whose parent values are not all finite and below 2^32 is not
// predicted (a NaN's sign differs between CPUs); an importance row with a NaN
// is not offered.
TEST(PredictChoice, OnlyPortableValuesPredicted) {
  const uint32_t row = 4 * 256;
  std::vector<float> v = Values(8 * 256, 21);
  const std::vector<uint8_t> blocks = Quantized(kQ4_K, v, nullptr, row, FpRounding::kPlain);
  for (float bad : {std::nanf(""), INFINITY, -8589934592.0f}) {
    std::vector<float> w = v;
    w[300] = bad;
    const Chosen c = Choose(kQ4_K, blocks, w, PredictPreset::kMax, {}, row);
    EXPECT_EQ(c.transform, Transform::kContextSplit) << bad;  // unpredicted (Q4_K's split is transform 5)
  }
  EXPECT_EQ(Choose(kQ4_K, blocks, v, PredictPreset::kMax, {}, row).transform, Transform::kPredict);
  std::vector<float> imp = ImportanceOf(row, 5);
  const std::vector<uint8_t> weighted = Quantized(kQ4_K, v, imp.data(), row, FpRounding::kPlain);
  EXPECT_EQ(Choose(kQ4_K, weighted, v, PredictPreset::kMax, {{7, 0, 0x3f800000, imp.data()}}, row).flags,
            kPredictScales | kPredictImportance);
  imp[3] = std::nanf("");
  EXPECT_EQ(Choose(kQ4_K, weighted, v, PredictPreset::kMax, {{7, 0, 0x3f800000, imp.data()}}, row).flags & kPredictImportance,
            0);
}

}  // namespace
}  // namespace sgz::internal
