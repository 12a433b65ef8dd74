// End-to-end: every pack in these tests is unpacked and compared byte for byte.
#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include "common/checksum.h"
#include "container/stream_reader.h"
#include "fixture_set.h"
#include "gguf_builder.h"
#include "test_util.h"

namespace sgz::internal {
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
  // The fp16 high bytes (exponents) of d and dmin compress well (transform
  // 5 keeps the header planes of transform 1).
  EXPECT_GT(stats.streams["ctx.Q4_K.header.b1"].raw, 2 * stats.streams["ctx.Q4_K.header.b1"].stored);
  EXPECT_GT(stats.streams["ctx.Q4_K.header.b3"].raw, 2 * stats.streams["ctx.Q4_K.header.b3"].stored);
  // The re-expressed quants, coded with their contexts (codec 2), are
  // smaller than the raw nibbles (zstd gains nothing on them).
  EXPECT_LT(stats.streams["ctx.Q4_K.qs"].stored * 100, stats.streams["ctx.Q4_K.qs"].raw * 99);
}

}  // namespace
}  // namespace sgz::internal

namespace sgz::internal {
namespace {

std::string UnpackFromStream(const std::string& archive, Status* status) {
  std::unique_ptr<InputStream> in = NewMemoryInputStream(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
  StringSink sink;
  StreamUnpackStats stats;
  *status = UnpackStream(in.get(), &sink, &stats);
  return sink.out;
}

TEST(StreamUnpack, EveryFixtureDecodesInOrder) {
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    PackOptions o;
    o.chunk_size = kMinChunkSize;
    Status s;
    EXPECT_TRUE(UnpackFromStream(Pack(f.bytes, o), &s) == f.bytes) << f.path;
    EXPECT_TRUE(s.ok()) << f.path << ": " << s.ToString();
  }
}

TEST(StreamUnpack, TruncationAndDamageAreReported) {
  PackOptions o;
  o.chunk_size = 16384;
  const std::string demo = fixtures::DemoModel();
  const std::string archive = Pack(demo, o);
  for (size_t n = 0; n < archive.size(); n += 1009) {
    Status s;
    UnpackFromStream(archive.substr(0, n), &s);
    EXPECT_FALSE(s.ok()) << n;
  }
  Status s;
  UnpackFromStream(archive + "x", &s);
  EXPECT_NE(s.message().find("trailing bytes"), std::string::npos) << s.ToString();
  fixtures::Rng rng(5);
  for (int i = 0; i < 300; ++i) {
    std::string bad = archive;
    size_t pos = rng.Next() % bad.size();
    bad[pos] = static_cast<char>(bad[pos] ^ (1 + rng.Next() % 255));
    std::string out = UnpackFromStream(bad, &s);
    if (s.ok()) {
      EXPECT_TRUE(out == demo) << "flip at " << pos;
    }
  }
}

TEST(StreamPack, PipeAndMemoryInputsGiveTheSameArchive) {
  // A pipe delivers the input in small pieces; the archive must not change.
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::string written;
    std::thread feeder([&] {
      size_t pos = 0;
      while (pos < f.bytes.size()) {
        size_t n = std::min<size_t>(777, f.bytes.size() - pos);
        ssize_t w = write(fds[1], f.bytes.data() + pos, n);
        if (w <= 0) break;
        pos += static_cast<size_t>(w);
      }
      close(fds[1]);
    });
    std::unique_ptr<InputStream> in = NewFdInputStream(fds[0], "pipe");
    StringSink sink;
    PackStats stats;
    PackOptions o;
    o.chunk_size = kMinChunkSize;
    Status s = Pack(in.get(), o, &sink, &stats);
    feeder.join();
    close(fds[0]);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(sink.out == Pack(f.bytes, o)) << f.path;
    EXPECT_TRUE(Unpack(sink.out) == f.bytes) << f.path;
  }
}

TEST(Extract, TensorsByNameWithSuggestions) {
  const std::string demo = fixtures::DemoModel();
  const std::string archive = Pack(demo);
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  for (const TensorEntry& t : (*a)->file().tensors) {
    std::string buf(t.size, '\0');
    ASSERT_TRUE((*a)->ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), buf.size()).ok());
    EXPECT_TRUE(buf == demo.substr(t.offset, t.size)) << t.name;
  }
  std::string small(10, '\0');
  EXPECT_EQ((*a)->ReadTensor("token_embd.weight", reinterpret_cast<uint8_t*>(&small[0]), 10).code(),
            Status::Code::kInvalidArgument);
  Result<const TensorEntry*> missing = (*a)->FindTensor("blk.0.attn_q");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("did you mean: blk.0.attn_q.weight"), std::string::npos)
      << missing.status().message();
}

TEST(Extract, EveryCorpusTensorAndRandomRanges) {
  SGZ_REQUIRE_CORPUS();
  fixtures::Rng rng(17);
  for (const std::string& path : testing::CorpusFiles()) {
    SCOPED_TRACE(path);
    const std::string bytes = testing::ReadFile(path);
    PackOptions o;
    o.chunk_size = 256 * 1024;  // several chunks per large tensor
    const std::string archive = Pack(bytes, o);
    Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
    ASSERT_TRUE(a.ok());
    const Manifest& m = (*a)->manifest();
    for (const TensorEntry& t : (*a)->file().tensors) {
      std::string buf(t.size, '\0');
      const uint64_t read_before = (*a)->source().bytes_read();
      ASSERT_TRUE((*a)->ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), buf.size()).ok());
      ASSERT_TRUE(buf == bytes.substr(t.offset, t.size)) << t.name;
      // Only chunks that overlap the tensor were read.
      uint64_t overlapping = 0, pos = 0;
      for (uint32_t c : (*a)->file().chunks) {
        const uint64_t end = pos + m.chunks[c].original_size;
        if (pos < t.offset + t.size && end > t.offset) overlapping += m.chunks[c].stored_size;
        pos = end;
      }
      EXPECT_EQ((*a)->source().bytes_read() - read_before, overlapping) << t.name;
    }
    for (int i = 0; i < 40; ++i) {
      const uint64_t off = rng.Next() % bytes.size();
      const uint64_t len = rng.Next() % std::min<uint64_t>(bytes.size() - off + 1, 3 << 20);
      std::string buf(len, '\0');
      ASSERT_TRUE((*a)->ReadRange(off, len, reinterpret_cast<uint8_t*>(&buf[0])).ok());
      ASSERT_TRUE(buf == bytes.substr(off, len)) << off << "+" << len;
    }
  }
}

}  // namespace
}  // namespace sgz::internal

namespace sgz::internal {
namespace {

TEST(Threads, ArchiveBytesDoNotDependOnThreadCount) {
  const std::string demo = fixtures::DemoModel();
  PackOptions o;
  o.chunk_size = kMinChunkSize;
  o.threads = 1;
  const std::string one = Pack(demo, o);
  for (unsigned t : {2u, 3u, 8u}) {
    o.threads = t;
    EXPECT_TRUE(Pack(demo, o) == one) << t << " threads";
  }
  for (unsigned t : {1u, 4u}) {
    Result<std::unique_ptr<Archive>> a = OpenMemory(one);
    ASSERT_TRUE(a.ok());
    (*a)->set_threads(t);
    StringSink sink;
    ASSERT_TRUE((*a)->Unpack(&sink).ok());
    EXPECT_TRUE(sink.out == demo);
    std::unique_ptr<InputStream> in = NewMemoryInputStream(reinterpret_cast<const uint8_t*>(one.data()), one.size());
    StringSink streamed;
    StreamUnpackStats stats;
    ASSERT_TRUE(UnpackStream(in.get(), &streamed, &stats, t).ok());
    EXPECT_TRUE(streamed.out == demo);
  }
}

}  // namespace
}  // namespace sgz::internal
