// Referencing chunks (transform 3, format 2.2): the writer codes the GGUF
// metadata of later members against an earlier member's; every member reads
// back byte for byte (from a file or a stream), one member reads only its
// own chunks and their references, and the readers refuse hostile references
// (forward, self, to a copy or a referencing chunk, outside 2.2).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "container/chunk_encoder.h"
#include "container/meta_reference.h"
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

const std::string& Demo() {
  static const std::string* bytes = new std::string(ReadFile(testing::SourceDir() + "/fixtures/demo.gguf"));
  return *bytes;
}

// The demo model with its name's byte 12 made `c` ("sgz demo model" ->
// "sgz demo mod3l"): the same metadata but for one byte, as a quantization's
// is its parent's but for a few values.
std::string MakeVariant(char c) {
  std::string v = Demo();
  const size_t at = v.find("sgz demo model");
  EXPECT_NE(at, std::string::npos);
  v[at + 12] = c;
  return v;
}
const std::string& Variant() {
  static const std::string* bytes = new std::string(MakeVariant('3'));
  return *bytes;
}
const std::string& Variant2() {
  static const std::string* bytes = new std::string(MakeVariant('4'));
  return *bytes;
}
const std::string& AllTypes() {
  static const std::string* bytes = new std::string(ReadFile(testing::SourceDir() + "/fixtures/valid/all-types.gguf"));
  return *bytes;
}

std::string PackMemory(const std::vector<const std::string*>& inputs, bool references = true,
                       uint64_t chunk_size = kDefaultChunkSize) {
  PackOptions o;
  o.threads = 1;
  o.chunk_size = chunk_size;
  o.metadata_references = references;
  o.format_minor = kPredictSinceMinor;  // the minors of 2.1 to 2.3 (no chunk of 2.4)
  return testing::PackedStrings(inputs, o);
}

TEST(ReferenceChunks, LaterMetadataIsCodedAgainstTheFirstAndReadsBack) {
  const std::string archive = PackMemory({&Demo(), &Variant(), &Demo()});
  EXPECT_EQ(archive[10], 2) << "header minor";
  EXPECT_EQ(archive[archive.size() - Footer::kEncodedLength + 26], 2) << "footer minor";
  const Manifest m = ManifestOf(archive);
  ASSERT_EQ(m.files.size(), 3u);
  const ChunkEntry& parent = m.chunks[m.files[0].chunks[0]];
  const ChunkEntry& child = m.chunks[m.files[1].chunks[0]];
  EXPECT_EQ(parent.transform, Transform::kNone);
  ASSERT_EQ(child.transform, Transform::kReference);
  EXPECT_EQ(child.type, m.files[0].chunks[0]);
  EXPECT_EQ(child.stream_count, 1);
  // One byte differs: the frame is a few dozen bytes, not the parent's size.
  EXPECT_LT(child.stored_size, 100u);
  EXPECT_GT(parent.stored_size, 1000u);
  // Member 2 is member 0 again: its metadata a copy of member 0's.
  EXPECT_EQ(m.chunks[m.files[2].chunks[0]].transform, Transform::kCopy);
  EXPECT_TRUE(UnpackMember(archive, 0) == Demo());
  EXPECT_TRUE(UnpackMember(archive, 1) == Variant());
  EXPECT_TRUE(UnpackMember(archive, 2) == Demo());
  // Without references: what 2.1 wrote, larger by the difference.
  const std::string plain = PackMemory({&Demo(), &Variant(), &Demo()}, /*references=*/false);
  EXPECT_EQ(plain[10], 1);
  const Manifest pm = ManifestOf(plain);
  const ChunkEntry& alone = pm.chunks[pm.files[1].chunks[0]];
  EXPECT_EQ(alone.transform, Transform::kNone);
  EXPECT_EQ(ManifestOffset(plain) - ManifestOffset(archive), alone.stored_size - child.stored_size);
}

TEST(ReferenceChunks, ACopyOfAReferencingChunkReads) {
  const std::string archive = PackMemory({&Demo(), &Variant(), &Variant()});
  const Manifest m = ManifestOf(archive);
  const ChunkEntry& copy = m.chunks[m.files[2].chunks[0]];
  ASSERT_EQ(copy.transform, Transform::kCopy);
  EXPECT_EQ(m.chunks[copy.type].transform, Transform::kReference);
  EXPECT_TRUE(UnpackMember(archive, 2) == Variant());
}

TEST(ReferenceChunks, MetadataOfSeveralChunksIsCodedChunkByChunk) {
  // At the smallest chunk size the demo's metadata takes several chunks.
  const std::string archive = PackMemory({&Demo(), &Variant()}, true, kMinChunkSize);
  const Manifest m = ManifestOf(archive);
  size_t referencing = 0, k = 0;
  for (uint64_t start = 0; start < m.files[1].data_offset; ++k) {
    const ChunkEntry& c = m.chunks[m.files[1].chunks[k]];
    if (c.transform == Transform::kReference) {
      ++referencing;
      EXPECT_EQ(c.type, m.files[0].chunks[k]) << "chunk " << k << " against chunk " << k;
    }
    start += c.original_size;
  }
  EXPECT_GT(k, 2u);
  EXPECT_GT(referencing, 0u);
  EXPECT_TRUE(UnpackMember(archive, 1) == Variant());
}

TEST(ReferenceChunks, OneMemberReadsOnlyItsChunksAndItsReference) {
  // Member 2 is coded against member 0 (its metadata; its tensors are
  // copies): reading it reads nothing of member 1.
  const std::string archive = PackMemory({&Demo(), &AllTypes(), &Variant()});
  const Manifest m = ManifestOf(archive);
  ASSERT_EQ(m.chunks[m.files[2].chunks[0]].transform, Transform::kReference);
  ASSERT_EQ(m.chunks[m.files[2].chunks[0]].type, 0u);
  const testing::MemberRead r = testing::ReadMemberRecorded(archive, 2);
  EXPECT_TRUE(r.bytes == Variant());
  const auto span = [&m](uint32_t f) {
    const ChunkEntry& first = m.chunks[m.files[f].chunks.front()];
    const ChunkEntry& last = m.chunks[m.files[f].chunks.back()];
    return std::make_pair(first.file_offset, last.file_offset + last.stored_size);
  };
  const auto [begin1, end1] = span(1);
  ASSERT_FALSE(r.reads.empty());
  for (size_t i = 0; i < r.reads.size(); ++i) {
    const auto [offset, n] = r.reads[i];
    EXPECT_TRUE(offset + n <= begin1 || offset >= end1) << "read " << i << " at " << offset << " +" << n;
  }
  // Its chunks (a copy decodes its target), and the reference once.
  EXPECT_EQ(r.chunks_decoded, m.files[2].chunks.size() + 1);
}

TEST(ReferenceChunks, MembersCodedAgainstOneReferenceDecodeItOnce) {
  const std::string archive = PackMemory({&Demo(), &Variant(), &Variant2()});
  const Manifest m = ManifestOf(archive);
  ASSERT_EQ(m.chunks[m.files[1].chunks[0]].type, 0u);
  ASSERT_EQ(m.chunks[m.files[2].chunks[0]].type, 0u);
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  for (uint32_t i : {1u, 2u}) {
    Result<FileView*> v = (*a)->view(i);
    ASSERT_TRUE(v.ok());
    StringSink sink;
    ASSERT_TRUE((*v)->Unpack(&sink).ok());
  }
  // The reference stays in the cache of decoded chunks between the two.
  EXPECT_EQ((*a)->chunks_decoded(), m.files[1].chunks.size() + m.files[2].chunks.size() + 1);
}

// The archive of {Demo, Variant} with chunk entry `index` changed by `edit`,
// the manifest re-encoded (valid checksum) at version 2.`minor`.
std::string Edited(uint32_t index, const std::function<void(ChunkEntry*)>& edit, uint16_t minor = 2) {
  return testing::WithChunkEntryEdited(PackMemory({&Demo(), &Variant()}), index, edit, minor);
}

// Member 1, the one coded against member 0, is refused.
void ExpectRefused(const std::string& archive, ErrorCode code, const std::string& text) {
  testing::ExpectMemberRefused(archive, 1, code, text);
}

TEST(ReferenceChunks, HostileReferencesAreRefused) {
  const std::string archive = PackMemory({&Demo(), &Variant()});
  const Manifest m = ManifestOf(archive);
  const uint32_t n = static_cast<uint32_t>(m.files[0].chunks.size());
  const uint32_t r = n;  // member 1's metadata chunk
  ASSERT_EQ(m.chunks[r].transform, Transform::kReference);
  ASSERT_EQ(m.chunks[r].type, 0u);
  EXPECT_TRUE(UnpackMember(Edited(r, [](ChunkEntry*) {}), 1) == Variant());
  ExpectRefused(Edited(r, [r](ChunkEntry* c) { c->type = r + 1; }), ErrorCode::kCorrupt,
                "chunk " + std::to_string(r) + ": coded against chunk " + std::to_string(r + 1) +
                    ", which does not precede it");
  ExpectRefused(Edited(r, [r](ChunkEntry* c) { c->type = r; }), ErrorCode::kCorrupt, "which does not precede it");
  // In {Demo, Variant, Variant2} member 2's metadata chunk made to reference
  // a copy (member 1's second chunk) or a referencing chunk (member 1's
  // metadata chunk).
  {
    const std::string three = PackMemory({&Demo(), &Variant(), &Variant2()});
    Manifest e = ManifestOf(three);
    const uint32_t r1 = e.files[1].chunks[0], copy = e.files[1].chunks[1], r2 = e.files[2].chunks[0];
    ASSERT_EQ(e.chunks[r2].transform, Transform::kReference);
    ASSERT_EQ(e.chunks[copy].transform, Transform::kCopy);
    Status s;
    e.chunks[r2].type = copy;
    UnpackMember(testing::Rebuild(three, testing::ManifestV2(e), 2, 2), 2, &s);
    EXPECT_NE(s.message().find("coded against chunk " + std::to_string(copy) + ", itself a copy"), std::string::npos)
        << s.ToString();
    e.chunks[r2].type = r1;
    UnpackMember(testing::Rebuild(three, testing::ManifestV2(e), 2, 2), 2, &s);
    EXPECT_NE(s.message().find("itself coded against another chunk"), std::string::npos) << s.ToString();
  }
  ExpectRefused(Edited(r, [](ChunkEntry* c) { c->stream_count = 2; }), ErrorCode::kCorrupt, "stream count 2, expected 1");
  // A referencing chunk that names another chunk than its reference: the
  // header disagrees with the entry (the entry's type is what a reader uses).
  ExpectRefused(Edited(r, [](ChunkEntry* c) { c->type = 1; }), ErrorCode::kCorrupt, "disagrees with the manifest");
  // Transform 3 is 2.2's: in an archive that says 2.1 it is corrupt; one of
  // 2.3 a 2.2 reader reads.
  ExpectRefused(Edited(r, [](ChunkEntry*) {}, 1), ErrorCode::kCorrupt, "defined since format 2.2");
  EXPECT_TRUE(UnpackMember(Edited(r, [](ChunkEntry*) {}, 3), 1) == Variant());
}

TEST(ReferenceChunks, AStoredStreamOrADamagedReferenceIsRefused) {
  std::string archive = PackMemory({&Demo(), &Variant()});
  const Manifest m = ManifestOf(archive);
  const uint32_t r = static_cast<uint32_t>(m.files[0].chunks.size());
  const ChunkEntry& c = m.chunks[r];
  {
    std::string stored = archive;
    stored[c.file_offset + ChunkHeader::kFixedLength] = 0;  // codec: stored
    ExpectRefused(stored, ErrorCode::kCorrupt, "in a referencing chunk (zstd only)");
  }
  // Damage in the reference is member 1's damage too, named after both.
  const ChunkEntry& ref = m.chunks[0];
  archive[ref.file_offset + ref.stored_size - 2] ^= 0x55;
  Status s;
  UnpackMember(archive, 1, &s);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("chunk " + std::to_string(r)), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("its reference chunk 0"), std::string::npos) << s.ToString();
  // Past damage, both are reported, each in its turn.
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  Result<FileView*> v = (*a)->view(1);
  ASSERT_TRUE(v.ok());
  std::vector<size_t> damaged;
  StringSink sink;
  EXPECT_TRUE((*v)
                  ->UnpackPastDamage(&sink,
                                     [&](size_t at, const Status&) {
                                       damaged.push_back(at);
                                       return Status::Ok();
                                     })
                  .ok());
  EXPECT_EQ(damaged, std::vector<size_t>{0});
}

TEST(ReferenceChunks, AStreamDecodesThemAgainstEarlierChunks) {
  // Member 1 coded against member 0's metadata, member 2's metadata a copy
  // of member 1's: each alone from a stream (the members before it spooled),
  // and all of them checked in one pass.
  const std::string archive = PackMemory({&Demo(), &Variant(), &Variant()});
  const Manifest m = ManifestOf(archive);
  ASSERT_EQ(m.chunks[m.files[1].chunks[0]].transform, Transform::kReference);
  ASSERT_EQ(m.chunks[m.files[2].chunks[0]].transform, Transform::kCopy);
  for (const char* name : {"m1", "m2"}) {
    const testing::UnpackOutcome streamed = testing::StreamingUnpack(archive, name);
    EXPECT_TRUE(streamed.status.ok()) << name << ": " << streamed.status.ToString();
    EXPECT_TRUE(streamed.output == Variant()) << name;
  }
  std::unique_ptr<InputStream> in =
      NewMemoryInputStream(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
  StreamUnpackStats stats;
  EXPECT_TRUE(VerifyStream(in.get(), &stats, 1).ok());
  EXPECT_EQ(stats.members, 3u);
}

TEST(ReferenceChunks, AStreamRefusesABadReference) {
  // Member 1's metadata made to reference a chunk it does not precede: the
  // stream reader refuses it when it meets it, before decoding anything.
  std::string archive = PackMemory({&Demo(), &Variant()});
  const Manifest m = ManifestOf(archive);
  const ChunkEntry& r = m.chunks[m.files[1].chunks[0]];
  ASSERT_EQ(r.transform, Transform::kReference);
  archive[r.file_offset + 8] = static_cast<char>(m.files[1].chunks[0] + 1);  // its type
  const testing::UnpackOutcome streamed = testing::StreamingUnpack(archive, "m1");
  EXPECT_EQ(streamed.status.code(), ErrorCode::kCorrupt) << streamed.status.ToString();
  EXPECT_NE(streamed.status.message().find("which is not an earlier chunk that is neither a copy nor referencing"),
            std::string::npos)
      << streamed.status.ToString();
}

// The hook for appending to an archive: its GGUF members become candidates
// (AddManifest), their bytes fetched from the archive; a new member's
// metadata is then coded against them.
TEST(ReferenceChunks, AnExistingArchivesMetadataServesAsReference) {
  const std::string archive = PackMemory({&Demo(), &AllTypes(), &Variant()});
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  Archive* opened = a->get();
  MetaReferences refs([opened](uint32_t index, std::vector<uint8_t>* out) { return opened->DecodeChunk(index, out); });
  refs.AddManifest(opened->manifest());
  // Demo's metadata and (if plain) all-types'; not Variant's, which is coded
  // against Demo's.
  const Manifest& m = opened->manifest();
  const size_t plain = 1 + (m.chunks[m.files[1].chunks[0]].transform == Transform::kNone ? 1 : 0);
  EXPECT_EQ(refs.candidates(), plain);
  ASSERT_TRUE(refs.Prepare().ok());
  const std::string& v = Variant2();
  const uint64_t meta = m.files[0].data_offset;
  EncodedChunk chunk;
  EncodeChunkAs(reinterpret_cast<const uint8_t*>(v.data()), meta, Transform::kNone, 0, Coding{9}, &chunk);
  const uint64_t alone = chunk.stored_size();
  refs.Improve(0, reinterpret_cast<const uint8_t*>(v.data()), meta, 9, &chunk);
  EXPECT_EQ(chunk.header.transform, Transform::kReference);
  EXPECT_EQ(chunk.header.type, 0u);
  EXPECT_LT(chunk.stored_size() * 10, alone);
  // It decodes against the archive's chunk 0 to the new member's metadata.
  std::vector<uint8_t> ref, out;
  ASSERT_TRUE(opened->DecodeChunk(0, &ref).ok());
  ASSERT_TRUE(DecodeChunkPayload(chunk.header, reinterpret_cast<const uint8_t*>(chunk.payload.data()),
                                 chunk.payload.size(), &out, &ref)
                  .ok());
  EXPECT_TRUE(std::string(out.begin(), out.end()) == v.substr(0, meta));
}

TEST(ReferenceChunks, OnlyTwoGgufInputsMakeA22Archive) {
  // More than the 1 MiB the writer holds before writing the header, which
  // must then say 2.1: one GGUF input cannot be coded against another.
  std::string noise(2 << 20, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : noise) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  const std::string one_gguf = PackMemory({&Demo(), &noise});
  ASSERT_GT(one_gguf.size(), 2u << 20);
  EXPECT_EQ(one_gguf[10], 1);
  const Manifest m = ManifestOf(one_gguf);
  for (const ChunkEntry& c : m.chunks) EXPECT_NE(c.transform, Transform::kReference);
}

}  // namespace
}  // namespace sgz::internal
