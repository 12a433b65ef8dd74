// The chunk store's parents of predicted chunks (transform 4): which it keeps
// in its parent cache, and the pool their buffers come from.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "container/byte_source.h"
#include "container/chunk_store.h"
#include "container/chunk_store_buffers.h"

namespace sgz::internal {
namespace {

const char kFamily[] = "/fixtures/format-2.3-predicted/family.sgz";

std::unique_ptr<ChunkStore> OpenFamily() {
  Result<std::unique_ptr<ByteSource>> source = OpenFileSource(std::string(SGZ_SOURCE_DIR) + kFamily);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  if (!source.ok()) return nullptr;
  Result<std::unique_ptr<ChunkStore>> store = ChunkStore::Open(std::move(source.value()));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store.value()) : nullptr;
}

// The predicted chunks of member `name`, and the chunks that are their
// parents (parameter bytes 4..8 of stream 0, after the chunk's header).
void PredictedChunks(ChunkStore& store, const std::string& name, std::vector<uint32_t>* chunks,
                     std::vector<uint32_t>* parents) {
  for (const FileEntry& f : store.manifest().files) {
    if (f.name != name) continue;
    for (uint32_t c : f.chunks) {
      const ChunkEntry& e = store.manifest().chunks[c];
      if (e.transform != Transform::kPredict) continue;
      std::vector<uint8_t> bytes(e.stored_size);
      ASSERT_TRUE(store.source().Read(e.file_offset, e.stored_size, bytes.data()).ok());
      const size_t params = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength * e.stream_count;
      chunks->push_back(c);
      parents->push_back(bytes[params + 4] | bytes[params + 5] << 8 | bytes[params + 6] << 16 |
                         static_cast<uint32_t>(bytes[params + 7]) << 24);
    }
  }
}

// Decodes `chunks` as one batch; the chunks decoded for it.
uint64_t Decodes(ChunkStore& store, const std::vector<uint32_t>& chunks, std::string* out) {
  const uint64_t before = store.chunks_decoded();
  out->clear();
  Status s = store.ReadChunks(chunks.data(), chunks.size(), CacheKeep::kNone,
                              [out](size_t, const std::vector<uint8_t>& d) {
                                out->append(d.begin(), d.end());
                                return Status::Ok();
                              });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return store.chunks_decoded() - before;
}

TEST(ChunkStoreParents, KeptFromTheirSecondRead) {
  std::unique_ptr<ChunkStore> store = OpenFamily();
  ASSERT_TRUE(store);
  std::vector<uint32_t> chunks, parents;
  PredictedChunks(*store, "tiny-Q4_K.gguf", &chunks, &parents);
  ASSERT_EQ(chunks.size(), 3u);
  ASSERT_EQ(parents, (std::vector<uint32_t>{2, 3, 4}));  // one parent each
  std::string first, again;
  // One member alone: each parent decoded for its child and not kept...
  EXPECT_EQ(Decodes(*store, chunks, &first), 6u);
  EXPECT_EQ(Decodes(*store, chunks, &again), 6u);
  EXPECT_EQ(again, first);
  // ... but read a second time, it is: the next batch decodes the children only.
  EXPECT_EQ(Decodes(*store, chunks, &again), 3u);
  EXPECT_EQ(again, first);
}

TEST(ChunkStoreParents, KeptWhenTheirMemberWasReadFirst) {
  // A whole family's unpack: the parent member, then its predicted members.
  std::unique_ptr<ChunkStore> store = OpenFamily();
  ASSERT_TRUE(store);
  std::vector<uint32_t> chunks, parents;
  PredictedChunks(*store, "tiny-Q4_K.gguf", &chunks, &parents);
  std::string bytes, first;
  EXPECT_EQ(Decodes(*store, parents, &bytes), 3u);
  EXPECT_EQ(Decodes(*store, chunks, &first), 6u);
  std::string again;
  EXPECT_EQ(Decodes(*store, chunks, &again), 3u);
  EXPECT_EQ(again, first);
}

// A chunk that fails after a predicted chunk in the same batch is its own
// failure, not its parent's: a parent is checked only when one of its
// children fails (parents are decoded unchecked), and the batch's items are
// reused (one thread: the next chunk takes the predicted one's item).
TEST(ChunkStoreParents, AFailureAfterAPredictedChunkIsNotItsParents) {
  std::unique_ptr<ChunkStore> store = OpenFamily();
  ASSERT_TRUE(store);
  std::vector<uint32_t> chunks, parents;
  PredictedChunks(*store, "tiny-Q4_K.gguf", &chunks, &parents);
  ASSERT_FALSE(chunks.empty());
  uint32_t referencing = 0;
  const std::vector<ChunkEntry>& table = store->manifest().chunks;
  for (uint32_t c = 0; c < table.size(); ++c) {
    if (table[c].transform == Transform::kReference && table[c].stored_size > 40) referencing = c;
  }
  ASSERT_NE(referencing, 0u);
  std::vector<uint8_t> archive(store->source().Size());
  ASSERT_TRUE(store->source().Read(0, archive.size(), archive.data()).ok());
  const ChunkEntry& e = table[referencing];
  archive[e.file_offset + e.stored_size - 2] ^= 0x55;  // in its zstd stream
  Result<std::unique_ptr<ChunkStore>> damaged =
      ChunkStore::Open(NewMemorySource(archive.data(), archive.size()));
  ASSERT_TRUE(damaged.ok()) << damaged.status().ToString();
  damaged.value()->set_threads(1);
  const uint32_t batch[2] = {chunks[0], referencing};
  Status s = damaged.value()->ReadChunks(batch, 2, CacheKeep::kNone,
                                         [](size_t, const std::vector<uint8_t>&) { return Status::Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("chunk " + std::to_string(referencing) + " ", 0), 0u) << s.message();
  EXPECT_EQ(s.message().find("parent"), std::string::npos) << s.message();
}

TEST(BufferPool, ReusesFreedBuffersWithinItsBound) {
  std::shared_ptr<BufferPool> pool = BufferPool::Make(1000);
  std::shared_ptr<std::vector<uint8_t>> a = pool->Take(600);
  EXPECT_GE(a->capacity(), 600u);
  a->assign(600, 7);
  const uint8_t* where = a->data();
  a.reset();
  EXPECT_EQ(pool->free_bytes(), 600u);
  // The smallest free buffer that holds the request, bytes as they were left.
  std::shared_ptr<std::vector<uint8_t>> b = pool->Take(300);
  EXPECT_EQ(b->data(), where);
  EXPECT_EQ(b->size(), 600u);
  EXPECT_EQ(pool->free_bytes(), 0u);
  // Too small for a request: a new buffer, the free one stays.
  b.reset();
  std::shared_ptr<std::vector<uint8_t>> c = pool->Take(700);
  EXPECT_GE(c->capacity(), 700u);
  EXPECT_NE(c->data(), where);
  EXPECT_EQ(pool->free_bytes(), 600u);
  // Over the bound: the larger buffer is kept, the smaller one dropped.
  c.reset();
  EXPECT_EQ(pool->free_bytes(), 700u);
  // Buffers outlive the pool's owner.
  std::shared_ptr<std::vector<uint8_t>> d = pool->Take(10);
  pool.reset();
  d->assign(10, 1);
  d.reset();
}

}  // namespace
}  // namespace sgz::internal
