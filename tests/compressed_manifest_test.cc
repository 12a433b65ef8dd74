// Format 2.1's compressed manifest (section ZSEC: CHNK and FILE inside one
// zstd frame): when the writer uses it (small archives where it pays), that
// both readers read it, that the decoded sections follow the same rules as
// the body's, that each rule of the frame is enforced, and that a frame which
// claims more than it holds costs no more memory than it decodes.
#include <gtest/gtest.h>

#include <zstd.h>

#include <cstdio>

#include "../fixtures/gen/gguf_builder.h"
#include "manifest_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using testing::Rebuild;
using testing::Section;
using testing::Tag;
using Outcome = testing::UnpackOutcome;

const testing::PackedFixture& Base() { return testing::PackedAllTypes(); }

void ExpectReads(const std::string& archive, const std::string& original) {
  for (const Outcome& o : {testing::RandomAccessUnpack(archive), testing::StreamingUnpack(archive)}) {
    EXPECT_TRUE(o.status.ok()) << o.status.ToString();
    EXPECT_TRUE(o.output == original) << "output differs";
  }
}

void ExpectRefused(const std::string& archive, Status::Code code, const std::string& needle) {
  for (const Outcome& o : {testing::RandomAccessUnpack(archive), testing::StreamingUnpack(archive)}) {
    EXPECT_EQ(o.status.code(), code) << o.status.ToString();
    EXPECT_NE(o.status.message().find(needle), std::string::npos) << o.status.ToString() << "\nwanted: " << needle;
  }
}

// The tag of the first section of the archive's manifest, and its minor.
uint32_t FirstSectionTag(const std::string& a) {
  const uint64_t offset = LoadU64LE(reinterpret_cast<const uint8_t*>(a.data()) + a.size() - Footer::kEncodedLength);
  return LoadU32LE(reinterpret_cast<const uint8_t*>(a.data()) + offset + kManifestFrameHeader);
}
uint16_t Minor(const std::string& a) { return LoadU16LE(reinterpret_cast<const uint8_t*>(a.data()) + 10); }

std::string Gguf(int tensors) {
  fixtures::GgufBuilder b;
  b.KvString("general.architecture", "test");
  fixtures::Rng rng(7);
  for (int i = 0; i < tensors; ++i) {
    std::string payload(512, '\0');
    for (char& c : payload) c = static_cast<char>(rng.Next());
    b.TensorWithPayload("blk." + std::to_string(i) + ".ffn_down.weight", 0, {128}, payload);
  }
  return b.Build();
}

// all-types.gguf in 4 KiB chunks: 45 KB, a manifest of about 12% of it.
TEST(CompressedManifest, TheWriterUsesItWhereItPays) {
  const testing::PackedFixture& b = Base();
  EXPECT_EQ(FirstSectionTag(b.archive), kCompressedSectionsTag);
  EXPECT_EQ(Minor(b.archive), 1) << "from a buffer: no attributes, yet 2.1 for the section";
  EXPECT_EQ(LoadU16LE(reinterpret_cast<const uint8_t*>(b.archive.data()) + b.archive.size() - 14), 1) << "footer";
  ExpectReads(b.archive, b.original);
  std::string plain;
  b.manifest.EncodeTo(&plain);
  const std::string plain_archive = Rebuild(b.archive, plain, 2, 0);
  ExpectReads(plain_archive, b.original);
  EXPECT_LT(b.archive.size() * 200, plain_archive.size() * 199) << "at least 0.5% smaller";

  // A few bytes are not worth losing 2.0 readers: 'hello' stays 2.0, plain.
  PackOptions o;
  o.threads = 1;
  const std::string hello = testing::Pack("hello", o);
  EXPECT_EQ(FirstSectionTag(hello), kChunkTableTag);
  EXPECT_EQ(Minor(hello), 0);
}

// The writer holds 1 MiB of output to decide the header's minor at the end;
// a larger archive keeps the plain manifest even where compressing it would
// pay (here a tensor table of 13% of the archive).
TEST(CompressedManifest, ArchivesAboveOneMebibyteKeepThePlainManifest) {
  PackOptions o;
  o.threads = 2;
  o.format_minor = kPredictSinceMinor;  // as 2.3 writes them: the header's minor decided at 1 MiB
  PackStats stats;
  const std::string small = Gguf(1500), large = Gguf(2500);
  const std::string a_small = testing::Pack(small, o), a_large = testing::Pack(large, o, &stats);
  ASSERT_LT(a_small.size(), 1u << 20);
  ASSERT_GT(a_large.size(), 1u << 20);
  EXPECT_EQ(FirstSectionTag(a_small), kCompressedSectionsTag);
  EXPECT_EQ(Minor(a_small), 1);
  EXPECT_EQ(FirstSectionTag(a_large), kChunkTableTag);
  EXPECT_EQ(Minor(a_large), 0);
  ExpectReads(a_small, small);
  ExpectReads(a_large, large);
  // Compressing would have paid: the same manifest compressed is over 0.5% smaller.
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(a_large);
  ASSERT_TRUE(a.ok());
  std::string plain, packed;
  (*a)->manifest().EncodeTo(&plain);
  ASSERT_TRUE((*a)->manifest().EncodeCompressedTo(9, &packed));
  EXPECT_GT((plain.size() - packed.size()) * 200, a_large.size());
}

// Inside ZSEC, sections follow the body's rules: each known tag once in the
// whole manifest, CHNK before FILE, unknown ones skipped or refused.
TEST(CompressedManifest, DecodedSectionsFollowTheBodysRules) {
  const testing::PackedFixture& b = Base();
  const Section chnk = testing::ChunkSection(b.manifest), file = testing::FileSection(b.manifest);
  const Section note{Tag("NOTE"), 0, 2, "skipped"};
  const Section pred{Tag("PRED"), kSectionRequired, kFormatMinor + 1, "needs a later minor"};
  auto z = [](std::vector<Section> inner, int level = 9) { return testing::CompressedSection(inner, level); };
  auto with = [&](std::vector<Section> body) { return Rebuild(b.archive, testing::ManifestV2(body), 2, 1); };
  ExpectReads(with({z({chnk, file})}), b.original);
  ExpectReads(with({z({chnk, file}, /*level=*/1)}), b.original);  // any level
  ExpectReads(with({chnk, z({file})}), b.original);                // any split, in order
  ExpectReads(with({note, z({note, chnk, file, note}), note}), b.original);
  // 2.1 readers do not check the archive's minor for a section they know.
  ExpectReads(Rebuild(b.archive, testing::ManifestV2({z({chnk, file})}), 2, 0), b.original);

  ExpectRefused(with({z({file, chnk})}), Status::Code::kCorrupt, "section 'FILE' precedes section 'CHNK'");
  ExpectRefused(with({z({file}), chnk}), Status::Code::kCorrupt, "section 'FILE' precedes section 'CHNK'");
  ExpectRefused(with({chnk, z({chnk, file})}), Status::Code::kCorrupt, "section 'CHNK' appears twice");
  ExpectRefused(with({z({chnk}), z({file})}), Status::Code::kCorrupt, "section 'ZSEC' appears twice");
  // (Zeros around the inner ZSEC let the outer frame be smaller than it.)
  const Section zeros{Tag("NOTE"), 0, 2, std::string(4096, '\0')};
  ExpectRefused(with({z({z({chnk, file}), zeros})}), Status::Code::kCorrupt, "section 'ZSEC' inside section 'ZSEC'");
  ExpectRefused(with({z({chnk})}), Status::Code::kCorrupt, "no section 'FILE'");
  ExpectRefused(with({z({chnk, file, pred})}), Status::Code::kNotSupported,
                "manifest section 'PRED' needs a reader of format 2." + std::to_string(kFormatMinor + 1) + " or later");
  // Content that is not a sequence of sections.
  std::string cut = testing::SectionBytes({chnk, file});
  cut.append(15, '\0');
  ExpectRefused(with({testing::CompressedBytes(cut)}), Status::Code::kCorrupt,
                "truncated section header at section 'ZSEC' content offset " + std::to_string(cut.size() - 15));
  std::string past = testing::SectionBytes({chnk, file});
  past[16 + chnk.content.size() + 8] += 1;  // FILE's size
  ExpectRefused(with({testing::CompressedBytes(past)}), Status::Code::kCorrupt,
                "bytes left in the section 'ZSEC' content");
}

using testing::RawFrame;
using testing::Zsec;

TEST(CompressedManifest, FrameRulesAreEnforced) {
  const testing::PackedFixture& b = Base();
  const std::string inner =
      testing::SectionBytes({testing::ChunkSection(b.manifest), testing::FileSection(b.manifest)});
  const uint64_t n = inner.size();
  auto with = [&](const Section& z) { return Rebuild(b.archive, testing::ManifestV2({z}), 2, 1); };
  const std::string bare = RawFrame(inner, false);
  ExpectReads(with(Zsec(n, bare)), b.original);  // the content size is optional
  ExpectReads(with(Zsec(n, RawFrame(inner, true))), b.original);

  // decoded_size lies: the declared content size, or the decoder, tells.
  ExpectRefused(with(testing::CompressedBytes(inner, 9, +1)), Status::Code::kCorrupt,
                "zstd frame declares " + std::to_string(n) + " bytes, expected " + std::to_string(n + 1));
  ExpectRefused(with(testing::CompressedBytes(inner, 9, -1)), Status::Code::kCorrupt, "zstd frame declares");
  ExpectRefused(with(Zsec(n + 1, bare)), Status::Code::kCorrupt,
                "zstd frame decodes to " + std::to_string(n) + " bytes, expected " + std::to_string(n + 1));
  ExpectRefused(with(Zsec(n - 1, bare)), Status::Code::kCorrupt,
                "zstd frame decodes to more than " + std::to_string(n - 1) + " bytes");
  // Exactly one frame, not skippable, smaller than what it decodes to.
  ExpectRefused(with(Zsec(n, bare + "x")), Status::Code::kCorrupt, "its first frame ends at byte");
  std::string skippable;
  PutU32(&skippable, 0x184D2A50);
  PutU32(&skippable, 4);
  skippable += "abcd";
  ExpectRefused(with(Zsec(n, skippable + bare)), Status::Code::kCorrupt, "skippable frame");
  ExpectRefused(with(Zsec(bare.size(), bare)), Status::Code::kCorrupt,
                "section 'ZSEC': frame of " + std::to_string(bare.size()) +
                    " bytes is not smaller than its decoded size " + std::to_string(bare.size()));
  ExpectRefused(with(Zsec(n, bare.substr(0, bare.size() - 1))), Status::Code::kCorrupt, "section 'ZSEC': zstd");
  Section short_size{Tag("ZSEC"), kSectionRequired, 1, "1234567"};
  ExpectRefused(with(short_size), Status::Code::kCorrupt, "truncated reading section 'ZSEC'");
  // The window: at most 8 MiB, whatever the frame holds.
  ExpectRefused(with(Zsec(n, RawFrame(inner, false, 24))), Status::Code::kCorrupt,
                "zstd frame needs a window above 8388608 bytes");
  ExpectReads(with(Zsec(n, RawFrame(inner, false, 23))), b.original);
  // decoded_size above the manifest limit, refused before decoding.
  ExpectRefused(with(Zsec(kMaxManifestSize + 1, bare)), Status::Code::kResourceExhausted,
                "section 'ZSEC': decoded size 1073741825 exceeds the limit 1073741824");
}

// A frame of a few bytes that claims the largest decoded_size allowed: the
// reader allocates only as the frame produces bytes (64 KiB here), never the
// 1 GiB it claims.
TEST(CompressedManifest, AFrameThatClaimsTheLimitCostsWhatItDecodes) {
  const testing::PackedFixture& b = Base();
  const std::string bare = RawFrame("tiny", false);
  ASSERT_LT(bare.size(), 32u);
  GrowingDecodePeakBytesForTesting();
  const std::string archive = Rebuild(b.archive, testing::ManifestV2({Zsec(kMaxManifestSize, bare)}), 2, 1);
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kCorrupt);
  EXPECT_NE(a.status().message().find("zstd frame decodes to 4 bytes, expected 1073741824"), std::string::npos)
      << a.status().ToString();
  EXPECT_EQ(GrowingDecodePeakBytesForTesting(), 64u << 10);

  // A frame that decodes 8 MiB of zeros from a few hundred bytes: the buffer
  // grows with the output, to what was decoded (plus one byte of headroom
  // when zstd has not said the frame ended).
  const std::string zeros = RawFrame(std::string(8 << 20, '\0'), false);
  ASSERT_LT(zeros.size(), 1024u);
  std::string out;
  EXPECT_TRUE(DecodeFrameGrowing(reinterpret_cast<const uint8_t*>(zeros.data()), zeros.size(), 8 << 20, &out).ok());
  EXPECT_EQ(out, std::string(8 << 20, '\0'));
  const uint64_t peak = GrowingDecodePeakBytesForTesting();
  EXPECT_GE(peak, 8u << 20);
  EXPECT_LE(peak, (8u << 20) + 1);
  Status s = DecodeFrameGrowing(reinterpret_cast<const uint8_t*>(zeros.data()), zeros.size(), kMaxManifestSize, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt) << s.ToString();
  EXPECT_LE(GrowingDecodePeakBytesForTesting(), 16u << 20);
}

}  // namespace
}  // namespace sgz::internal
