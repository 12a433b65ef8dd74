#include "streams/transform.h"

#include <gtest/gtest.h>

#include <zstd.h>

#include <numeric>

#include "gguf_builder.h"
#include "streams/codec.h"
#include "streams/ggml_types.h"

namespace sgz::internal {
namespace {

std::string RandomBytes(uint64_t n, uint64_t seed) {
  fixtures::Rng rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng.Next());
  return s;
}

TEST(Transform, SplitThenJoinIsIdentityForEveryTypeAndLength) {
  for (uint32_t id = 0; id < kGgmlTypeCount; ++id) {
    const GgmlType* t = FindGgmlType(id);
    if (t == nullptr || t->fields.empty()) continue;
    for (uint64_t len : {uint64_t{0}, uint64_t{1}, uint64_t{t->block_bytes - 1}, uint64_t{t->block_bytes},
                         uint64_t{t->block_bytes * 7 + 3}, uint64_t{t->block_bytes * 64}}) {
      SCOPED_TRACE(std::string(t->name) + " len " + std::to_string(len));
      const std::string in = RandomBytes(len, id * 1000 + len);
      std::string split(len, '\0'), joined(len, '\0');
      const uint8_t* src = reinterpret_cast<const uint8_t*>(in.data());
      SplitStreams(Transform::kSplit, t, src, len, reinterpret_cast<uint8_t*>(&split[0]));
      JoinStreams(Transform::kSplit, t, reinterpret_cast<const uint8_t*>(split.data()), len,
                  reinterpret_cast<uint8_t*>(&joined[0]));
      EXPECT_TRUE(joined == in);
      const std::vector<uint64_t> sizes = StreamSizes(Transform::kSplit, t, len);
      EXPECT_EQ(std::accumulate(sizes.begin(), sizes.end(), uint64_t{0}), len);
      EXPECT_EQ(sizes.size(), t->StreamCount() + 1);
      EXPECT_EQ(StreamNames(Transform::kSplit, t, false).size(), sizes.size());
    }
  }
}

TEST(Transform, Q4KSplitsIntoHeaderPlanesNibblesAndTail) {
  const GgmlType* q4k = FindGgmlType(12);
  std::string in(2 * 144 + 5, '\0');
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<char>(i);
  std::string out(in.size(), '\0');
  SplitStreams(Transform::kSplit, q4k, reinterpret_cast<const uint8_t*>(in.data()), in.size(),
               reinterpret_cast<uint8_t*>(&out[0]));
  // Header planes: byte 0 of both blocks, then byte 1 of both, ...
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 144);
  EXPECT_EQ(static_cast<uint8_t>(out[2]), 1);
  EXPECT_EQ(static_cast<uint8_t>(out[3]), 145);
  // Nibble stream: block 0's qs, then block 1's.
  EXPECT_EQ(static_cast<uint8_t>(out[32]), 16);
  EXPECT_EQ(static_cast<uint8_t>(out[32 + 128]), static_cast<uint8_t>(144 + 16));
  // Tail.
  EXPECT_EQ(out.substr(288), in.substr(288));
  std::vector<uint64_t> want(16, 2);
  want.push_back(256);
  want.push_back(5);
  EXPECT_EQ(StreamSizes(Transform::kSplit, q4k, in.size()), want);
  EXPECT_EQ(StreamNames(Transform::kSplit, q4k, false)[1], "Q4_K.header.b1");
}

TEST(Transform, F32SplitsIntoFourBytePlanes) {
  const GgmlType* f32 = FindGgmlType(0);
  const std::string in = "ABCDabcd";
  std::string out(8, '\0');
  SplitStreams(Transform::kSplit, f32, reinterpret_cast<const uint8_t*>(in.data()), 8, reinterpret_cast<uint8_t*>(&out[0]));
  EXPECT_EQ(out, "AaBbCcDd");
  EXPECT_EQ(StreamSizes(Transform::kSplit, f32, 8), (std::vector<uint64_t>{2, 2, 2, 2, 0}));
  EXPECT_EQ(StreamNames(Transform::kSplit, f32, false)[3], "F32.value.b3");
}

TEST(Codec, CompressibleStreamsUseZstdOthersAreStored) {
  const std::string zeros(10000, '\0');
  const std::string noise = RandomBytes(10000, 7);
  for (const std::string* in : {&zeros, &noise}) {
    std::string stored;
    Codec c = EncodeStream(reinterpret_cast<const uint8_t*>(in->data()), in->size(), 3, &stored);
    EXPECT_EQ(c, in == &zeros ? Codec::kZstd : Codec::kStored);
    std::string back(in->size(), '\0');
    ASSERT_TRUE(DecodeStream(c, reinterpret_cast<const uint8_t*>(stored.data()), stored.size(),
                             reinterpret_cast<uint8_t*>(&back[0]), back.size()).ok());
    EXPECT_TRUE(back == *in);
  }
}

TEST(Codec, DecodeRejectsWrongSizesAndGarbage) {
  std::string stored;
  const std::string zeros(1000, '\0');
  ASSERT_EQ(EncodeStream(reinterpret_cast<const uint8_t*>(zeros.data()), zeros.size(), 3, &stored), Codec::kZstd);
  std::string out(2000, '\0');
  uint8_t* dst = reinterpret_cast<uint8_t*>(&out[0]);
  const uint8_t* src = reinterpret_cast<const uint8_t*>(stored.data());
  EXPECT_EQ(DecodeStream(Codec::kZstd, src, stored.size(), dst, 999).code(), Status::Code::kCorrupt);
  EXPECT_EQ(DecodeStream(Codec::kZstd, src, stored.size(), dst, 1001).code(), Status::Code::kCorrupt);
  std::string bad = stored;
  bad[bad.size() / 2] ^= 0x55;
  bad[0] ^= 0x01;
  EXPECT_FALSE(DecodeStream(Codec::kZstd, reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), dst, 1000).ok());
  EXPECT_FALSE(DecodeStream(Codec::kStored, src, stored.size(), dst, stored.size() + 1).ok());
}

}  // namespace
}  // namespace sgz::internal

namespace sgz::internal {
namespace {

// The probe ("What sgz 2.0 writes" in the spec): a stream of at least
// 256 KiB of which zstd shrinks none of three 32 KiB samples (start, middle,
// end) is stored without compressing the rest. The output of a stored stream
// is the same with or without the probe, so these tests count the bytes
// handed to zstd.
constexpr uint64_t kSample = 32 * 1024;
constexpr uint64_t kMiB = 1 << 20;

struct Encoded {
  Codec codec;
  std::string out;
  uint64_t compressed_bytes;  // bytes handed to zstd for this stream
};

// Encodes `in` at level 1 and checks that it decodes back.
Encoded EncodeAndCheck(const std::string& in) {
  Encoded e;
  const uint64_t before = CompressorInputBytesForTesting();
  e.codec = EncodeStream(reinterpret_cast<const uint8_t*>(in.data()), in.size(), 1, &e.out);
  e.compressed_bytes = CompressorInputBytesForTesting() - before;
  std::string back(in.size(), '\0');
  EXPECT_TRUE(DecodeStream(e.codec, reinterpret_cast<const uint8_t*>(e.out.data()), e.out.size(),
                           reinterpret_cast<uint8_t*>(&back[0]), back.size()).ok());
  EXPECT_TRUE(back == in);
  return e;
}

void FillRun(std::string* s, uint64_t begin, uint64_t end) {
  std::fill(s->begin() + begin, s->begin() + end, 'x');
}

TEST(Codec, LargeIncompressibleStreamsAreStoredAfterThreeSamples) {
  const std::string noise = RandomBytes(kMiB, 3);
  Encoded e = EncodeAndCheck(noise);
  EXPECT_EQ(e.codec, Codec::kStored);
  EXPECT_EQ(e.compressed_bytes, 3 * kSample);
  // 256 KiB is the smallest probed size; one byte less is compressed whole.
  e = EncodeAndCheck(noise.substr(0, 256 * 1024));
  EXPECT_EQ(e.codec, Codec::kStored);
  EXPECT_EQ(e.compressed_bytes, 3 * kSample);
  e = EncodeAndCheck(noise.substr(0, 256 * 1024 - 1));
  EXPECT_EQ(e.codec, Codec::kStored);
  EXPECT_EQ(e.compressed_bytes, 256 * 1024 - 1);
}

TEST(Codec, OneCompressibleSampleMakesTheWholeStreamCompressed) {
  const std::string noise = RandomBytes(kMiB, 4);
  const uint64_t middle = (kMiB - kSample) / 2;
  for (uint64_t at : {uint64_t{0}, middle, kMiB - kSample}) {
    SCOPED_TRACE("compressible sample at " + std::to_string(at));
    std::string in = noise;
    FillRun(&in, at, at + kSample);
    const Encoded e = EncodeAndCheck(in);
    EXPECT_EQ(e.codec, Codec::kZstd);
    EXPECT_LT(e.out.size(), kMiB - kSample / 2);
    EXPECT_GE(e.compressed_bytes, kMiB);
  }
}

// The documented trade-off: compressible stretches that no sample sees are
// stored with the rest.
TEST(Codec, CompressibleStretchesBetweenTheSamplesAreStored) {
  const uint64_t middle = (kMiB - kSample) / 2;
  std::string in = RandomBytes(kMiB, 5);
  FillRun(&in, kSample, middle);
  FillRun(&in, middle + kSample, kMiB - kSample);
  const Encoded e = EncodeAndCheck(in);
  EXPECT_EQ(e.codec, Codec::kStored);
  EXPECT_EQ(e.compressed_bytes, 3 * kSample);
  EXPECT_TRUE(e.out == in);
}

// zstd's high levels can store fp16 sign/exponent planes larger than level 1
// does; from kAlsoTryLevel1From up, EncodeStream keeps the smaller frame, so
// --max is never larger than the default preset on a tensor stream.
size_t ZstdSize(const uint8_t* p, size_t n, int level) {
  std::string out(ZSTD_compressBound(n), '\0');
  const size_t r = ZSTD_compress(&out[0], out.size(), p, n, level);
  EXPECT_FALSE(ZSTD_isError(r));
  return r;
}

TEST(Codec, HighLevelsAreNeverLargerThanLevelOne) {
  // Planes under 256 KiB: compressed whole, not probed.
  const std::string f16 = fixtures::SyntheticPayload(1, 256 * 1024, 11);
  std::string planes(f16.size(), '\0');
  SplitStreams(Transform::kSplit, FindGgmlType(1), reinterpret_cast<const uint8_t*>(f16.data()), f16.size(),
               reinterpret_cast<uint8_t*>(&planes[0]));
  const uint8_t* p = reinterpret_cast<const uint8_t*>(planes.data());
  const uint64_t half = f16.size() / 2;
  bool exercised = false;  // zstd -19 alone is larger than -1 on some plane
  for (const uint8_t* plane : {p, p + half}) {
    const size_t one = ZstdSize(plane, half, 1);
    for (int level : {kAlsoTryLevel1From, 19, 22}) {
      SCOPED_TRACE("level " + std::to_string(level));
      if (ZstdSize(plane, half, level) > one) exercised = true;
      std::string high;
      const uint64_t before = CompressorInputBytesForTesting();
      EncodeStream(plane, half, level, &high);
      EXPECT_EQ(CompressorInputBytesForTesting() - before, 2 * half);
      EXPECT_LE(high.size(), one);
    }
  }
  EXPECT_TRUE(exercised);
}

}  // namespace
}  // namespace sgz::internal
