// Transform 5 (context split): lossless for any bytes, contexts defined on any
// header, contexts computed from earlier streams only, and the exact layout
// and contexts of hand-made blocks (the spec's worked rules).
#include "streams/context_split.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "gguf_builder.h"
#include "streams/gguf_reader.h"
#include "test_util.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace sgz::internal {
namespace {

using context_split_internal::ZeroHalfSteps;

std::vector<uint8_t> RandomBytes(uint64_t n, uint64_t seed) {
  fixtures::Rng rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& c : v) c = static_cast<uint8_t>(rng.Next());
  return v;
}

std::vector<uint8_t> Split(const GgmlType* t, const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out(in.size());
  SplitStreams(Transform::kContextSplit, t, in.data(), in.size(), out.data());
  return out;
}

std::vector<uint8_t> Join(const GgmlType* t, const std::vector<uint8_t>& split) {
  std::vector<uint8_t> out(split.size());
  JoinStreams(Transform::kContextSplit, t, split.data(), split.size(), out.data());
  return out;
}

TEST(ContextSplit, RoundTripOfRandomBytesForEveryTypeAndLength) {
  for (uint32_t id = 0; id < kGgmlTypeCount; ++id) {
    const GgmlType* t = FindGgmlType(id);
    if (t == nullptr || t->fields.empty()) continue;
    const uint64_t bb = t->block_bytes;
    for (uint64_t len : {uint64_t{0}, uint64_t{1}, bb - 1, bb, bb + 1, bb * 7 + 3, bb * 64, bb * 65 - 1}) {
      SCOPED_TRACE(std::string(t->name) + " len " + std::to_string(len));
      const std::vector<uint8_t> in = RandomBytes(len, id * 7919 + len);
      const std::vector<uint8_t> split = Split(t, in);
      EXPECT_EQ(Join(t, split), in);
      // Transform 1's stream sizes; a type without a rule is transform 1.
      EXPECT_EQ(StreamSizes(Transform::kContextSplit, t, len), StreamSizes(Transform::kSplit, t, len));
      EXPECT_EQ(StreamNames(Transform::kContextSplit, t, false).size(), StreamSizes(Transform::kSplit, t, len).size());
      if (!HasContextSplit(id)) {
        std::vector<uint8_t> one(len);
        SplitStreams(Transform::kSplit, t, in.data(), len, one.data());
        EXPECT_EQ(split, one);
      }
    }
  }
}

// Headers made of the values that break naive arithmetic: inf, NaN, zero,
// subnormal and largest halves for d and dmin, zero and largest scales.
std::vector<uint8_t> HostileKBlocks(const GgmlType* t, uint64_t n, uint64_t seed) {
  static const uint16_t kHalves[] = {0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0x7bff,
                                     0x7c00, 0xfc00, 0x7e00, 0x7fff, 0xffff, 0x1234, 0xc000};
  const size_t kh = sizeof(kHalves) / sizeof(kHalves[0]);
  std::vector<uint8_t> in = RandomBytes(n * t->block_bytes, seed);
  for (uint64_t b = 0; b < n; ++b) {
    uint8_t* blk = in.data() + b * t->block_bytes;
    const uint16_t d = kHalves[b % kh], dmin = kHalves[(b / kh) % kh];
    blk[0] = static_cast<uint8_t>(d);
    blk[1] = static_cast<uint8_t>(d >> 8);
    blk[2] = static_cast<uint8_t>(dmin);
    blk[3] = static_cast<uint8_t>(dmin >> 8);
    if (b % 3 == 0) memset(blk + 4, 0, 12);     // every scale 0
    if (b % 3 == 1) memset(blk + 4, 0xff, 12);  // every scale and min 63
  }
  return in;
}

TEST(ContextSplit, ContextsAreDefinedOnHostileHeaders) {
  for (uint32_t id = 0; id < kGgmlTypeCount; ++id) {
    if (!HasContextSplit(id)) continue;
    const GgmlType* t = FindGgmlType(id);
    const uint64_t n = 14 * 14 * 3;
    const std::vector<uint8_t> in = t->block_weights == 1 ? RandomBytes(n * t->block_bytes + 1, id)
                                                          : HostileKBlocks(t, n, id);
    SCOPED_TRACE(t->name);
    const std::vector<uint8_t> split = Split(t, in);
    EXPECT_EQ(Join(t, split), in);
    const std::vector<uint64_t> sizes = StreamSizes(Transform::kContextSplit, t, in.size());
    uint64_t offset = 0;
    size_t with_rule = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      const unsigned c = StreamContexts(t, i);
      ASSERT_LE(c, kMaxSplitContexts);
      if (c > 0) {
        ++with_rule;
        std::vector<uint8_t> ctx(sizes[i], 0xee);
        ComputeContexts(t, split.data(), split.size(), i, ctx.data());
        for (uint64_t k = 0; k < ctx.size(); ++k) ASSERT_LT(ctx[k], c) << "stream " << i << " byte " << k;
        // Only earlier streams are read: garbage from stream i on changes nothing.
        std::vector<uint8_t> spoiled = split;
        for (uint64_t k = offset; k < spoiled.size(); ++k) spoiled[k] = static_cast<uint8_t>(spoiled[k] * 31 + 7);
        std::vector<uint8_t> again(sizes[i], 0xee);
        ComputeContexts(t, spoiled.data(), spoiled.size(), i, again.data());
        EXPECT_EQ(again, ctx) << "stream " << i;
      }
      offset += sizes[i];
    }
    EXPECT_EQ(with_rule, 1u);
  }
}

TEST(ContextSplit, ZeroPointInExactArithmetic) {
  const uint16_t kOne = 0x3c00, kTwo = 0x4000, kInf = 0x7c00, kNan = 0x7e00;
  EXPECT_EQ(ZeroHalfSteps(kOne, kOne, 2, 15), 15u);   // z = 7.5
  EXPECT_EQ(ZeroHalfSteps(kOne, kOne, 3, 1), 0u);     // z = 1/3
  EXPECT_EQ(ZeroHalfSteps(kOne, kOne, 3, 2), 1u);     // z = 2/3
  EXPECT_EQ(ZeroHalfSteps(kTwo, kOne, 1, 63), 63u);   // z = 31.5
  EXPECT_EQ(ZeroHalfSteps(kOne, kTwo, 1, 63), 252u);  // z = 126
  EXPECT_EQ(ZeroHalfSteps(kOne, kTwo, 1, 64), 255u);  // saturated
  EXPECT_EQ(ZeroHalfSteps(0x8000 | kOne, kOne, 2, 15), 15u);  // signs ignored
  // Subnormal dmin (2^-24) against the largest d: 0; and the reverse: 255.
  EXPECT_EQ(ZeroHalfSteps(0x7bff, 0x0001, 1, 63), 0u);
  EXPECT_EQ(ZeroHalfSteps(0x0001, 0x7bff, 63, 1), 255u);
  // Subnormal both: 3 * 2^-24 * 5 / (2 * 2^-24 * 7) = 15/14 -> 2z = 2.14.
  EXPECT_EQ(ZeroHalfSteps(0x0002, 0x0003, 7, 5), 2u);
  // Undefined: inf, NaN, zero scale, zero d -> 0.
  EXPECT_EQ(ZeroHalfSteps(kInf, kOne, 2, 15), 0u);
  EXPECT_EQ(ZeroHalfSteps(kOne, kNan, 2, 15), 0u);
  EXPECT_EQ(ZeroHalfSteps(kOne, kOne, 0, 15), 0u);
  EXPECT_EQ(ZeroHalfSteps(0x0000, kOne, 2, 15), 0u);
}

TEST(ContextSplit, FastZeroPointEqualsExactOne) {
  // Random headers (every exponent pair, every scale and min), then the edges.
  fixtures::Rng rng(5);
  static const uint16_t kEdges[] = {0x0000, 0x0001, 0x0002, 0x03ff, 0x0400, 0x3bff, 0x3c00, 0x3c01, 0x7bff, 0x7c00, 0x7e00};
  for (int i = 0; i < 400000; ++i) {
    uint8_t hdr[16];
    for (uint8_t& c : hdr) c = static_cast<uint8_t>(rng.Next());
    if (i % 4 == 0) {
      const uint16_t d = kEdges[rng.Next() % 11], dmin = kEdges[rng.Next() % 11];
      hdr[0] = static_cast<uint8_t>(d);
      hdr[1] = static_cast<uint8_t>(d >> 8);
      hdr[2] = static_cast<uint8_t>(dmin);
      hdr[3] = static_cast<uint8_t>(dmin >> 8);
    }
    uint32_t fast[8];
    context_split_internal::SubBlockZeros(hdr, fast);
    for (int s = 0; s < 8; ++s) {
      uint32_t sc, m;  // get_scale_min_k4
      if (s < 4) {
        sc = hdr[4 + s] & 63;
        m = hdr[8 + s] & 63;
      } else {
        sc = (hdr[8 + s] & 0xF) | ((hdr[s] >> 6) << 4);
        m = (hdr[8 + s] >> 4) | ((hdr[4 + s] >> 6) << 4);
      }
      const uint32_t exact = ZeroHalfSteps(static_cast<uint16_t>(hdr[0] | (hdr[1] << 8)),
                                           static_cast<uint16_t>(hdr[2] | (hdr[3] << 8)), sc, m);
      ASSERT_EQ(fast[s], exact) << "case " << i << " sub-block " << s;
    }
  }
}

// Exhaustive over the halves near a ratio's integer boundaries: d and dmin equal
// up to their last fraction bits, every scale and min.
TEST(ContextSplit, FastZeroPointExactNearIntegers) {
  for (uint32_t dbits = 0x3c00; dbits < 0x3c08; ++dbits) {
    for (uint32_t mbits = 0x3bf8; mbits < 0x3c08; ++mbits) {
      for (uint32_t sc = 1; sc < 64; ++sc) {
        for (uint32_t m = 0; m < 64; ++m) {
          uint8_t hdr[16] = {static_cast<uint8_t>(dbits), static_cast<uint8_t>(dbits >> 8),
                             static_cast<uint8_t>(mbits), static_cast<uint8_t>(mbits >> 8)};
          hdr[4] = static_cast<uint8_t>(sc);  // sub-block 0: sc = scales[0] & 63, m = scales[4] & 63
          hdr[8] = static_cast<uint8_t>(m);
          uint32_t fast[8];
          context_split_internal::SubBlockZeros(hdr, fast);
          ASSERT_EQ(fast[0], ZeroHalfSteps(static_cast<uint16_t>(dbits), static_cast<uint16_t>(mbits), sc, m))
              << dbits << " " << mbits << " " << sc << " " << m;
        }
      }
    }
  }
}

// Exhaustive over every finite dmin and every min against d with the largest
// mantissa and the largest scale (the largest denominators, where a quotient
// comes closest to an integer without being one: a float division fails here).
TEST(ContextSplit, FastZeroPointExactForEveryDmin) {
  for (uint32_t dbits : {0x3fffu, 0x7bffu, 0x07ffu}) {
    for (uint32_t mbits = 0; mbits < 0x7c00; ++mbits) {
      for (uint32_t m0 = 0; m0 < 64; m0 += 4) {
        uint8_t hdr[16] = {static_cast<uint8_t>(dbits), static_cast<uint8_t>(dbits >> 8),
                           static_cast<uint8_t>(mbits), static_cast<uint8_t>(mbits >> 8)};
        for (int s = 0; s < 4; ++s) {
          hdr[4 + s] = 63;                              // sc of sub-block s
          hdr[8 + s] = static_cast<uint8_t>(m0 + s);    // m of sub-block s
        }
        uint32_t fast[8];
        context_split_internal::SubBlockZeros(hdr, fast);
        for (uint32_t s = 0; s < 4; ++s) {
          ASSERT_EQ(fast[s], ZeroHalfSteps(static_cast<uint16_t>(dbits), static_cast<uint16_t>(mbits), 63, m0 + s))
              << dbits << " " << mbits << " " << m0 + s;
        }
      }
    }
  }
}

// Q4_K/Q5_K scales[12] giving every sub-block scale sc and min m (< 64).
void SetScales(uint8_t* q, uint32_t sc, uint32_t m) {
  for (int j = 0; j < 4; ++j) {
    q[j] = static_cast<uint8_t>((sc & 63) | ((sc >> 4) << 6));  // low 6 bits of j, top 2 of j+4
    q[j + 4] = static_cast<uint8_t>((m & 63) | ((m >> 4) << 6));
    q[j + 8] = static_cast<uint8_t>((sc & 15) | ((m & 15) << 4));
  }
}

TEST(ContextSplit, Q4KHandMadeBlock) {
  const GgmlType* t = FindGgmlType(12);
  std::vector<uint8_t> blk(144, 0);
  blk[1] = 0x3c;  // d = 1
  blk[3] = 0x3c;  // dmin = 1
  // Sub-blocks 0..3 (scales[0..3], mins[4..7]): sc 2, m 3 -> z = 1.5, 2z = 3,
  // round(z) = 2, stored = q + 6. Sub-blocks 4..7: sc 2, m 15 -> z = 7.5,
  // round(z) = 8, stored = q.
  SetScales(blk.data() + 4, 2, 15);
  for (int j = 0; j < 4; ++j) blk[4 + j + 4] = 3;  // m of sub-blocks 0..3 (low 6 bits)
  // ggml qs: byte 32j+l = weight l of sub-block 2j | weight l of 2j+1 << 4.
  for (int l = 0; l < 32; ++l) {
    blk[16 + l] = static_cast<uint8_t>((l & 15) | (((l + 1) & 15) << 4));  // sub-blocks 0 and 1
    blk[16 + 64 + l] = static_cast<uint8_t>(((l + 2) & 15) | (((15 - l) & 15) << 4));  // sub-blocks 4 and 5
  }
  const std::vector<uint8_t> split = Split(t, blk);
  ASSERT_EQ(Join(t, split), blk);
  const uint8_t* qs = split.data() + 16;  // one block: 16 header planes of 1 byte
  // Sub-block 0: weights k, k+16 = k, k (mod 16) -> +6.
  EXPECT_EQ(qs[0], (6) | (6 << 4));
  EXPECT_EQ(qs[5], ((5 + 6) & 15) | (((5 + 6) & 15) << 4));
  // Sub-block 1: weights l+1 -> +6.
  EXPECT_EQ(qs[16 + 3], ((4 + 6) & 15) | (((4 + 6) & 15) << 4));
  // Sub-block 4 (z = 7.5): weights l+2 unshifted; k and k+16 share a byte.
  EXPECT_EQ(qs[64 + 1], 3 | (3 << 4));
  // Sub-block 5: weights 15-l -> byte k = (15-k) | ((15-k-16) & 15) << 4.
  EXPECT_EQ(qs[80 + 2], 13 | (13 << 4));
  std::vector<uint8_t> ctx(128, 0xee);
  ComputeContexts(t, split.data(), split.size(), 16, ctx.data());
  // Distance of 2z from 15: sub-blocks 0..3 |3 - 15| / 2 = 6 -> 3; 4..7 -> 0.
  for (int k = 0; k < 64; ++k) EXPECT_EQ(ctx[k], 3) << k;
  for (int k = 64; k < 128; ++k) EXPECT_EQ(ctx[k], 0) << k;
}

TEST(ContextSplit, Q5KHandMadeBlock) {
  const GgmlType* t = FindGgmlType(13);
  std::vector<uint8_t> blk(176, 0);
  blk[1] = 0x3c;  // d = 1
  blk[3] = 0x3c;  // dmin = 1
  SetScales(blk.data() + 4, 2, 31);  // z = 15.5: round 16, stored = q - 8 mod 32
  uint8_t* qh = blk.data() + 16;
  uint8_t* qs = blk.data() + 48;
  // Sub-block 0: weight l = l (5 bits: low nibble in qs[l] & 15, high bit = bit 0 of qh[l]).
  for (int l = 0; l < 32; ++l) {
    qs[l] = static_cast<uint8_t>(l & 15);
    qh[l] = static_cast<uint8_t>(l >> 4);
  }
  const std::vector<uint8_t> split = Split(t, blk);
  ASSERT_EQ(Join(t, split), blk);
  const uint8_t* sqh = split.data() + 16;
  const uint8_t* sqs = sqh + 32;
  // Sub-block 0: v = l - 8 mod 32: l 0..7 -> 24..31 (high bit 1), 8..23 -> 0..15, 24..31 -> 16..23.
  EXPECT_EQ(sqh[0], 0xff);  // weights 0..7
  EXPECT_EQ(sqh[1], 0x00);  // weights 8..15
  EXPECT_EQ(sqh[2], 0x00);  // weights 16..23
  EXPECT_EQ(sqh[3], 0xff);  // weights 24..31
  // Byte k: weights k and k+16: v(3) = 27 -> nibble 11; v(19) = 11.
  EXPECT_EQ(sqs[3], 11 | (11 << 4));
  // Sub-block 1: every quant 0 -> v = 24: high bit 1, nibble 8.
  EXPECT_EQ(sqh[4], 0xff);
  EXPECT_EQ(sqs[16], 8 | (8 << 4));
  std::vector<uint8_t> ctx(128, 0xee);
  ComputeContexts(t, split.data(), split.size(), 17, ctx.data());
  EXPECT_EQ(ctx[3], 1);   // weight 3 high (1), weight 19 low (0)
  EXPECT_EQ(ctx[9], 2);   // weight 9 low (v 1), weight 25 high (v 17)
  EXPECT_EQ(ctx[16], 3);  // sub-block 1: both high
}

TEST(ContextSplit, Q3KHandMadeBlock) {
  const GgmlType* t = FindGgmlType(11);
  std::vector<uint8_t> blk(110, 0);
  blk[3] = 0xa5;  // hmask[3]: weights 3+32j of half 0 (bits 0-3), of half 1 (bits 4-7)
  const std::vector<uint8_t> split = Split(t, blk);
  ASSERT_EQ(Join(t, split), blk);
  std::vector<uint8_t> one(110);
  SplitStreams(Transform::kSplit, t, blk.data(), blk.size(), one.data());
  EXPECT_EQ(split, one);  // transform 1's layout
  std::vector<uint8_t> ctx(64, 0xee);
  ComputeContexts(t, split.data(), split.size(), 1, ctx.data());
  EXPECT_EQ(ctx[3], 0x5);   // qs byte 3: half 0
  EXPECT_EQ(ctx[35], 0xa);  // qs byte 35: half 1
  EXPECT_EQ(ctx[4], 0);
}

TEST(ContextSplit, Bf16HandMadeValues) {
  const GgmlType* t = FindGgmlType(30);
  // 1.0 (0x3f80), -0.125 (0xbe00), 0x7fc1 (NaN), 0x0001 (subnormal), tail 0xab.
  const std::vector<uint8_t> in = {0x80, 0x3f, 0x00, 0xbe, 0xc1, 0x7f, 0x01, 0x00, 0xab};
  const std::vector<uint8_t> split = Split(t, in);
  EXPECT_EQ(split, (std::vector<uint8_t>{127, 124, 255, 0, 0x00, 0x80, 0x41, 0x01, 0xab}));
  EXPECT_EQ(Join(t, split), in);
  std::vector<uint8_t> ctx(4, 0xee);
  ComputeContexts(t, split.data(), split.size(), 1, ctx.data());
  EXPECT_EQ(ctx, (std::vector<uint8_t>{15, 12, 15, 0}));
  EXPECT_EQ(StreamNames(Transform::kContextSplit, t, false),
            (std::vector<std::string>{"ctx.BF16.exponent", "ctx.BF16.signmant", "ctx.BF16.tail"}));
}

// Every tensor of the corpus that transform 5 re-expresses, in the packer's
// 4 MiB chunks: split, join, contexts in range.
TEST(ContextSplit, CorpusTensorsRoundTrip) {
  SGZ_REQUIRE_CORPUS();
  uint64_t chunks = 0;
  for (const std::string& path : testing::CorpusFiles()) {
    const std::string file = testing::ReadFile(path);
    const auto* bytes = reinterpret_cast<const uint8_t*>(file.data());
    auto layout = ParseGguf(bytes, file.size());
    if (!layout.ok()) continue;
    for (const GgufTensor& t : layout.value().tensors) {
      if (!HasContextSplit(t.type)) continue;
      const GgmlType* gt = FindGgmlType(t.type);
      const uint64_t step = (4ull << 20) / gt->block_bytes * gt->block_bytes;
      for (uint64_t at = 0; at < t.size; at += step, ++chunks) {
        const std::vector<uint8_t> in(bytes + t.offset + at, bytes + t.offset + at + std::min(step, t.size - at));
        const std::vector<uint8_t> split = Split(gt, in);
        ASSERT_EQ(Join(gt, split), in) << path << " " << t.name << " at " << at;
        const std::vector<uint64_t> sizes = StreamSizes(Transform::kContextSplit, gt, in.size());
        for (size_t i = 0; i < sizes.size(); ++i) {
          if (StreamContexts(gt, i) == 0) continue;
          std::vector<uint8_t> ctx(sizes[i]);
          ComputeContexts(gt, split.data(), split.size(), i, ctx.data());
          for (uint8_t c : ctx) ASSERT_LT(c, StreamContexts(gt, i)) << path << " " << t.name;
        }
      }
    }
  }
  EXPECT_GT(chunks, 0u);
}

}  // namespace
}  // namespace sgz::internal
