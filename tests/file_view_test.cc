// File views: ranges across chunk boundaries, every tensor of a fixture, and
// a hand-made archive of three files whose files share chunks.
#include <gtest/gtest.h>

#include "common/checksum.h"
#include "container/reader.h"
#include "gguf_builder.h"
#include "reader_test_util.h"

namespace sgz::internal {
namespace {

std::string Read(const FileView& v, uint64_t offset, uint64_t n) {
  std::string out(n, '\0');
  Status s = v.ReadRange(offset, n, reinterpret_cast<uint8_t*>(&out[0]));
  EXPECT_TRUE(s.ok()) << offset << "+" << n << ": " << s.ToString();
  return out;
}

TEST(FileView, RangesAcrossChunkBoundaries) {
  const testing::PackedDemo demo;
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(demo.archive);
  ASSERT_TRUE(a.ok());
  const FileView& v = (*a)->view();
  const std::vector<uint64_t>& starts = v.starts();
  ASSERT_EQ(starts.size(), v.file().chunks.size());
  ASSERT_GT(starts.size(), 100u);
  for (size_t i = 1; i < starts.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(v.FindChunk(starts[i]), i);
    EXPECT_EQ(v.FindChunk(starts[i] - 1), i - 1);
    const uint64_t from = starts[i] - std::min<uint64_t>(starts[i], 3);
    EXPECT_TRUE(Read(v, from, 7) == demo.original.substr(from, 7));
    if (i + 2 < starts.size()) {  // three chunks: the middle one whole
      const uint64_t n = starts[i + 2] - starts[i - 1] - 2;
      EXPECT_TRUE(Read(v, starts[i - 1] + 1, n) == demo.original.substr(starts[i - 1] + 1, n));
    }
  }
  const uint64_t size = demo.original.size();
  EXPECT_TRUE(Read(v, size - 1, 1) == demo.original.substr(size - 1));
  EXPECT_TRUE(Read(v, 0, size) == demo.original);
  EXPECT_TRUE(Read(v, size, 0).empty());
  uint8_t byte;
  EXPECT_EQ(v.ReadRange(size, 1, &byte).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(v.ReadRange(1, UINT64_MAX, &byte).code(), Status::Code::kInvalidArgument);
}

TEST(FileView, EveryTensorOfTheFixtures) {
  int tensors = 0;
  for (const std::string& original :
       {fixtures::DemoModel(), testing::ReadFile(testing::SourceDir() + "/fixtures/valid/all-types.gguf")}) {
    ASSERT_FALSE(original.empty());
    PackOptions o;
    o.chunk_size = kMinChunkSize;
    const std::string archive = testing::Pack(original, o);
    Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
    ASSERT_TRUE(a.ok());
    const FileView& v = (*a)->view();
    ASSERT_EQ(v.file().kind, EntryKind::kGguf);
    for (const TensorEntry& t : v.file().tensors) {
      SCOPED_TRACE(t.name);
      Result<const TensorEntry*> found = v.FindTensor(t.name);
      ASSERT_TRUE(found.ok());
      EXPECT_EQ(*found, &t);
      std::string buf(t.size + 1, '\x7f');
      ASSERT_TRUE(v.ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), buf.size()).ok());
      EXPECT_TRUE(buf.substr(0, t.size) == original.substr(t.offset, t.size));
      EXPECT_EQ(buf[t.size], '\x7f');
      if (t.size > 0) {
        EXPECT_EQ(v.ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), t.size - 1).code(),
                  Status::Code::kInvalidArgument);
      }
      // The chunks starting inside the tensor are exactly the ones holding it.
      uint64_t stored = 0;
      for (size_t i = 0; i < v.starts().size(); ++i) {
        if (v.starts()[i] >= t.offset && v.starts()[i] < t.offset + t.size) {
          stored += (*a)->manifest().chunks[v.file().chunks[i]].stored_size;
        }
      }
      EXPECT_EQ(v.TensorStoredBytes(t), stored);
      EXPECT_EQ(t.size > 0, stored > 0);
      ++tensors;
    }
    Result<const TensorEntry*> missing = v.FindTensor("no.such.tensor");
    EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
    StringSink whole;
    ASSERT_TRUE(v.Unpack(&whole).ok());
    EXPECT_TRUE(whole.out == original);
  }
  EXPECT_GT(tensors, 20);
}

// Intact chunks but a wrong whole-file checksum (the manifest rewritten with
// a valid manifest checksum): unpack and the pass that goes on past damage
// (verify) fail alike, with the same words.
TEST(FileView, AWrongWholeFileChecksumIsReportedAlikeByBothPasses) {
  std::string original(3 * kMinChunkSize, 'x');
  PackOptions o;
  o.chunk_size = kMinChunkSize;
  const std::string packed = testing::Pack(original, o);
  Result<std::unique_ptr<Archive>> good = testing::OpenMemory(packed);
  ASSERT_TRUE(good.ok());
  Manifest m = (*good)->manifest();
  const uint64_t chunks_end = (*good)->store().footer().manifest_offset;
  m.files[0].checksum ^= 1;
  std::string archive = packed.substr(0, chunks_end), tail;
  m.EncodeTo(&tail);
  Footer footer = (*good)->store().footer();
  footer.manifest_size = tail.size();
  footer.manifest_checksum = Xxh3(tail.data(), tail.size());
  footer.EncodeTo(&tail);
  archive += tail;
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  StringSink sink;
  const Status unpacked = (*a)->view().Unpack(&sink);
  int damaged = 0;
  const Status verified = (*a)->view().UnpackPastDamage(nullptr, [&](size_t, const Status&) {
    ++damaged;
    return Status::Ok();
  });
  EXPECT_EQ(damaged, 0);
  EXPECT_EQ(unpacked.code(), Status::Code::kChecksumMismatch);
  EXPECT_EQ(verified.code(), Status::Code::kChecksumMismatch);
  EXPECT_EQ(verified.message(), unpacked.message());
}

// An archive with three files over the chunks of one packed input: file 0
// as written, file 1 = chunks 3..6 (a slice of file 0), file 2 = chunks 0, 5,
// 9 (shares chunk 5 with both). The spec lets several files reference a chunk.
class SharedChunks : public ::testing::Test {
 protected:
  void SetUp() override {
    fixtures::Rng rng(9);
    for (int i = 0; i < 12; ++i) {
      for (uint64_t j = 0; j < kMinChunkSize; ++j) original_ += static_cast<char>('a' + (rng.Next() % 7));
    }
    PackOptions o;
    o.chunk_size = kMinChunkSize;
    o.name = "first";
    const std::string packed = testing::Pack(original_, o);
    Result<std::unique_ptr<Archive>> a = testing::OpenMemory(packed);
    ASSERT_TRUE(a.ok());
    Manifest m = (*a)->manifest();
    ASSERT_EQ(m.chunks.size(), 12u);
    const uint64_t chunks_end = (*a)->store().footer().manifest_offset;
    expected_ = {original_, Chunks(m, {3, 4, 5, 6}), Chunks(m, {0, 5, 9})};
    AddFile(&m, "second", {3, 4, 5, 6});
    AddFile(&m, "third", {0, 5, 9});
    archive_ = packed.substr(0, chunks_end);
    Footer footer;
    footer.manifest_offset = chunks_end;
    std::string tail;
    m.EncodeTo(&tail);
    footer.manifest_size = tail.size();
    footer.manifest_checksum = Xxh3(tail.data(), tail.size());
    footer.EncodeTo(&tail);
    archive_ += tail;
  }
  std::string Chunks(const Manifest& m, const std::vector<uint32_t>& refs) const {
    std::string out;
    for (uint32_t c : refs) out += original_.substr(uint64_t{c} * kMinChunkSize, m.chunks[c].original_size);
    return out;
  }
  void AddFile(Manifest* m, const std::string& name, const std::vector<uint32_t>& refs) const {
    FileEntry f;
    f.name = name;
    f.chunks = refs;
    const std::string bytes = Chunks(*m, refs);
    f.original_size = bytes.size();
    f.checksum = Xxh3(bytes.data(), bytes.size());
    m->files.push_back(f);
  }

  std::string original_;
  std::string archive_;
  std::vector<std::string> expected_;
};

TEST_F(SharedChunks, EachFileReadsItsOwnBytes) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ((*a)->manifest().files.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    Result<FileView*> v = (*a)->view(i);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ((*v)->file_index(), i);
    EXPECT_EQ((*v)->file().original_size, expected_[i].size());
    std::vector<uint64_t> starts;
    for (uint64_t at = 0; at < expected_[i].size(); at += kMinChunkSize) starts.push_back(at);
    EXPECT_EQ((*v)->starts(), starts);
    StringSink sink;
    ASSERT_TRUE((*v)->Unpack(&sink).ok());
    EXPECT_TRUE(sink.out == expected_[i]);
    // Ranges across each of the file's chunk boundaries.
    for (uint64_t at = kMinChunkSize; at < expected_[i].size(); at += kMinChunkSize) {
      EXPECT_TRUE(Read(**v, at - 5, 10) == expected_[i].substr(at - 5, 10)) << at;
    }
    std::map<std::string, StreamTotals> streams;
    ASSERT_TRUE((*v)->StreamStats(&streams).ok());
    EXPECT_EQ(streams["raw"].raw, expected_[i].size());
  }
  EXPECT_EQ((*a)->view(3).status().code(), Status::Code::kInvalidArgument);
  // The view is made once and kept.
  EXPECT_EQ(*(*a)->view(2), *(*a)->view(2));
  // The facade acts on file 0.
  EXPECT_EQ((*a)->file().name, "first");
  // Chunks are named with the first file that references them.
  EXPECT_EQ((*a)->DescribeChunk(5), "chunk 5 (file 'first')");
}

TEST_F(SharedChunks, ASharedChunkIsDecodedOnceForBothFiles) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive_);
  ASSERT_TRUE(a.ok());
  FileView* second = *(*a)->view(1);
  FileView* third = *(*a)->view(2);
  // The tail of file 2's chunk 5 (its second chunk) ...
  EXPECT_TRUE(Read(*third, kMinChunkSize + 100, 50) == expected_[2].substr(kMinChunkSize + 100, 50));
  const uint64_t decoded = (*a)->chunks_decoded();
  // ... is the same chunk as file 1's third one: served from the cache.
  EXPECT_TRUE(Read(*second, 2 * kMinChunkSize + 10, 50) == expected_[1].substr(2 * kMinChunkSize + 10, 50));
  EXPECT_EQ((*a)->chunks_decoded(), decoded);
}

TEST_F(SharedChunks, ADamagedSharedChunkFailsEveryFileThatUsesIt) {
  Result<std::unique_ptr<Archive>> probe = testing::OpenMemory(archive_);
  ASSERT_TRUE(probe.ok());
  const ChunkEntry& e = (*probe)->manifest().chunks[5];
  std::string bad = archive_;
  bad[e.file_offset + e.stored_size - 1] ^= 1;
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(bad);
  ASSERT_TRUE(a.ok());
  for (uint32_t i = 0; i < 3; ++i) {
    StringSink sink;
    Status s = (*(*a)->view(i))->Unpack(&sink);
    ASSERT_FALSE(s.ok()) << i;
    EXPECT_EQ(s.message().find("chunk 5 (file 'first')"), 0u) << s.ToString();
  }
}

}  // namespace
}  // namespace sgz::internal
