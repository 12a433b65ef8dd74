// End-to-end: every pack in these tests is unpacked and compared byte for byte.
#include <gtest/gtest.h>

#include "common/checksum.h"
#include "fixture_set.h"
#include "gguf_builder.h"
#include "test_util.h"

namespace sgz {
namespace {

using testing::OpenMemory;
using testing::Pack;
using testing::Unpack;

TEST(RoundTrip, EveryFixtureAtSeveralLevelsAndChunkSizes) {
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    for (int level : {1, 3, 19}) {
      for (uint64_t chunk : {kMinChunkSize, kDefaultChunkSize}) {
        SCOPED_TRACE(f.path + " level " + std::to_string(level) + " chunk " + std::to_string(chunk));
        PackOptions o;
        o.level = level;
        o.chunk_size = chunk;
        PackStats stats;
        const std::string archive = Pack(f.bytes, o, &stats);
        EXPECT_TRUE(Unpack(archive) == f.bytes);
        EXPECT_EQ(stats.archive_size, archive.size());
        // Broken GGUF files are packed all the same, with a notice.
        EXPECT_EQ(stats.gguf, f.expected_error.empty());
        EXPECT_EQ(stats.notice.empty(), f.expected_error.empty());
      }
    }
  }
}

TEST(RoundTrip, OpaqueInputsOfAnySize) {
  fixtures::Rng rng(1);
  for (uint64_t n : {0, 1, 5, 4095, 4096, 4097, 100000}) {
    std::string in(n, '\0');
    for (char& c : in) c = static_cast<char>(rng.Next() % 7);
    PackOptions o;
    o.chunk_size = kMinChunkSize;
    EXPECT_TRUE(Unpack(Pack(in, o)) == in) << n;
  }
}

TEST(RoundTrip, ManifestDescribesGgufAndOpaqueFiles) {
  const std::string demo = fixtures::DemoModel();
  const std::string archive = Pack(demo);
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  const FileEntry& f = (*a)->file();
  EXPECT_EQ(f.kind, EntryKind::kGguf);
  EXPECT_EQ(f.original_size, demo.size());
  EXPECT_EQ(f.checksum, Xxh3(demo.data(), demo.size()));
  EXPECT_EQ(f.tensors.size(), 21u);
  EXPECT_EQ(f.tensors[0].name, "token_embd.weight");
  EXPECT_EQ(f.tensors[0].type, 12u);
  uint64_t stored = 0;
  for (const TensorEntry& t : f.tensors) stored += (*a)->TensorStoredBytes(t);
  EXPECT_LT(stored, archive.size());

  const std::string opaque = Pack("not a gguf file at all, just text");
  a = OpenMemory(opaque);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->file().kind, EntryKind::kOpaque);
  EXPECT_NE((*a)->file().note.find("bad magic"), std::string::npos);
}

TEST(RoundTrip, ChunksOfATensorHoldOnlyThatTensor) {
  const std::string demo = fixtures::DemoModel();
  PackOptions o;
  o.chunk_size = kMinChunkSize;
  const std::string archive = Pack(demo, o);
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  for (const TensorEntry& t : (*a)->file().tensors) {
    std::string out(t.size, '\0');
    (*a)->source();
    const uint64_t before = (*a)->chunks_decoded();
    ASSERT_TRUE((*a)->ReadRange(t.offset, t.size, reinterpret_cast<uint8_t*>(&out[0])).ok());
    EXPECT_TRUE(out == demo.substr(t.offset, t.size)) << t.name;
    // Decoded exactly the chunks this tensor needs.
    const uint64_t per_chunk = kMinChunkSize / FindGgmlType(t.type)->block_bytes * FindGgmlType(t.type)->block_bytes;
    EXPECT_EQ((*a)->chunks_decoded() - before, (t.size + per_chunk - 1) / per_chunk) << t.name;
  }
}

TEST(RoundTrip, RandomRangesReadBack) {
  const std::string demo = fixtures::DemoModel();
  PackOptions o;
  o.chunk_size = kMinChunkSize;
  const std::string archive = Pack(demo, o);
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  fixtures::Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    uint64_t off = rng.Next() % demo.size();
    uint64_t len = rng.Next() % std::min<uint64_t>(demo.size() - off + 1, 20000);
    std::string out(len, '\0');
    ASSERT_TRUE((*a)->ReadRange(off, len, reinterpret_cast<uint8_t*>(&out[0])).ok());
    EXPECT_TRUE(out == demo.substr(off, len)) << off << "+" << len;
  }
  std::string out(10, '\0');
  EXPECT_EQ((*a)->ReadRange(demo.size() - 5, 10, reinterpret_cast<uint8_t*>(&out[0])).code(),
            Status::Code::kInvalidArgument);
}

TEST(RoundTrip, DamagedArchivesFailWithNamedErrorsNeverWrongBytes) {
  const std::string demo = fixtures::DemoModel();
  PackOptions o;
  o.chunk_size = 16384;
  const std::string archive = Pack(demo, o);
  fixtures::Rng rng(11);
  for (int i = 0; i < 400; ++i) {
    std::string bad = archive;
    size_t pos = rng.Next() % bad.size();
    bad[pos] = static_cast<char>(bad[pos] ^ (1 + rng.Next() % 255));
    Result<std::unique_ptr<Archive>> a = OpenMemory(bad);
    if (!a.ok()) {
      EXPECT_FALSE(a.status().message().empty());
      continue;
    }
    StringSink sink;
    Status s = (*a)->Unpack(&sink);
    if (s.ok()) {
      EXPECT_TRUE(sink.out == demo) << "flip at " << pos << " gave wrong bytes silently";
    } else {
      EXPECT_NE(s.message().find("chunk"), std::string::npos) << s.ToString();
    }
  }
  for (size_t n = 0; n < archive.size(); n += 997) EXPECT_FALSE(OpenMemory(archive.substr(0, n)).ok()) << n;
}

TEST(RoundTrip, EveryCorpusFileIsByteIdentical) {
  SGZ_REQUIRE_CORPUS();
  const std::vector<std::string> files = testing::CorpusFiles();
  ASSERT_GE(files.size(), 10u);
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    const std::string bytes = testing::ReadFile(path);
    PackStats stats;
    const std::string archive = Pack(bytes, PackOptions(), &stats);
    EXPECT_TRUE(stats.gguf) << stats.notice;
    EXPECT_TRUE(Unpack(archive) == bytes);
  }
}

TEST(RoundTrip, Q4KMBeatsWholeFileZstdAtTheSameLevel) {
  SGZ_REQUIRE_CORPUS();
  const std::string bytes = testing::ReadFile(testing::CorpusDir() + "/llm-mix/esrgan-thick-llm-mix-Q4_K_M.gguf");
  ASSERT_FALSE(bytes.empty());
  PackStats stats;
  const std::string archive = Pack(bytes, PackOptions(), &stats);
  ASSERT_TRUE(Unpack(archive) == bytes);
  StringSink whole;
  EncodeStream(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), kDefaultLevel, &whole.out);
  EXPECT_LT(archive.size(), whole.out.size());
  EXPECT_GT(stats.streams["Q4_K.header"].raw, stats.streams["Q4_K.header"].stored);
}

}  // namespace
}  // namespace sgz
