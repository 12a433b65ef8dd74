// Compatibility across format versions: every 1.0 archive of fixtures/format-1.0
// and 2.0 archive of fixtures/format-2.0 still decodes to its source, and hand-made 2.x archives (chunks from the
// writer, manifest from tests/manifest_builder.h) exercise what a later minor
// version may add: sections, longer entries, new ids. Each case runs through
// both readers: random access (Archive) and in-order streaming (UnpackStream).
#include <gtest/gtest.h>

#include <sstream>

#include "fixture_sources.h"
#include "manifest_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using testing::Rebuild;
using testing::Section;
using testing::Tag;

using Outcome = testing::UnpackOutcome;
using testing::RandomAccessUnpack;
using testing::StreamingUnpack;

// Both readers decode `archive` to exactly `original`.
void ExpectReads(const std::string& archive, const std::string& original) {
  Outcome a = RandomAccessUnpack(archive);
  EXPECT_TRUE(a.status.ok()) << "Archive: " << a.status.ToString();
  EXPECT_TRUE(a.output == original) << "Archive output differs";
  Outcome s = StreamingUnpack(archive);
  EXPECT_TRUE(s.status.ok()) << "UnpackStream: " << s.status.ToString();
  EXPECT_TRUE(s.output == original) << "UnpackStream output differs";
}

// Both readers refuse `archive` with `code` and a message holding `needle`.
void ExpectRefused(const std::string& archive, Status::Code code, const std::string& needle) {
  for (const Outcome& o : {RandomAccessUnpack(archive), StreamingUnpack(archive)}) {
    EXPECT_EQ(o.status.code(), code) << o.status.ToString();
    EXPECT_NE(o.status.message().find(needle), std::string::npos) << o.status.ToString() << "\nwanted: " << needle;
  }
}

using testing::ExpectMembersAsSources;
using testing::Fixture;

// The minor version after this reader's, and how messages name versions.
constexpr uint16_t kLaterMinor = kFormatMinor + 1;
const std::string kReaderVersion = VersionString({kFormatMajor, kFormatMinor});
const std::string kLaterVersion = VersionString({kFormatMajor, kLaterMinor});

// all-types.gguf in 4 KiB chunks: split and unsplit chunks, many tensors.
using Base = testing::PackedFixture;
const Base& GgufBase() { return testing::PackedAllTypes(); }

// Every archive listed in fixtures/<dir>/SOURCES.txt is format `major`.`minor`,
// decodes to its source through both readers, and every tensor reads by
// name; none records file attributes (the 2.1 ones were packed from standard
// input). Returns how many.
int CheckFixtureSet(const std::string& dir, int major, int minor = 0) {
  int checked = 0;
  for (const std::vector<std::string>& f : testing::SourceLines(dir)) {
    const std::string name = f[0], source = f.size() > 1 ? f[1] : "";
    SCOPED_TRACE(name);
    const std::string archive = Fixture(dir + "/" + name);
    const std::string original = source == "-hello" ? std::string("hello") : Fixture(source);
    EXPECT_FALSE(archive.empty());
    EXPECT_FALSE(original.empty());
    if (archive.size() < 16) continue;
    EXPECT_EQ(archive[8], major) << "not a format " << major << " archive";
    EXPECT_EQ(archive[10], minor) << "not a minor version " << minor << " archive";
    ExpectReads(archive, original);
    // Random access too: every tensor by name.
    Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
    EXPECT_TRUE(a.ok());
    if (!a.ok()) continue;
    EXPECT_FALSE((*a)->file().attributes.any());
    for (const TensorEntry& t : (*a)->file().tensors) {
      std::string buf(t.size, '\0');
      EXPECT_TRUE((*a)->ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), t.size).ok()) << t.name;
      EXPECT_TRUE(buf == original.substr(t.offset, t.size)) << t.name;
    }
    ++checked;
  }
  return checked;
}

TEST(FormatCompat, EveryFormat10FixtureDecodesToItsSource) { EXPECT_EQ(CheckFixtureSet("format-1.0", 1), 7); }

// Written before format 2.1 added file attributes.
TEST(FormatCompat, EveryFormat20FixtureDecodesToItsSource) { EXPECT_EQ(CheckFixtureSet("format-2.0", 2), 7); }

// Written by the 2.1 writer that added the compressed manifest: one section ZSEC.
TEST(FormatCompat, EveryFormat21FixtureDecodesToItsSource) {
  EXPECT_EQ(CheckFixtureSet("format-2.1", 2, 1), 2);
  for (const char* name : {"all-types-zsec.sgz", "all-types-4k-zsec.sgz"}) {
    const std::string a = Fixture(std::string("format-2.1/") + name);
    ASSERT_GT(a.size(), Footer::kEncodedLength);
    const uint64_t offset = LoadU64LE(reinterpret_cast<const uint8_t*>(a.data()) + a.size() - Footer::kEncodedLength);
    EXPECT_EQ(a.substr(offset + kManifestFrameHeader, 4), "ZSEC") << name;
  }
}

// Written by the 2.1 writer that added transform 2 (copy): three members,
// the second's chunks copies of the first's; each reads back as its source.
TEST(FormatCompat, TheFormat21CopiesFixtureReadsEachMember) {
  const std::string a = Fixture("format-2.1-copies/three-members.sgz");
  Result<std::unique_ptr<Archive>> archive = testing::OpenMemory(a);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  const Manifest& m = (*archive)->manifest();
  EXPECT_EQ(ExpectMembersAsSources(**archive, "format-2.1-copies"), 3u);
  ASSERT_EQ(m.chunks.size(), 5u);
  for (uint32_t i : {2u, 3u}) {
    EXPECT_EQ(m.chunks[i].transform, Transform::kCopy) << i;
    EXPECT_EQ(m.chunks[i].type, i - 2) << i;
  }
}

// Written by the 2.2 writer that added transform 3 (reference): three
// members, the metadata of the second and third coded against the first's;
// each reads back as its source.
TEST(FormatCompat, TheFormat22ReferencesFixtureReadsEachMember) {
  const std::string a = Fixture("format-2.2-references/three-members.sgz");
  ASSERT_GT(a.size(), Footer::kEncodedLength);
  EXPECT_EQ(a[10], 2) << "not a minor version 2 archive";
  Result<std::unique_ptr<Archive>> archive = testing::OpenMemory(a);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  const Manifest& m = (*archive)->manifest();
  EXPECT_EQ(ExpectMembersAsSources(**archive, "format-2.2-references"), 3u);
  ASSERT_EQ(m.chunks.size(), 12u);
  for (uint32_t i : {4u, 8u}) {
    EXPECT_EQ(m.chunks[i].transform, Transform::kReference) << i;
    EXPECT_EQ(m.chunks[i].type, 0u) << i;
  }
}

// Written by the 2.1 writer that added section MEMB: two members, plain
// manifest CHNK, FILE, MEMB; each member reads back as its source.
TEST(FormatCompat, TheFormat21MembersFixtureReadsEachMember) {
  const std::string a = Fixture("format-2.1-members/two-members.sgz");
  ASSERT_GT(a.size(), Footer::kEncodedLength);
  EXPECT_EQ(a[10], 1) << "not a minor version 1 archive";
  Result<std::unique_ptr<Archive>> archive = testing::OpenMemory(a);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  const Manifest& m = (*archive)->manifest();
  EXPECT_EQ(ExpectMembersAsSources(**archive, "format-2.1-members"), 2u);
  EXPECT_EQ(m.files.size(), 2u);
  // The manifest body: CHNK, FILE, then MEMB (count 2, two empty entries).
  const uint8_t* p = reinterpret_cast<const uint8_t*>(a.data());
  const uint64_t offset = LoadU64LE(p + a.size() - Footer::kEncodedLength);
  std::string tags;
  uint64_t at = offset + kManifestFrameHeader;
  while (at + SectionHeader::kEncodedLength <= a.size() - Footer::kEncodedLength) {
    const SectionHeader h = SectionHeader::DecodeFrom(p + at);
    tags += a.substr(at, 4) + " ";
    if (h.tag == kMembersTag) {
      EXPECT_EQ(h.flags, kSectionRequired);
      EXPECT_EQ(h.since_minor, 1);
      EXPECT_EQ(h.size, 12u);
      EXPECT_EQ(LoadU32LE(p + at + SectionHeader::kEncodedLength), 2u);
    }
    at += SectionHeader::kEncodedLength + h.size;
  }
  EXPECT_EQ(tags, "CHNK FILE MEMB ");
}

TEST(FormatCompat, TheWriterWritesTheSpecsManifest) {
  const Base& b = GgufBase();
  ASSERT_GT(b.manifest.files[0].tensors.size(), 10u);
  // The independent encoder gives the same archive byte for byte: a small
  // archive whose manifest compresses well gets it compressed (format 2.1).
  EXPECT_TRUE(Rebuild(b.archive, testing::ManifestV2Compressed(b.manifest), 2, 1) == b.archive);
  ExpectReads(b.archive, b.original);
  // And the same plain frame as the writer's.
  std::string plain;
  b.manifest.EncodeTo(&plain);
  EXPECT_TRUE(plain == testing::ManifestV2(b.manifest));
}

TEST(FormatCompat, UnknownOptionalSectionsAreSkipped) {
  const Base& b = GgufBase();
  const Section extra{Tag("NOTE"), 0, 1, "anything at all"};
  const Section chnk = testing::ChunkSection(b.manifest), file = testing::FileSection(b.manifest);
  for (const std::vector<Section>& order : {std::vector<Section>{extra, chnk, file},
                                            std::vector<Section>{chnk, extra, file},
                                            std::vector<Section>{chnk, file, extra, extra}}) {
    ExpectReads(Rebuild(b.archive, testing::ManifestV2(order), 2, 1), b.original);
  }
}

TEST(FormatCompat, UnknownRequiredSectionOfALaterMinorIsNotSupported) {
  const Base& b = GgufBase();
  const Section pred{Tag("PRED"), kSectionRequired, kLaterMinor, "must be understood"};
  const std::string a =
      Rebuild(b.archive,
              testing::ManifestV2({testing::ChunkSection(b.manifest), testing::FileSection(b.manifest), pred}), 2,
              kLaterMinor);
  ExpectRefused(a, Status::Code::kNotSupported,
                "manifest section 'PRED' needs a reader of format " + kLaterVersion + " or later; this reader reads " +
                    kReaderVersion);
}

TEST(FormatCompat, UnknownRequiredSectionOfThisMinorIsCorruption) {
  const Base& b = GgufBase();
  const Section pred{Tag("PRED"), kSectionRequired, 0, "a 2.0 reader would know it"};
  const std::string a = Rebuild(
      b.archive, testing::ManifestV2({testing::ChunkSection(b.manifest), pred, testing::FileSection(b.manifest)}), 2, 1);
  ExpectRefused(a, Status::Code::kCorrupt, "section 'PRED': unknown, yet required since format 2.0");
}

TEST(FormatCompat, LongerEntriesReadTheSame) {
  const Base& b = GgufBase();
  testing::EntryLayout chunk, file, tensor, all;
  chunk.chunk_entry_size = 40;
  file.file_extra = 9;
  tensor.tensor_extra = 3;
  all = {33, 1, 1};
  for (testing::EntryLayout l : {chunk, file, tensor, all}) {
    SCOPED_TRACE(std::to_string(l.chunk_entry_size) + "/" + std::to_string(l.file_extra) + "/" +
                 std::to_string(l.tensor_extra));
    // A 2.0 archive's entries end with the 2.0 fields; from 2.1 on, bytes
    // appended to a file entry follow the 2.1 fields.
    ExpectReads(Rebuild(b.archive, testing::ManifestV2(b.manifest, l), 2, 0), b.original);
    l.attribute_block = true;
    ExpectReads(Rebuild(b.archive, testing::ManifestV2(b.manifest, l), 2, kLaterMinor), b.original);
  }
}

// The section and entry-size rules, one broken at a time.
TEST(FormatCompat, SectionRulesAreEnforced) {
  const Base& b = GgufBase();
  const Manifest& m = b.manifest;
  const Section chnk = testing::ChunkSection(m), file = testing::FileSection(m);
  Section reserved_flag = chnk, short_entries = testing::ChunkSection(m), bad_count = chnk, reserved_bytes = chnk;
  reserved_flag.flags |= 2;
  short_entries.content[4] = 31;  // entry_size 31: the section size then disagrees too
  bad_count.content[0] = static_cast<char>(bad_count.content[0] + 1);
  reserved_bytes.content[6] = 1;
  Section trailing = file;
  trailing.content += "x";
  Section many_files = file;  // 65536 entries of at least 30 bytes cannot fit
  many_files.content.replace(0, 4, std::string("\0\0\1\0", 4));
  std::string truncated_header = testing::ManifestV2({chnk, file});
  truncated_header.append(15, '\0');
  truncated_header[8] = static_cast<char>(truncated_header[8] + 15);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {testing::ManifestV2({chnk, chnk, file}), "section 'CHNK' appears twice"},
      {testing::ManifestV2({chnk, file, file}), "section 'FILE' appears twice"},
      {testing::ManifestV2({file, chnk}), "section 'FILE' precedes section 'CHNK'"},
      {testing::ManifestV2({chnk}), "no section 'FILE'"},
      {testing::ManifestV2(std::vector<Section>{}), "no section 'CHNK'"},
      {testing::ManifestV2({reserved_flag, file}), "section 'CHNK': reserved flags are set"},
      {testing::ManifestV2({short_entries, file}), "entry size 31 is below 32"},
      {testing::ManifestV2({bad_count, file}), "section 'CHNK': " + std::to_string(m.chunks.size() + 1) + " entries"},
      {testing::ManifestV2({reserved_bytes, file}), "section 'CHNK': reserved bytes are set"},
      {testing::ManifestV2({chnk, trailing}), "section 'FILE': 1 trailing bytes"},
      {testing::ManifestV2({chnk, many_files}), "file count 65536 exceeds the bytes remaining"},
      {truncated_header, "truncated section header"},
  };
  for (const auto& [manifest, needle] : cases) {
    SCOPED_TRACE(needle);
    ExpectRefused(Rebuild(b.archive, manifest, 2, 0), Status::Code::kCorrupt, needle);
  }
  // A section whose size runs past the body.
  std::string past = testing::ManifestV2({chnk, file});
  const size_t file_size_at = 16 + 16 + chnk.content.size() + 8;
  past[file_size_at] = static_cast<char>(past[file_size_at] + 1);
  ExpectRefused(Rebuild(b.archive, past, 2, 0), Status::Code::kCorrupt, "bytes left in the body");
  // A file or tensor entry too short for its fields (the bytes stay; only
  // the entry_size shrinks).
  testing::EntryLayout file_cut, tensor_cut;
  file_cut.file_size_delta = -1;
  tensor_cut.first_tensor_size_delta = -1;
  ExpectRefused(Rebuild(b.archive, testing::ManifestV2(m, file_cut), 2, 0), Status::Code::kCorrupt,
                "runs past the file entry");
  ExpectRefused(Rebuild(b.archive, testing::ManifestV2(m, tensor_cut), 2, 0), Status::Code::kCorrupt,
                "truncated reading file 0 tensor 0");
}

std::string WithByte(std::string a, uint64_t pos, uint8_t v) {
  a[pos] = static_cast<char>(v);
  return a;
}

// Codec, transform, type (of a split chunk) and file kind ids this reader does
// not know: NotSupported naming the archive's version when its minor is above
// 2.0's, else Corruption; in format 1 always Corruption.
TEST(FormatCompat, UnknownIdsFollowTheRule) {
  const Base& b = GgufBase();
  size_t split = 0;
  while (split < b.manifest.chunks.size() && b.manifest.chunks[split].transform != Transform::kSplit) ++split;
  ASSERT_LT(split, b.manifest.chunks.size());
  const uint64_t at = b.manifest.chunks[split].file_offset;
  struct Case {
    uint16_t major, minor;
    Status::Code code;
  };
  for (const Case& c : {Case{2, kLaterMinor, Status::Code::kNotSupported}, Case{2, kFormatMinor, Status::Code::kCorrupt},
                        Case{2, 0, Status::Code::kCorrupt}, Case{1, 1, Status::Code::kCorrupt}}) {
    SCOPED_TRACE(std::to_string(c.major) + "." + std::to_string(c.minor));
    auto needle = [&](const std::string& id) {
      return c.code == Status::Code::kNotSupported
                 ? id + " is not known to this reader (format " + kReaderVersion + "); the archive is format " +
                       kLaterVersion + ": it needs a newer sgz"
                 : "unknown " + id;
    };
    auto manifest = [&](const Manifest& m) { return c.major == 1 ? testing::ManifestV1(m) : testing::ManifestV2(m); };
    const std::string base = Rebuild(b.archive, manifest(b.manifest), c.major, c.minor);
    ExpectReads(base, b.original);
    // In a chunk header only: met when the chunk is decoded.
    ExpectRefused(WithByte(base, at + 24, 7), c.code, needle("codec 7"));
    ExpectRefused(WithByte(base, at + 4, 9), c.code, needle("transform 9"));
    ExpectRefused(WithByte(base, at + 8, 40), c.code, needle("type 40"));
    // In the chunk entry as well: met when the manifest is decoded.
    Manifest m = b.manifest;
    m.chunks[split].transform = static_cast<Transform>(9);
    ExpectRefused(Rebuild(WithByte(b.archive, at + 4, 9), manifest(m), c.major, c.minor), c.code,
                  needle("transform 9"));
    m = b.manifest;
    m.chunks[split].type = 40;
    ExpectRefused(Rebuild(WithByte(b.archive, at + 8, 40), manifest(m), c.major, c.minor), c.code, needle("type 40"));
    m = b.manifest;
    m.files[0].kind = static_cast<EntryKind>(2);
    ExpectRefused(Rebuild(b.archive, manifest(m), c.major, c.minor), c.code, needle("file kind 2"));
  }
  // Ids below 40 are all in the type table (removed ones as reserved): known.
  const std::string minor1 = Rebuild(b.archive, testing::ManifestV2(b.manifest), 2, 1);
  ExpectRefused(WithByte(minor1, at + 8, 4), Status::Code::kCorrupt, "split transform of unsplittable type 4");
}

TEST(FormatCompat, TensorTypesAreDescriptiveInFormat2Only) {
  const Base& b = GgufBase();
  Manifest m = b.manifest;
  m.files[0].tensors[0].type = 200;
  const std::string v2 = Rebuild(b.archive, testing::ManifestV2(m), 2, 0);
  ExpectReads(v2, b.original);
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(v2);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->file().tensors[0].type, 200u);
  // Format 1.0 rejected it and still does; with a known type it reads.
  ExpectReads(Rebuild(b.archive, testing::ManifestV1(b.manifest), 1, 0), b.original);
  ExpectRefused(Rebuild(b.archive, testing::ManifestV1(m), 1, 0), Status::Code::kCorrupt, "unknown ggml type 200");
}

TEST(FormatCompat, VersionsInHeaderAndFooter) {
  const Base& b = GgufBase();
  const std::string v2 = testing::ManifestV2(b.manifest);
  ExpectRefused(Rebuild(b.archive, v2, 3, 0), Status::Code::kNotSupported,
                "header: format version 3.0 is not supported (this sgz reads 1.x and 2.x)");
  ExpectRefused(Rebuild(b.archive, v2, 0, 0), Status::Code::kNotSupported, "format version 0.0 is not supported");
  const std::string v20 = Rebuild(b.archive, v2, 2, 0);
  std::string footer3 = v20;
  footer3[footer3.size() - 16] = 3;
  ExpectRefused(footer3, Status::Code::kNotSupported, "footer: format version 3.0 is not supported");
  // Format 2: header and footer agree on major and minor.
  ExpectRefused(Rebuild(b.archive, v2, 2, 0, /*footer_minor=*/1), Status::Code::kCorrupt,
                "footer: format version 2.1 differs from the header's 2.0");
  ExpectRefused(WithByte(v20, 8, 1), Status::Code::kCorrupt, "footer: format version 2.0 differs from the header's 1.0");
  // Format 1 never required it; any minor is accepted.
  const std::string v1 = testing::ManifestV1(b.manifest);
  ExpectReads(Rebuild(b.archive, v1, 1, 0, /*footer_minor=*/3), b.original);
  ExpectReads(Rebuild(b.archive, v1, 1, 7), b.original);
  ExpectReads(Rebuild(b.archive, v2, 2, 7), b.original);
}

}  // namespace
}  // namespace sgz::internal
