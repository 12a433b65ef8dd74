// Codec 2 "rans": round trips of every shape, the AVX2 loop against the
// portable one on every case, and one hostile payload per rejection rule of
// the spec (truncations, table sums, C and P out of range, contexts without a
// table, states, trailing bytes).
#include "streams/rans.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/coding.h"
#include "streams/codec.h"
#include "gguf_builder.h"

namespace sgz::internal {
namespace {

using Bytes = std::vector<uint8_t>;

struct Decoded {
  Status status;
  Bytes out;
};

Decoded DecodeWith(bool portable, const std::string& payload, const uint8_t* ctx, unsigned contexts, uint64_t n) {
  rans_internal::ForcePortable(portable);
  Decoded d;
  d.out.assign(n, 0xEE);
  // A copy of exactly the payload's size, so that ASan sees any read past it.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[payload.size() + 1]);
  memcpy(copy.get(), payload.data(), payload.size());
  d.status = RansDecode(copy.get(), payload.size(), ctx, contexts, d.out.data(), n);
  rans_internal::ForcePortable(false);
  return d;
}

// Decodes with both loops; they must agree on the status and, when it is
// Ok, on every byte. Returns the portable result.
Decoded DecodeBoth(const std::string& payload, const uint8_t* ctx, unsigned contexts, uint64_t n) {
  Decoded portable = DecodeWith(true, payload, ctx, contexts, n);
  Decoded best = DecodeWith(false, payload, ctx, contexts, n);
  EXPECT_EQ(portable.status.ok(), best.status.ok()) << portable.status.ToString() << " vs " << best.status.ToString();
  if (portable.status.ok() && best.status.ok()) {
    EXPECT_EQ(portable.out, best.out);
  }
  if (!portable.status.ok()) {
    EXPECT_TRUE(portable.status.code() == Status::Code::kCorrupt) << portable.status.ToString();
  }
  return portable;
}

Bytes Random(uint64_t n, uint64_t seed) {
  fixtures::Rng rng(seed);
  Bytes b(n);
  for (uint8_t& v : b) v = static_cast<uint8_t>(rng.Next());
  return b;
}

// Bytes with a roughly geometric distribution (a few bits a byte).
Bytes Skewed(uint64_t n, uint64_t seed) {
  fixtures::Rng rng(seed);
  Bytes b(n);
  for (uint8_t& v : b) v = static_cast<uint8_t>(std::min(255.0, -std::log(1.0 - rng.Uniform()) * 6.0));
  return b;
}

// Contexts that matter: byte i's distribution depends on ctx[i].
void WithContexts(Bytes* data, Bytes* ctx, unsigned contexts, uint64_t seed) {
  fixtures::Rng rng(seed);
  ctx->resize(data->size());
  for (size_t i = 0; i < data->size(); ++i) {
    (*ctx)[i] = static_cast<uint8_t>(rng.Next() % contexts);
    (*data)[i] = static_cast<uint8_t>((*data)[i] + 37 * (*ctx)[i]);
  }
}

void ExpectRoundTrip(const Bytes& data, const Bytes* ctx, unsigned contexts, unsigned precision,
                     const std::string& what) {
  std::string payload, portable;
  rans_internal::EncodeAlways(data.data(), data.size(), ctx ? ctx->data() : nullptr, contexts, precision, &payload);
  rans_internal::ForcePortable(true);
  rans_internal::EncodeAlways(data.data(), data.size(), ctx ? ctx->data() : nullptr, contexts, precision, &portable);
  rans_internal::ForcePortable(false);
  ASSERT_EQ(payload, portable) << what << ": the AVX2 encoder differs from the portable one";
  const Decoded d = DecodeBoth(payload, ctx ? ctx->data() : nullptr, contexts, data.size());
  ASSERT_TRUE(d.status.ok()) << what << ": " << d.status.ToString();
  ASSERT_EQ(d.out, data) << what;
}

TEST(Rans, RoundTripsEveryShape) {
  const uint64_t lengths[] = {0, 1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 200, 1000, 4099, 70001};
  for (uint64_t n : lengths) {
    const Bytes kinds[] = {Bytes(n, 0), Bytes(n, 0xFF), Random(n, n), Skewed(n, n + 1)};
    for (size_t k = 0; k < 4; ++k) {
      for (unsigned precision : {0u, 8u, 10u, 12u}) {
        const std::string what = "n " + std::to_string(n) + " kind " + std::to_string(k) + " precision " +
                                 std::to_string(precision);
        ExpectRoundTrip(kinds[k], nullptr, 1, precision, what);
        for (unsigned contexts : {2u, 7u, 64u}) {
          Bytes data = kinds[k], ctx;
          WithContexts(&data, &ctx, contexts, n + contexts);
          ExpectRoundTrip(data, &ctx, contexts, precision, what + " contexts " + std::to_string(contexts));
        }
      }
    }
  }
}

TEST(Rans, EncodeKeepsOnlySmallerPayloads) {
  std::string out = "x";
  EXPECT_FALSE(RansEncode(nullptr, 0, nullptr, 1, &out));
  const Bytes random = Random(100000, 5);
  EXPECT_FALSE(RansEncode(random.data(), random.size(), nullptr, 1, &out));
  EXPECT_EQ(out, "x");  // nothing appended
  const Bytes skewed = Skewed(100000, 6);
  ASSERT_TRUE(RansEncode(skewed.data(), skewed.size(), nullptr, 1, &out));
  // Within 0.5% of the bytes' order-0 entropy (plus tables and states).
  double count[256] = {}, bits = 0;
  for (uint8_t b : skewed) ++count[b];
  for (double c : count) bits += c > 0 ? c * std::log2(skewed.size() / c) : 0;
  EXPECT_LT((out.size() - 1) * 8.0, bits * 1.005 + 8 * 300);
  const Decoded d = DecodeBoth(out.substr(1), nullptr, 1, skewed.size());
  ASSERT_TRUE(d.status.ok()) << d.status.ToString();
  EXPECT_EQ(d.out, skewed);
}

// With a limit (another coder's size), RansEncode keeps only smaller
// payloads, and skips the coding loop where the tables' estimate is above
// it; without one it always codes (the fuzzer's first crash: a 355-byte
// stream given up on at 349 bytes by an estimate that counted the states
// twice).
TEST(Rans, EncodeLimitSkipsStreamsItCannotWin) {
  const Bytes skewed = Skewed(100000, 17);
  std::string full;
  ASSERT_TRUE(RansEncode(skewed.data(), skewed.size(), nullptr, 1, &full));
  std::string out = "x";
  EXPECT_FALSE(RansEncode(skewed.data(), skewed.size(), nullptr, 1, &out, full.size()));  // not smaller
  EXPECT_EQ(out, "x");
  EXPECT_TRUE(RansEncode(skewed.data(), skewed.size(), nullptr, 1, &out, full.size() + 1));
  EXPECT_EQ(out, "x" + full);
  // Far above the limit: decided from the estimate, no coding.
  const uint64_t before = rans_internal::CodedBytesForTesting();
  out = "x";
  EXPECT_FALSE(RansEncode(skewed.data(), skewed.size(), nullptr, 1, &out, full.size() * 9 / 10));
  // Text that zstd shrinks 100-fold: skipped at zstd's size.
  Bytes text;
  const std::string line = "tokenizer.ggml.tokens: the quick brown fox; ";
  while (text.size() < 100000) text.insert(text.end(), line.begin(), line.end());
  EXPECT_FALSE(RansEncode(text.data(), text.size(), nullptr, 1, &out, 1000));
  EXPECT_EQ(out, "x");
  EXPECT_EQ(rans_internal::CodedBytesForTesting(), before);
  // Close to the limit: coded, then compared.
  EXPECT_FALSE(RansEncode(skewed.data(), skewed.size(), nullptr, 1, &out, full.size() - 10));
  EXPECT_EQ(rans_internal::CodedBytesForTesting(), before + skewed.size());
}

TEST(Rans, ContextsPayOffAndTablesAreSmall) {
  // Two contexts with disjoint alphabets: one table gives ~2 bits a byte,
  // contexts ~1.
  fixtures::Rng rng(3);
  const uint64_t n = 1 << 20;
  Bytes data(n), ctx(n);
  for (uint64_t i = 0; i < n; ++i) {
    ctx[i] = rng.Next() & 1;
    data[i] = static_cast<uint8_t>(ctx[i] * 2 + (rng.Next() & 1));
  }
  std::string one, two;
  ASSERT_TRUE(RansEncode(data.data(), n, nullptr, 1, &one));
  ASSERT_TRUE(RansEncode(data.data(), n, ctx.data(), 2, &two));
  EXPECT_LT(two.size(), one.size() * 0.55);
  EXPECT_LT(two.size(), n / 8 + n / 1000);
  const Decoded d = DecodeBoth(two, ctx.data(), 2, n);
  ASSERT_TRUE(d.status.ok());
  EXPECT_EQ(d.out, data);
}

// A payload written by hand from the spec: header, tables (Rice code),
// states, words.
class SpecWriter {
 public:
  void Byte(uint8_t b) { Align(); out_.push_back(static_cast<char>(b)); }
  void Bits(uint32_t v, unsigned n) {
    for (unsigned j = 0; j < n; ++j) {
      if (used_ == 0) out_.push_back(0);
      out_.back() = static_cast<char>(out_.back() | ((v >> j & 1) << used_));
      used_ = (used_ + 1) % 8;
    }
  }
  // Mode 0 (neighbours) only.
  void Table(const std::vector<uint32_t>& freq, unsigned precision) {
    Bits(0, 1);
    uint32_t f1 = 0, f2 = 0;
    for (uint32_t v : freq) {
      const unsigned k = rans_internal::FloorLog2((f1 + f2 + 1) >> 1);
      if ((v >> k) < 16) {
        for (uint32_t q = 0; q < (v >> k); ++q) Bits(1, 1);
        Bits(0, 1);
        Bits(v, k);
      } else {
        Bits(0xFFFF, 16);
        Bits(v, precision + 1);
      }
      f2 = f1;
      f1 = v;
    }
  }
  void U32(uint32_t v) { Align(); PutU32(&out_, v); }
  void Align() { used_ = 0; }
  std::string out_;
  unsigned used_ = 0;
};

// The table of a single symbol 'a' with all of M = 2^8: every state stays
// where it is, so one state 2^16 per lane decodes any number of 'a'.
std::vector<uint32_t> OnlyA() {
  std::vector<uint32_t> f(256, 0);
  f['a'] = 256;
  return f;
}

std::string Handmade(uint8_t tables, uint8_t precision, const std::vector<uint32_t>& freq, unsigned states,
                     uint32_t state = 1u << 16) {
  SpecWriter w;
  w.Byte(tables);
  w.Byte(precision);
  for (unsigned c = 0; c < tables; ++c) w.Table(freq, 8);
  for (unsigned l = 0; l < states; ++l) w.U32(state);
  return w.out_;
}

TEST(Rans, HandmadeSpecPayloadDecodes) {
  const std::string p = Handmade(1, 8, OnlyA(), kRansLanes);
  const Decoded d = DecodeBoth(p, nullptr, 1, 1000);
  ASSERT_TRUE(d.status.ok()) << d.status.ToString();
  EXPECT_EQ(d.out, Bytes(1000, 'a'));
}

// Corruption, and (when given) for the reason `why` (a part of the message):
// each rule is seen to be the one that rejects.
void ExpectCorrupt(const std::string& payload, const uint8_t* ctx, unsigned contexts, uint64_t n,
                   const std::string& what, const std::string& why = "") {
  const Decoded d = DecodeBoth(payload, ctx, contexts, n);
  EXPECT_TRUE(d.status.code() == Status::Code::kCorrupt) << what << ": " << d.status.ToString();
  EXPECT_NE(d.status.ToString().find(why), std::string::npos) << what << ": " << d.status.ToString();
}

TEST(Rans, RejectsEachHostileHeaderAndTable) {
  ExpectCorrupt("", nullptr, 1, 10, "empty", "no header");
  ExpectCorrupt(std::string(1, '\1'), nullptr, 1, 10, "no precision", "no header");
  ExpectCorrupt(Handmade(0, 8, OnlyA(), 10), nullptr, 1, 10, "C = 0", "table count 0 out of range");
  Bytes ctx(10, 0);
  ExpectCorrupt(Handmade(65, 8, OnlyA(), 10), ctx.data(), 255, 10, "C = 65", "table count 65 out of range");
  ExpectCorrupt(Handmade(2, 8, OnlyA(), 10), nullptr, 1, 10, "C = 2 without contexts", "exceeds the stream's 1");
  ExpectCorrupt(Handmade(3, 8, OnlyA(), 10), ctx.data(), 2, 10, "C above the stream's contexts", "exceeds");
  ctx[9] = 2;
  ExpectCorrupt(Handmade(2, 8, OnlyA(), 10), ctx.data(), 3, 10, "ctx value >= C", "context 2 has no table");
  std::string p = Handmade(1, 8, OnlyA(), 10);
  p[1] = 7;
  ExpectCorrupt(p, nullptr, 1, 10, "P = 7", "precision 7");
  p[1] = 13;
  ExpectCorrupt(p, nullptr, 1, 10, "P = 13", "precision 13");
  std::vector<uint32_t> f = OnlyA();
  f['a'] = 255;
  ExpectCorrupt(Handmade(1, 8, f, 10), nullptr, 1, 10, "table sums to M - 1", "sums to 255, not 256");
  f['b'] = 2;
  ExpectCorrupt(Handmade(1, 8, f, 10), nullptr, 1, 10, "table sums to M + 1", "sums past 256");
  f = OnlyA();
  f['a'] = 257;
  ExpectCorrupt(Handmade(1, 8, f, 10), nullptr, 1, 10, "frequency above M", "sums past 256");
  // Product mode: f[0] = f[1] = f[16] = 1 predicts f[17] = 1; the residual
  // 3 (zigzag of -2) makes it negative.
  SpecWriter neg;
  neg.Byte(1);
  neg.Byte(8);
  neg.Bits(1, 1);                              // product mode
  neg.Bits(1, 1), neg.Bits(0, 1);              // f[0] = 1 (k = 0)
  neg.Bits(1, 1), neg.Bits(0, 1);              // f[1] = 1
  for (int s = 2; s < 16; ++s) neg.Bits(0, 1);  // f[2..15] = 0
  neg.Bits(1, 1), neg.Bits(0, 1);              // f[16] = 1
  neg.Bits(7, 3), neg.Bits(0, 1);              // residual 3 at symbol 17
  ExpectCorrupt(neg.out_, nullptr, 1, 10, "negative frequency", "negative frequency at symbol 17");
  // The last table byte has one padding bit (1 + 294 bits of table).
  const size_t last = Handmade(1, 8, OnlyA(), 0).size() - 1;
  p = Handmade(1, 8, OnlyA(), 10);
  ASSERT_TRUE(DecodeBoth(p, nullptr, 1, 10).status.ok());
  p[last] = static_cast<char>(p[last] | 0x80);
  ExpectCorrupt(p, nullptr, 1, 10, "padding bits not zero", "padding");
  ExpectCorrupt(Handmade(1, 8, OnlyA(), 10, 0xFFFF), nullptr, 1, 10, "initial state below 2^16", "initial state 0");
  ExpectCorrupt(Handmade(1, 8, OnlyA(), 10, 0x10001), nullptr, 1, 10, "final state not 2^16", "final state 0");
  ExpectCorrupt(Handmade(1, 8, OnlyA(), 9), nullptr, 1, 10, "states truncated", "states are truncated");
  ExpectCorrupt(Handmade(1, 8, OnlyA(), 10) + "\1", nullptr, 1, 10, "odd word bytes", "odd number");
  ExpectCorrupt(Handmade(1, 8, OnlyA(), 10) + std::string(2, '\0'), nullptr, 1, 10, "a word left over",
                "left after the last byte");
}

// The encoder's tables are the best for the counts: no unit moved from one
// symbol to another lowers sum count * log2(M / f), and the tables of a
// chunk-sized stream with 16 contexts cost well under 0.1% of it.
TEST(Rans, TablesAreOptimalAndSmall) {
  fixtures::Rng rng(21);
  const uint64_t n = 1 << 22;
  Bytes data(n), ctx(n);
  for (uint64_t i = 0; i < n; ++i) {
    ctx[i] = static_cast<uint8_t>((i / 4096) % 16);
    // Two nibbles with peaks that move with the context, and rare outliers.
    const int lo = static_cast<int>(std::min(15.0, std::fabs(rng.Normal() * 2.5 + ctx[i] % 8)));
    const int hi = static_cast<int>(std::min(15.0, std::fabs(rng.Normal() * 2.5 + ctx[i] / 2)));
    data[i] = static_cast<uint8_t>(lo | hi << 4);
  }
  std::string payload;
  ASSERT_TRUE(RansEncode(data.data(), n, ctx.data(), 16, &payload));
  unsigned precision = 0;
  uint64_t table_bytes = 0;
  std::vector<uint32_t> freq;
  ASSERT_TRUE(rans_internal::ParseTables(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), &precision,
                                         &freq, &table_bytes)
                  .ok());
  ASSERT_EQ(freq.size(), 16u * 256);
  printf("16 tables: %llu bytes (%.4f%% of %llu), P = %u\n", static_cast<unsigned long long>(table_bytes),
         100.0 * table_bytes / n, static_cast<unsigned long long>(n), precision);
  EXPECT_LT(table_bytes, n / 2000);
  std::vector<double> count(16 * 256, 0);
  for (uint64_t i = 0; i < n; ++i) ++count[ctx[i] * 256 + data[i]];
  int worse = 0;
  for (unsigned c = 0; c < 16; ++c) {
    const double* k = &count[c * 256];
    const uint32_t* f = &freq[c * 256];
    for (int a = 0; a < 256; ++a) {
      EXPECT_EQ(k[a] > 0, f[a] > 0) << "table " << c << " symbol " << a;
      if (k[a] == 0) continue;
      const double gain = k[a] * std::log2((f[a] + 1.0) / f[a]);
      for (int b = 0; b < 256; ++b) {
        if (b == a || f[b] <= 1) continue;
        worse += gain > k[b] * std::log2(f[b] / (f[b] - 1.0)) + 1e-6;
      }
    }
  }
  EXPECT_EQ(worse, 0) << "unit moves that would shrink the payload";
  const Decoded d = DecodeBoth(payload, ctx.data(), 16, n);
  ASSERT_TRUE(d.status.ok());
  EXPECT_EQ(d.out, data);
}

TEST(Rans, RejectsTruncationsAndTrailingBytesOfRealStreams) {
  for (unsigned contexts : {1u, 5u}) {
    Bytes data = Skewed(3000, 9), ctx;
    if (contexts > 1) WithContexts(&data, &ctx, contexts, 10);
    const uint8_t* c = contexts > 1 ? ctx.data() : nullptr;
    std::string payload;
    rans_internal::EncodeAlways(data.data(), data.size(), c, contexts, 0, &payload);
    for (size_t len = 0; len < payload.size(); ++len) {
      ExpectCorrupt(payload.substr(0, len), c, contexts, data.size(), "truncated to " + std::to_string(len));
    }
    ExpectCorrupt(payload + std::string(2, '\0'), c, contexts, data.size(), "two trailing bytes");
    ExpectCorrupt(payload + std::string(64, '\x55'), c, contexts, data.size(), "64 trailing bytes");
    // A flipped byte anywhere: Corruption or other bytes, never a crash,
    // and the two loops agree (DecodeBoth).
    for (size_t at = 0; at < payload.size(); at += 7) {
      std::string bad = payload;
      bad[at] = static_cast<char>(bad[at] ^ 0x5A);
      DecodeBoth(bad, c, contexts, data.size());
    }
  }
}

TEST(Rans, DecodeStreamDecodesCodec2WithOneTableOnlyWhenSmaller) {
  ASSERT_NE(FindCodec(2), nullptr);
  EXPECT_STREQ(FindCodec(2)->name, "rans");
  const Bytes data = Skewed(5000, 11);
  std::string payload;
  ASSERT_TRUE(RansEncode(data.data(), data.size(), nullptr, 1, &payload));
  Bytes out(data.size());
  ASSERT_TRUE(DecodeStream(Codec::kRans, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), out.data(),
                           out.size())
                  .ok());
  EXPECT_EQ(out, data);
  // A payload that decodes but is not smaller than its raw size.
  const std::string big = Handmade(1, 8, OnlyA(), kRansLanes);
  Bytes a(big.size());
  EXPECT_TRUE(DecodeBoth(big, nullptr, 1, a.size()).status.ok());
  EXPECT_EQ(DecodeStream(Codec::kRans, reinterpret_cast<const uint8_t*>(big.data()), big.size(), a.data(), a.size())
                .code(),
            Status::Code::kCorrupt);
  // Several tables need the context array: not through DecodeStream.
  Bytes d2 = Skewed(5000, 12), ctx;
  WithContexts(&d2, &ctx, 3, 13);
  payload.clear();
  ASSERT_TRUE(RansEncode(d2.data(), d2.size(), ctx.data(), 3, &payload));
  EXPECT_EQ(DecodeStream(Codec::kRans, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), out.data(),
                         out.size())
                .code(),
            Status::Code::kCorrupt);
}

}  // namespace
}  // namespace sgz::internal
