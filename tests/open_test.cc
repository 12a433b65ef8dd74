// Opening an archive: one source read when the manifest fits in the suffix,
// two otherwise; the header checked at open or, for archives larger than
// the suffix, with the first read at offset 16, never with a read of its own.
#include <gtest/gtest.h>

#include "container/reader.h"
#include "gguf_builder.h"
#include "reader_test_util.h"

namespace sgz::internal {
namespace {

using testing::RecordingSource;

using Log = RecordingSource::Log;

Result<std::unique_ptr<Archive>> OpenRecorded(const std::string& archive, std::shared_ptr<Log> log,
                                              const ChunkStoreOptions& o = ChunkStoreOptions()) {
  return Archive::Open(testing::Record(archive, std::move(log)), o);
}

// Pseudo-random bytes that do not compress: `chunks` opaque chunks of 4 KiB.
std::string Incompressible(size_t chunks) {
  fixtures::Rng rng(5);
  std::string s(chunks * kMinChunkSize, '\0');
  for (size_t i = 0; i < s.size(); i += 8) {
    const uint64_t v = rng.Next();
    memcpy(&s[i], &v, 8);
  }
  return s;
}

TEST(Open, ASmallArchiveIsOneReadWithTheHeaderChecked) {
  const std::string archive = testing::Pack("hello, sgz\n");
  ASSERT_LT(archive.size(), ChunkStoreOptions().open_suffix);
  auto log = std::make_shared<Log>();
  Result<std::unique_ptr<Archive>> a = OpenRecorded(archive, log);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(log->reads.size(), 1u);
  EXPECT_EQ(log->reads[0], std::make_pair(uint64_t{0}, uint64_t{archive.size()}));
  EXPECT_TRUE((*a)->store().header_checked());
  EXPECT_EQ((*a)->source().read_calls(), 1u);
}

TEST(Open, AManifestInsideTheSuffixIsOneRead) {
  const testing::PackedDemo demo;  // ~250 chunks: a manifest of a few KiB
  ASSERT_GT(demo.archive.size(), ChunkStoreOptions().open_suffix);
  auto log = std::make_shared<Log>();
  Result<std::unique_ptr<Archive>> a = OpenRecorded(demo.archive, log);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(log->reads.size(), 1u);
  const uint64_t suffix = ChunkStoreOptions().open_suffix;
  EXPECT_EQ(log->reads[0], std::make_pair(demo.archive.size() - suffix, suffix));
  EXPECT_FALSE((*a)->store().header_checked());
  // Until checked, the header's version is the footer's.
  EXPECT_EQ((*a)->header().major, (*a)->store().footer().major);
  EXPECT_EQ((*a)->header().minor, (*a)->store().footer().minor);

  // One tensor of several chunks is then one more read.
  const TensorEntry* big = nullptr;
  for (const TensorEntry& t : (*a)->file().tensors) {
    if (big == nullptr || t.size > big->size) big = &t;
  }
  ASSERT_GT(big->size, 4 * kMinChunkSize);
  std::string buf(big->size, '\0');
  ASSERT_TRUE((*a)->ReadTensor(big->name, reinterpret_cast<uint8_t*>(&buf[0]), buf.size()).ok());
  EXPECT_TRUE(buf == demo.original.substr(big->offset, big->size));
  EXPECT_EQ(log->reads.size(), 2u);
}

TEST(Open, AManifestLargerThanTheSuffixIsTwoReads) {
  const std::string original = Incompressible(2600);  // 2600 chunk entries: over 64 KiB of manifest
  PackOptions po;
  po.chunk_size = kMinChunkSize;
  // Format 2.3 keeps a manifest of an archive over 1 MiB plain (a later
  // header declares ZSEC's version from the start and compresses it).
  po.format_minor = 3;
  const std::string archive = testing::Pack(original, po);
  auto log = std::make_shared<Log>();
  Result<std::unique_ptr<Archive>> a = OpenRecorded(archive, log);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const Footer& f = (*a)->store().footer();
  ASSERT_GT(f.manifest_size, ChunkStoreOptions().open_suffix);
  ASSERT_EQ(log->reads.size(), 2u);
  EXPECT_EQ(log->reads[1], std::make_pair(f.manifest_offset, f.manifest_size));
  EXPECT_TRUE(testing::Unpack(archive) == original);

  // The same with a small suffix on the demo archive.
  const testing::PackedDemo demo;
  ChunkStoreOptions o;
  o.open_suffix = 100;
  auto small = std::make_shared<Log>();
  Result<std::unique_ptr<Archive>> b = OpenRecorded(demo.archive, small, o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(small->reads.size(), 2u);
  EXPECT_EQ(small->reads[0], std::make_pair(demo.archive.size() - 100, uint64_t{100}));
}

TEST(Open, EveryCommittedArchiveOpensInAtMostTwoReads) {
  int n = 0;
  for (const char* name : {"all-types-4k-chunks.sgz", "all-types.gguf.sgz", "big-endian.gguf.sgz", "hello.sgz",
                           "opaque.sgz", "trailing-bytes.gguf.sgz", "zero-tensors.gguf.sgz"}) {
    SCOPED_TRACE(name);
    const std::string archive = testing::ReadFile(testing::SourceDir() + "/fixtures/format-1.0/" + name);
    ASSERT_FALSE(archive.empty());
    for (uint64_t suffix : {uint64_t{40}, uint64_t{4096}, uint64_t{64} << 10}) {
      auto log = std::make_shared<Log>();
      ChunkStoreOptions o;
      o.open_suffix = suffix;
      Result<std::unique_ptr<Archive>> a = OpenRecorded(archive, log, o);
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      EXPECT_LE(log->reads.size(), 2u) << suffix;
      StringSink sink;
      EXPECT_TRUE((*a)->Unpack(&sink).ok());
      EXPECT_TRUE((*a)->store().header_checked());
      ++n;
    }
  }
  EXPECT_EQ(n, 21);
}

TEST(Open, ALargeArchiveChecksItsHeaderWithTheReadOfChunkZero) {
  const testing::PackedDemo demo;
  auto log = std::make_shared<Log>();
  Result<std::unique_ptr<Archive>> a = OpenRecorded(demo.archive, log);
  ASSERT_TRUE(a.ok());
  ASSERT_FALSE((*a)->store().header_checked());
  std::vector<uint8_t> chunk;
  ASSERT_TRUE((*a)->DecodeChunk(1, &chunk).ok());  // not at offset 16: no header
  EXPECT_FALSE((*a)->store().header_checked());
  const size_t before = log->reads.size();
  ASSERT_TRUE((*a)->DecodeChunk(0, &chunk).ok());
  EXPECT_TRUE((*a)->store().header_checked());
  ASSERT_EQ(log->reads.size() - before, 1u);
  EXPECT_EQ(log->reads.back().first, 0u);  // the chunk's read, started 16 bytes early
}

TEST(Open, ABadHeaderOfALargeArchiveFailsEveryReadOfChunkZero) {
  const testing::PackedDemo demo;
  struct Case {
    size_t at;
    char value;
    Status::Code code;
    const char* message;
  };
  for (const Case& c : {Case{1, 'X', Status::Code::kCorrupt, "header: bad magic"},
                        // (the minor is the demo archive's: 1 when its manifest is compressed)
                        Case{8, 7, Status::Code::kNotSupported, "header: format version 7."},
                        Case{13, 1, Status::Code::kCorrupt, "header: reserved flags"}}) {
    SCOPED_TRACE(c.message);
    std::string bad = demo.archive;
    bad[c.at] = c.value;
    Result<std::unique_ptr<Archive>> a = testing::OpenMemory(bad);
    ASSERT_TRUE(a.ok()) << a.status().ToString();  // the footer and manifest are sound
    for (int i = 0; i < 2; ++i) {
      StringSink sink;
      Status s = (*a)->Unpack(&sink);
      EXPECT_EQ(s.code(), c.code) << s.ToString();
      EXPECT_EQ(s.message().find(c.message), 0u) << s.ToString();
      EXPECT_TRUE(sink.out.empty());
      EXPECT_FALSE((*a)->store().header_checked());
    }
    std::vector<uint8_t> header;
    GgufLayout layout;
    EXPECT_EQ((*a)->ReadGgufHeader(&header, &layout).code(), c.code);
    std::map<std::string, StreamTotals> streams;
    EXPECT_EQ((*a)->StreamStats(&streams).code(), c.code);
    // The same archive within the suffix fails at open, as before.
    ChunkStoreOptions whole;
    whole.open_suffix = bad.size();
    Result<std::unique_ptr<Archive>> b =
        Archive::Open(NewMemorySource(reinterpret_cast<const uint8_t*>(bad.data()), bad.size()), whole);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().code(), c.code);
    EXPECT_EQ(b.status().message().find(c.message), 0u) << b.status().ToString();
  }
}

TEST(Open, TheFootersVersionIsCheckedAtOpen) {
  const testing::PackedDemo demo;
  std::string bad = demo.archive;
  bad[bad.size() - 40 + 24] = 9;  // footer major
  auto log = std::make_shared<Log>();
  Result<std::unique_ptr<Archive>> a = OpenRecorded(bad, log);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(a.status().message().find("footer: format version 9." + std::to_string(demo.archive[10])), 0u)
      << a.status().ToString();
  EXPECT_EQ(log->reads.size(), 1u);
}

TEST(Open, ASourceErrorAtOpenIsReturned) {
  const testing::PackedDemo demo;
  for (uint64_t fail_from : {1u, 2u}) {
    auto log = std::make_shared<Log>();
    log->fail_from = fail_from;
    ChunkStoreOptions o;
    o.open_suffix = 100;  // two reads
    Result<std::unique_ptr<Archive>> a = OpenRecorded(demo.archive, log, o);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), Status::Code::kIoError) << fail_from;
  }
}

}  // namespace
}  // namespace sgz::internal
