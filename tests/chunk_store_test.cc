// The chunk store: merged reads (counted on a recording source), the cache,
// parallel decoding and errors inside a batch.
#include <gtest/gtest.h>

#include <numeric>

#include "container/chunk_store.h"
#include "reader_test_util.h"

namespace sgz::internal {
namespace {

using testing::BatchResult;
using testing::ReadBatch;
using testing::RecordingSource;

class ChunkStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { demo_ = new testing::PackedDemo(); }
  static void TearDownTestSuite() { delete demo_; }

  std::unique_ptr<ChunkStore> Open(const ChunkStoreOptions& options = ChunkStoreOptions(),
                                   const std::string* archive = nullptr) {
    Result<std::unique_ptr<ChunkStore>> s =
        ChunkStore::Open(testing::Record(archive ? *archive : demo_->archive, log_), options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  // Chunks [first, first + count): file 0 references every chunk in order.
  static std::vector<uint32_t> Range(uint32_t first, uint32_t count) {
    std::vector<uint32_t> v(count);
    std::iota(v.begin(), v.end(), first);
    return v;
  }
  static std::string Expected(const ChunkStore& store, const std::vector<uint32_t>& indices) {
    const std::vector<ChunkEntry>& chunks = store.manifest().chunks;
    std::string out;
    for (uint32_t i : indices) {
      uint64_t start = 0;
      for (uint32_t c = 0; c < i; ++c) start += chunks[c].original_size;
      out += demo_->original.substr(start, chunks[i].original_size);
    }
    return out;
  }
  // Archive range [offset of the first, end of the last) of adjacent chunks.
  static std::pair<uint64_t, uint64_t> Span(const ChunkStore& store, uint32_t first, uint32_t count) {
    const std::vector<ChunkEntry>& chunks = store.manifest().chunks;
    uint64_t n = 0;
    for (uint32_t c = first; c < first + count; ++c) n += chunks[c].stored_size;
    return {chunks[first].file_offset, n};
  }
  size_t Reads() const { return log_->reads.size(); }

  static testing::PackedDemo* demo_;
  std::shared_ptr<RecordingSource::Log> log_ = std::make_shared<RecordingSource::Log>();
};

testing::PackedDemo* ChunkStoreTest::demo_ = nullptr;

TEST_F(ChunkStoreTest, AdjacentChunksAreReadWithOneRead) {
  std::unique_ptr<ChunkStore> store = Open();
  ASSERT_GT(store->manifest().chunks.size(), 100u);
  const size_t before = Reads();
  const BatchResult r = ReadBatch(store.get(), Range(40, 8), CacheKeep::kNone);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(Reads() - before, 1u);
  EXPECT_EQ(log_->reads.back(), Span(*store, 40, 8));
  EXPECT_TRUE(r.bytes == Expected(*store, Range(40, 8)));
  EXPECT_EQ(r.order, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(store->chunks_decoded(), 8u);
}

TEST_F(ChunkStoreTest, ChunksApartInTheArchiveAreSeparateReads) {
  std::unique_ptr<ChunkStore> store = Open();
  const std::vector<uint32_t> indices = {40, 42, 50, 49};
  const size_t before = Reads();
  const BatchResult r = ReadBatch(store.get(), indices, CacheKeep::kNone);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(Reads() - before, 4u);  // 50 then 49: adjacent in the archive, not in this order
  for (size_t k = 0; k < indices.size(); ++k) EXPECT_EQ(log_->reads[before + k], Span(*store, indices[k], 1)) << k;
  EXPECT_TRUE(r.bytes == Expected(*store, indices));
}

TEST_F(ChunkStoreTest, MergedReadsStayWithinTheirBound) {
  ChunkStoreOptions o;
  {
    std::unique_ptr<ChunkStore> probe = Open();
    o.max_merged_read = Span(*probe, 60, 3).second;  // exactly the first three chunks
  }
  std::unique_ptr<ChunkStore> store = Open(o);
  const size_t before = Reads();
  const BatchResult r = ReadBatch(store.get(), Range(60, 20), CacheKeep::kNone);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.bytes == Expected(*store, Range(60, 20)));
  EXPECT_EQ(log_->reads[before], Span(*store, 60, 3));
  // The reads tile the chunks' span, each within the bound.
  uint64_t pos = Span(*store, 60, 1).first;
  for (size_t i = before; i < Reads(); ++i) {
    EXPECT_EQ(log_->reads[i].first, pos);
    EXPECT_LE(log_->reads[i].second, o.max_merged_read);
    pos += log_->reads[i].second;
  }
  EXPECT_EQ(pos, Span(*store, 60, 20).first + Span(*store, 60, 20).second);
  EXPECT_GE(Reads() - before, 6u);

  // A chunk larger than the bound is read alone.
  o.max_merged_read = 1;
  std::unique_ptr<ChunkStore> single = Open(o);
  const size_t at = Reads();
  ASSERT_TRUE(ReadBatch(single.get(), Range(60, 5), CacheKeep::kNone).status.ok());
  EXPECT_EQ(Reads() - at, 5u);
}

TEST_F(ChunkStoreTest, ACacheHitReadsAndDecodesNothing) {
  std::unique_ptr<ChunkStore> store = Open();
  std::vector<uint8_t> first, second;
  ASSERT_TRUE(store->DecodeChunk(70, &first).ok());
  const size_t reads = Reads();
  ASSERT_TRUE(store->DecodeChunk(70, &second).ok());
  EXPECT_EQ(store->chunks_decoded(), 1u);
  EXPECT_EQ(Reads(), reads);
  EXPECT_EQ(store->cache_hits(), 1u);
  EXPECT_TRUE(first == second);
  EXPECT_TRUE(std::string(first.begin(), first.end()) == Expected(*store, {70}));
}

TEST_F(ChunkStoreTest, TheCacheIsBoundedInChunksAndBytes) {
  ChunkStoreOptions o;
  o.cache_chunks = 2;
  std::unique_ptr<ChunkStore> store = Open(o);
  std::vector<uint8_t> out;
  for (uint32_t c : {1u, 2u, 3u}) ASSERT_TRUE(store->DecodeChunk(c, &out).ok());
  ASSERT_TRUE(store->DecodeChunk(3, &out).ok());  // kept
  EXPECT_EQ(store->chunks_decoded(), 3u);
  ASSERT_TRUE(store->DecodeChunk(1, &out).ok());  // evicted, least recently used
  EXPECT_EQ(store->chunks_decoded(), 4u);

  o.cache_chunks = 8;
  o.cache_bytes = store->manifest().chunks[5].original_size - 1;
  std::unique_ptr<ChunkStore> small = Open(o);
  ASSERT_TRUE(small->DecodeChunk(5, &out).ok());
  ASSERT_TRUE(small->DecodeChunk(5, &out).ok());
  EXPECT_EQ(small->chunks_decoded(), 2u);  // larger than the byte bound: never kept
}

TEST_F(ChunkStoreTest, ARangeKeepsItsFirstAndLastChunks) {
  std::unique_ptr<ChunkStore> store = Open();
  ASSERT_TRUE(ReadBatch(store.get(), Range(30, 5), CacheKeep::kEnds).status.ok());
  ASSERT_EQ(store->chunks_decoded(), 5u);
  EXPECT_TRUE(ReadBatch(store.get(), {30}, CacheKeep::kNone).status.ok());
  EXPECT_TRUE(ReadBatch(store.get(), {34}, CacheKeep::kNone).status.ok());
  EXPECT_EQ(store->chunks_decoded(), 5u);
  EXPECT_TRUE(ReadBatch(store.get(), {32}, CacheKeep::kNone).status.ok());
  EXPECT_EQ(store->chunks_decoded(), 6u);
  // A whole-file pass keeps nothing.
  ASSERT_TRUE(ReadBatch(store.get(), Range(50, 4), CacheKeep::kNone).status.ok());
  ASSERT_TRUE(ReadBatch(store.get(), {50}, CacheKeep::kNone).status.ok());
  EXPECT_EQ(store->chunks_decoded(), 11u);
}

TEST_F(ChunkStoreTest, CachedChunksSplitARunAndAreNotReadAgain) {
  std::unique_ptr<ChunkStore> store = Open();
  std::vector<uint8_t> out;
  ASSERT_TRUE(store->DecodeChunk(12, &out).ok());
  const size_t before = Reads();
  const BatchResult r = ReadBatch(store.get(), Range(10, 5), CacheKeep::kNone);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(Reads() - before, 2u);
  EXPECT_EQ(log_->reads[before], Span(*store, 10, 2));
  EXPECT_EQ(log_->reads[before + 1], Span(*store, 13, 2));
  EXPECT_EQ(store->chunks_decoded(), 5u);
  EXPECT_TRUE(r.bytes == Expected(*store, Range(10, 5)));
}

TEST_F(ChunkStoreTest, AParallelBatchEqualsTheSerialOne) {
  ChunkStoreOptions o;
  o.max_merged_read = 64 << 10;  // many runs in flight at once
  std::unique_ptr<ChunkStore> serial = Open(o);
  const std::vector<uint32_t> all = Range(0, static_cast<uint32_t>(serial->manifest().chunks.size()));
  serial->set_threads(1);
  const BatchResult want = ReadBatch(serial.get(), all, CacheKeep::kNone);
  ASSERT_TRUE(want.status.ok()) << want.status.ToString();
  ASSERT_TRUE(want.bytes == demo_->original);
  for (unsigned threads : {2u, 3u, 8u}) {
    std::unique_ptr<ChunkStore> store = Open(o);
    store->set_threads(threads);
    const BatchResult got = ReadBatch(store.get(), all, CacheKeep::kEnds);
    ASSERT_TRUE(got.status.ok()) << threads << ": " << got.status.ToString();
    EXPECT_TRUE(got.bytes == want.bytes) << threads << " threads";
    EXPECT_EQ(got.order, want.order) << threads << " threads";
  }
}

TEST_F(ChunkStoreTest, ACorruptChunkInABatchIsNamedAndNothingAfterItIsUsed) {
  std::string bad = demo_->archive;
  std::unique_ptr<ChunkStore> probe = Open();
  const ChunkEntry& e = probe->manifest().chunks[20];
  bad[e.file_offset + e.stored_size - 1] ^= 0x20;
  for (unsigned threads : {1u, 4u}) {
    SCOPED_TRACE(threads);
    std::unique_ptr<ChunkStore> store = Open(ChunkStoreOptions(), &bad);
    store->set_threads(threads);
    const BatchResult r = ReadBatch(store.get(), Range(15, 10), CacheKeep::kAll);
    ASSERT_FALSE(r.status.ok());
    EXPECT_NE(r.status.message().find("chunk 20 (tensor '"), std::string::npos) << r.status.ToString();
    EXPECT_EQ(r.order, (std::vector<size_t>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(r.bytes == Expected(*store, Range(15, 5)));
    // Neither the bad chunk nor those decoded after it were kept.
    const uint64_t decoded = store->chunks_decoded();
    EXPECT_FALSE(ReadBatch(store.get(), {20}, CacheKeep::kNone).status.ok());
    ASSERT_TRUE(ReadBatch(store.get(), {21}, CacheKeep::kNone).status.ok());
    EXPECT_EQ(store->chunks_decoded(), decoded + 1);
  }
}

TEST_F(ChunkStoreTest, ASourceErrorNamesTheChunk) {
  std::unique_ptr<ChunkStore> store = Open();
  log_->fail_from = Reads() + 1;
  const BatchResult r = ReadBatch(store.get(), Range(40, 3), CacheKeep::kNone);
  EXPECT_EQ(r.status.code(), Status::Code::kIoError);
  EXPECT_EQ(r.status.message().find("chunk 40"), 0u) << r.status.ToString();
  EXPECT_TRUE(r.order.empty());
}

TEST_F(ChunkStoreTest, AnIndexOutsideTheChunkTableIsRejected) {
  std::unique_ptr<ChunkStore> store = Open();
  const uint32_t n = static_cast<uint32_t>(store->manifest().chunks.size());
  const size_t before = Reads();
  EXPECT_EQ(ReadBatch(store.get(), {1, n}, CacheKeep::kNone).status.code(), Status::Code::kInvalidArgument);
  ChunkHeader h;
  EXPECT_EQ(store->ReadChunkHeader(n, &h).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Reads(), before);
}

TEST_F(ChunkStoreTest, ChunkHeadersAreReadAlone) {
  std::unique_ptr<ChunkStore> store = Open();
  const ChunkEntry& e = store->manifest().chunks[33];
  ChunkHeader h;
  const size_t before = Reads();
  ASSERT_TRUE(store->ReadChunkHeader(33, &h).ok());
  EXPECT_EQ(Reads() - before, 1u);
  EXPECT_EQ(log_->reads.back(), std::make_pair(e.file_offset, uint64_t{h.EncodedLength()}));
  EXPECT_EQ(h.checksum, e.checksum);
  EXPECT_EQ(h.original_size, e.original_size);
  EXPECT_EQ(store->chunks_decoded(), 0u);
}

TEST_F(ChunkStoreTest, ChunksAreDescribedByTheirTensor) {
  std::unique_ptr<ChunkStore> store = Open();
  EXPECT_EQ(store->DescribeChunk(0), "chunk 0 (metadata)");
  const FileEntry& f = store->manifest().files[0];
  const TensorEntry& t = f.tensors[0];
  uint64_t start = 0;
  uint32_t c = 0;
  while (start < t.offset) start += store->manifest().chunks[c++].original_size;
  ASSERT_EQ(start, t.offset);
  EXPECT_EQ(store->DescribeChunk(c), "chunk " + std::to_string(c) + " (tensor '" + t.name + "')");
}

// Small files put several tensors in one chunk (and a chunk may start in the
// padding before a tensor): a chunk is described by every tensor it holds,
// not only by the one holding its first byte.
TEST(ChunkDescriptions, AChunkOfSeveralTensorsNamesThem) {
  const std::string packed = testing::Pack(fixtures::DemoModel());  // default chunks: grouped
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(packed);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const Manifest& m = (*a)->manifest();
  const FileEntry& f = m.files[0];
  size_t shared = 0, many = 0;
  uint64_t start = 0;
  for (uint32_t c : f.chunks) {
    const uint64_t end = start + m.chunks[c].original_size;
    std::vector<std::string> names;
    for (const TensorEntry& t : f.tensors) {
      if (t.size > 0 && t.offset < end && start < t.offset + t.size) names.push_back("'" + t.name + "'");
    }
    std::string want = "chunk " + std::to_string(c);
    if (start < f.data_offset) {
      ASSERT_TRUE(names.empty()) << "the demo's metadata has a chunk of its own";
      want += " (metadata)";
    } else if (names.size() == 1) {
      want += " (tensor " + names[0] + ")";
    } else if (names.size() <= 3) {
      want += " (tensors " + names[0] + ", " + names[1] + (names.size() == 3 ? ", " + names[2] : "") + ")";
    } else {
      want += " (tensors " + names[0] + ", " + names[1] + ", " + names[2] + " and " +
              std::to_string(names.size() - 3) + " more)";
    }
    EXPECT_EQ((*a)->DescribeChunk(c), want);
    shared += names.size() > 1;
    many += names.size() > 3;
    start = end;
  }
  EXPECT_GT(shared, 0u);
  EXPECT_GT(many, 0u);
}

}  // namespace
}  // namespace sgz::internal
