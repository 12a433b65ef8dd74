// Copy chunks (transform 2, format 2.1): the writer stores a chunk of several
// members once and writes later ones as copies; every member reads back
// byte for byte, one member reads only its own chunks and the ones they copy,
// and the reader refuses hostile copies (forward, self, copy of a copy, size
// or checksum unlike the target's, outside 2.1, copies in a stream).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "container/stream_reader.h"
#include "container/writer.h"
#include "manifest_builder.h"
#include "reader_test_util.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using ::sgz_test::ReadFile;
using testing::ManifestOf;
using testing::ManifestOffset;
using testing::UnpackMember;

constexpr const char* kA = "/fixtures/valid/all-types.gguf";
constexpr const char* kB = "/fixtures/demo.gguf";

const std::string& Bytes(const char* path) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, ReadFile(testing::SourceDir() + path)).first;
  return it->second;
}

size_t Copies(const Manifest& m) {
  size_t n = 0;
  for (const ChunkEntry& c : m.chunks) n += c.transform == Transform::kCopy;
  return n;
}

TEST(CopyChunks, MembersShareIdenticalChunksAndReadBack) {
  const std::vector<const char*> paths = {kA, kB, kA, kB};
  const std::string archive = testing::PackedMembers({paths.begin(), paths.end()});
  const Manifest m = ManifestOf(archive);
  ASSERT_EQ(m.files.size(), 4u);
  // Members 2 and 3 are members 0 and 1 again: every chunk of theirs a copy
  // of the same chunk of the first copy, and only theirs.
  EXPECT_EQ(Copies(m), m.files[2].chunks.size() + m.files[3].chunks.size());
  for (uint32_t k : {2u, 3u}) {
    for (size_t j = 0; j < m.files[k].chunks.size(); ++j) {
      const ChunkEntry& c = m.chunks[m.files[k].chunks[j]];
      EXPECT_EQ(c.transform, Transform::kCopy);
      EXPECT_EQ(c.type, m.files[k - 2].chunks[j]);
      EXPECT_EQ(c.stored_size, ChunkHeader::kFixedLength);
    }
  }
  for (uint32_t i = 0; i < paths.size(); ++i) EXPECT_TRUE(UnpackMember(archive, i) == Bytes(paths[i])) << "member " << i;
  // Chunk bytes: those of the first two members, and 24 bytes per copy;
  // and the member records of the other two (no attributes: from memory).
  const std::string two = testing::PackedMembers({kA, kB});
  std::string records;
  for (const char* name : {"m2", "m3"}) {
    MemberRecord r;
    r.name = name;
    r.EncodeTo(&records);
  }
  EXPECT_EQ(ManifestOffset(archive), ManifestOffset(two) + Copies(m) * ChunkHeader::kFixedLength + records.size());
}

TEST(CopyChunks, OneMemberReadsOnlyItsChunksAndTheirTargets) {
  const std::string archive = testing::PackedMembers({kA, kB, kA});
  const Manifest m = ManifestOf(archive);
  const testing::MemberRead r = testing::ReadMemberRecorded(archive, 2);
  EXPECT_TRUE(r.bytes == Bytes(kA));
  // Every read after opening lies in chunks of member 0 (the targets), or is
  // the header read that starts at 0 with chunk 0.
  const ChunkEntry& first = m.chunks[m.files[0].chunks.front()];
  const ChunkEntry& last = m.chunks[m.files[0].chunks.back()];
  ASSERT_FALSE(r.reads.empty());
  for (size_t i = 0; i < r.reads.size(); ++i) {
    const auto [offset, n] = r.reads[i];
    EXPECT_GE(offset + n, first.file_offset);
    EXPECT_LE(offset + n, last.file_offset + last.stored_size) << "read " << i << " past member 0's chunks";
  }
  EXPECT_EQ(r.chunks_decoded, m.files[2].chunks.size());
}

// The archive of {kB, kB} with chunk entry `index` changed by `edit`, the
// manifest re-encoded (valid checksum) at version 2.`minor`.
std::string Edited(uint32_t index, const std::function<void(ChunkEntry*)>& edit, uint16_t minor = 1) {
  return testing::WithChunkEntryEdited(testing::PackedMembers({kB, kB}), index, edit, minor);
}

// Member 1, the one whose chunks are copies, is refused.
void ExpectRefused(const std::string& archive, ErrorCode code, const std::string& text) {
  testing::ExpectMemberRefused(archive, 1, code, text);
}

TEST(CopyChunks, HostileCopiesAreRefused) {
  const std::string archive = testing::PackedMembers({kB, kB});
  const Manifest m = ManifestOf(archive);
  const uint32_t n = static_cast<uint32_t>(m.files[0].chunks.size());
  ASSERT_GE(n, 2u);
  ASSERT_EQ(m.chunks.size(), 2 * n);
  // As written, it reads.
  EXPECT_TRUE(UnpackMember(Edited(n, [](ChunkEntry*) {}), 1) == Bytes(kB));
  ExpectRefused(Edited(n, [n](ChunkEntry* c) { c->type = n + 1; }), ErrorCode::kCorrupt,
                "chunk " + std::to_string(n) + ": copy of chunk " + std::to_string(n + 1) + ", which does not precede it");
  ExpectRefused(Edited(n, [n](ChunkEntry* c) { c->type = n; }), ErrorCode::kCorrupt, "which does not precede it");
  ExpectRefused(Edited(n + 1, [n](ChunkEntry* c) { c->type = n; }), ErrorCode::kCorrupt, "itself a copy");
  ExpectRefused(Edited(n, [](ChunkEntry* c) { c->original_size -= 1; }), ErrorCode::kCorrupt,
                "whose original size or checksum differs");
  ExpectRefused(Edited(n, [](ChunkEntry* c) { c->checksum ^= 1; }), ErrorCode::kCorrupt,
                "whose original size or checksum differs");
  ExpectRefused(Edited(n, [](ChunkEntry* c) { c->type = 1; }), ErrorCode::kCorrupt,
                "whose original size or checksum differs");
  ExpectRefused(Edited(n, [](ChunkEntry* c) { c->stream_count = 1; }), ErrorCode::kCorrupt, "stream count 1, expected 0");
  // Transform 2 is 2.1's: in an archive that says 2.0 it is corrupt (a 2.0
  // reader would say so too), in one of 2.2 a 2.1 reader knows it.
  ExpectRefused(Edited(n, [](ChunkEntry*) {}, 0), ErrorCode::kCorrupt, "defined since format 2.1");
  EXPECT_TRUE(UnpackMember(Edited(n, [](ChunkEntry*) {}, 2), 1) == Bytes(kB));
}

TEST(CopyChunks, ACheckOfEverythingReadsCopyHeaders) {
  std::string archive = testing::PackedMembers({kB, kB});
  const Manifest m = ManifestOf(archive);
  const size_t k = 1;  // member 1's second chunk, a copy
  const ChunkEntry& copy = m.chunks[m.files[1].chunks[k]];
  ASSERT_EQ(copy.transform, Transform::kCopy);
  archive[copy.file_offset + 16] ^= 1;  // its checksum field
  // Reads take the target's bytes and never see it...
  EXPECT_TRUE(UnpackMember(archive, 1) == Bytes(kB));
  // ...a check of every chunk does, and reports it as that chunk's damage.
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  Result<FileView*> v = (*a)->view(1);
  ASSERT_TRUE(v.ok());
  std::vector<std::pair<size_t, std::string>> damage;
  StringSink sink;
  const Status s = (*v)->UnpackPastDamage(&sink, [&](size_t at, const Status& failure) {
    damage.push_back({at, failure.message()});
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(damage.size(), 1u);
  EXPECT_EQ(damage[0].first, k);
  EXPECT_NE(damage[0].second.find("disagrees with the manifest"), std::string::npos) << damage[0].second;
  EXPECT_EQ(sink.out.size(), Bytes(kB).size() - copy.original_size);
}

TEST(CopyChunks, AStreamServesCopiesOfAMemberTheManifestDropped) {
  // One file whose chunks are copies of chunks of a file the manifest no
  // longer lists (a member replaced by an append): both readers read it, the
  // stream reader from the spool of the chunks it passed over.
  const std::string archive = testing::PackedMembers({kB, kB});
  Manifest m = ManifestOf(archive);
  m.files.erase(m.files.begin());
  const std::string one = testing::Rebuild(archive, testing::ManifestV2(m), 2, 1);
  EXPECT_TRUE(testing::RandomAccessUnpack(one).output == Bytes(kB));
  const testing::UnpackOutcome streamed = testing::StreamingUnpack(one, "m1");
  EXPECT_TRUE(streamed.status.ok()) << streamed.status.ToString();
  EXPECT_TRUE(streamed.output == Bytes(kB));
  EXPECT_TRUE(testing::StreamingVerify(one).ok());
  // Without the member's name, the stream reader cannot tell which one the
  // manifest keeps before it reads it: it refuses at the second record.
  const testing::UnpackOutcome any = testing::StreamingUnpack(one);
  EXPECT_EQ(any.status.code(), ErrorCode::kNotSupported) << any.status.ToString();
  EXPECT_NE(any.status.message().find("holds several members"), std::string::npos) << any.status.ToString();
}

TEST(CopyChunks, AStreamStepsOverASupersededManifest) {
  const std::string packed = testing::PackedMembers({kB, kB});  // member 1: copies of member 0
  const Manifest m = ManifestOf(packed);
  const uint16_t minor = LoadU16LE(reinterpret_cast<const uint8_t*>(packed.data()) + 10);
  const size_t second = packed.find("SGZR", 16 + 1);  // member 1's record
  ASSERT_NE(second, std::string::npos);
  Manifest before = m;
  before.files.resize(1);
  before.chunks.resize(m.files[0].chunks.size());
  // The layout `sgz add` writes: more records and chunks, then a new
  // manifest and footer, after the old manifest and footer, now a gap.
  const std::string old = testing::AppendManifest(packed.substr(0, second), testing::ManifestV2(before), 2, minor);
  const std::string added = packed.substr(second, ManifestOffset(packed) - second);  // member 1's record and chunks
  Manifest after = m;
  for (ChunkEntry& c : after.chunks) {
    if (c.file_offset > second) c.file_offset += old.size() - second;
  }
  const std::string appended = testing::AppendManifest(old + added, testing::ManifestV2(after), 2, minor);
  EXPECT_TRUE(testing::RandomAccessUnpack(old).output == Bytes(kB));
  EXPECT_TRUE(UnpackMember(appended, 1) == Bytes(kB));
  EXPECT_TRUE(testing::StreamingUnpack(old).output == Bytes(kB));
  const testing::UnpackOutcome one = testing::StreamingUnpack(appended, "m1");
  EXPECT_TRUE(one.status.ok()) << one.status.ToString();
  EXPECT_TRUE(one.output == Bytes(kB));
  EXPECT_TRUE(testing::StreamingVerify(appended).ok()) << testing::StreamingVerify(appended).ToString();
  // The superseded manifest is checked as it passes.
  std::string bad = appended;
  bad[second + 20] ^= 1;
  EXPECT_EQ(testing::StreamingVerify(bad).code(), Status::Code::kChecksumMismatch);
  // A chunk the last manifest does not list is refused.
  Manifest fewer = after;
  fewer.files.resize(1);
  fewer.chunks.resize(before.chunks.size());
  const std::string unlisted = testing::AppendManifest(old + added, testing::ManifestV2(fewer), 2, minor);
  EXPECT_NE(testing::StreamingVerify(unlisted).message().find("lists"), std::string::npos);
}

TEST(CopyChunks, TheFirstChunkAfterAMemberRecordChecksTheHeader) {
  // Chunk 0 follows member 0's record, not the header; reading it still
  // brings the header along (the 64 KiB suffix read at open does not reach it).
  std::string archive = testing::PackedMembers({kB, kB});
  ASSERT_GT(archive.size(), 1u << 17);
  ASSERT_EQ(archive.compare(16, 4, "SGZR"), 0);
  EXPECT_TRUE(UnpackMember(archive, 0) == Bytes(kB));
  archive[12] = 1;  // the header's reserved flags
  Status s;
  UnpackMember(archive, 0, &s);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt) << s.ToString();
}

}  // namespace
}  // namespace sgz::internal
