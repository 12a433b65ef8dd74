// Section MEMB (format 2.1): the writer puts it, required and since_minor 1,
// in every archive of several files and in no one-file archive, so that a
// reader that does not know members refuses the archive (NotSupported) rather
// than showing its first member; the 2.1 reader checks it (member_count,
// entries, presence) in the body and inside ZSEC.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <zstd.h>

#include "container/writer.h"
#include "manifest_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using testing::Section;
using ::sgz_test::ReadFile;

// The bytes of a file under the source tree, read once; references stay
// valid (map nodes do not move).
const std::string& Bytes(const char* path) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, ReadFile(testing::SourceDir() + path)).first;
  return it->second;
}

// `paths` (under the source tree) packed by PackMembers, at `meta_level`.
std::string Packed(const std::vector<const char*>& paths, int meta_level = 0) {
  return testing::PackedMembers(std::vector<std::string>(paths.begin(), paths.end()), meta_level);
}

// The sections of an archive's manifest as a reader meets them, ZSEC's
// decoded sections in its place (and ZSEC itself, with its raw content).
std::vector<Section> Walk(const std::string& bytes) {
  std::vector<Section> out;
  size_t at = 0;
  while (at + 16 <= bytes.size()) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data()) + at;
    Section s{LoadU32LE(p), LoadU16LE(p + 4), LoadU16LE(p + 6), bytes.substr(at + 16, LoadU64LE(p + 8))};
    at += 16 + s.content.size();
    out.push_back(s);
    if (s.tag == kCompressedSectionsTag) {
      std::string decoded(LoadU64LE(reinterpret_cast<const uint8_t*>(s.content.data())), '\0');
      EXPECT_EQ(ZSTD_decompress(&decoded[0], decoded.size(), s.content.data() + 8, s.content.size() - 8),
                decoded.size());
      for (const Section& inner : Walk(decoded)) out.push_back(inner);
    }
  }
  EXPECT_EQ(at, bytes.size());
  return out;
}

std::vector<Section> ManifestSections(const std::string& archive) {
  const uint8_t* a = reinterpret_cast<const uint8_t*>(archive.data());
  const uint8_t* footer = a + archive.size() - Footer::kEncodedLength;
  const uint64_t offset = LoadU64LE(footer), size = LoadU64LE(footer + 8);
  return Walk(archive.substr(offset + kManifestFrameHeader, size - kManifestFrameHeader));
}

const Section* Find(const std::vector<Section>& sections, uint32_t tag) {
  for (const Section& s : sections) {
    if (s.tag == tag) return &s;
  }
  return nullptr;
}

// Every member of `archive` reads back as the file packed from paths[i].
void ExpectMembers(const std::string& archive, const std::vector<const char*>& paths) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ((*a)->manifest().files.size(), paths.size());
  for (uint32_t i = 0; i < paths.size(); ++i) {
    Result<FileView*> v = (*a)->view(i);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    StringSink sink;
    const Status s = (*v)->Unpack(&sink);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(sink.out == Bytes(paths[i])) << "member " << i << " differs";
  }
}

uint16_t ArchiveMinor(const std::string& archive) {
  return LoadU16LE(reinterpret_cast<const uint8_t*>(archive.data()) + 10);
}

constexpr const char* kA = "/fixtures/valid/all-types.gguf";
constexpr const char* kB = "/fixtures/demo.gguf";

TEST(MembersSection, WriterPutsItInEveryArchiveOfSeveralFiles) {
  EXPECT_EQ(testing::Tag("MEMB"), kMembersTag);
  // meta_level 1 and 19: the manifest plain or compressed, whichever pays.
  for (int level : {1, 19}) {
    for (const auto& paths : {std::vector<const char*>{kA, kB}, std::vector<const char*>{kB, kA, kB}}) {
      const std::string archive = Packed(paths, level);
      const std::vector<Section> sections = ManifestSections(archive);
      const Section* memb = Find(sections, kMembersTag);
      ASSERT_NE(memb, nullptr) << level;
      EXPECT_EQ(memb->flags, kSectionRequired);
      EXPECT_EQ(memb->since_minor, 1);
      std::string want;
      PutU32(&want, static_cast<uint32_t>(paths.size()));
      for (size_t i = 0; i < paths.size(); ++i) PutU32(&want, 0);  // 2.1: empty member entries
      EXPECT_TRUE(memb->content == want);
      EXPECT_GE(ArchiveMinor(archive), 1);
      ExpectMembers(archive, paths);
    }
  }
}

TEST(MembersSection, OneFileArchivesHaveNone) {
  const std::string archive = Packed({kA});
  EXPECT_EQ(Find(ManifestSections(archive), kMembersTag), nullptr);
  ExpectMembers(archive, {kA});
  // From memory: no attributes, so 2.0 readers read it unless its manifest is compressed.
  EXPECT_EQ(ArchiveMinor(archive), Find(ManifestSections(archive), kCompressedSectionsTag) != nullptr ? 1 : 0);
}

class MembersSectionRead : public ::testing::Test {
 protected:
  void SetUp() override {
    archive_ = Packed({kA, kB});
    Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    m_ = (*a)->manifest();
  }
  Status Open(const std::vector<Section>& sections) {
    return testing::OpenMemory(testing::Rebuild(archive_, testing::ManifestV2(sections), 2, 1)).status();
  }
  std::string archive_;
  Manifest m_;
};

TEST_F(MembersSectionRead, ReadsItAnywhereAndInsideZsec) {
  const Section chnk = testing::ChunkSection(m_), file = testing::FileSection(m_), memb = testing::MembersSection(m_);
  EXPECT_TRUE(Open({chnk, file, memb}).ok());
  EXPECT_TRUE(Open({memb, chnk, file}).ok());
  EXPECT_TRUE(Open({testing::CompressedSection({chnk, file, memb})}).ok());
  EXPECT_TRUE(Open({testing::CompressedSection({chnk, file}), memb}).ok());
  // A later minor's per-member fields are skipped.
  EXPECT_TRUE(Open({chnk, file, testing::MembersSection(m_, 7)}).ok());
}

TEST_F(MembersSectionRead, RefusesItMissingMiscountedOrMalformed) {
  const Section chnk = testing::ChunkSection(m_), file = testing::FileSection(m_), memb = testing::MembersSection(m_);
  auto expect_corrupt = [&](const std::vector<Section>& sections, const std::string& what) {
    const Status s = Open(sections);
    EXPECT_EQ(s.code(), Status::Code::kCorrupt) << s.ToString();
    EXPECT_NE(s.message().find(what), std::string::npos) << s.ToString();
  };
  expect_corrupt({chnk, file}, "no section 'MEMB' in an archive of 2 file entries");
  expect_corrupt({testing::CompressedSection({chnk, file})}, "no section 'MEMB'");
  expect_corrupt({chnk, file, testing::MembersSection(m_, 0, 1)},
                 "section 'MEMB': member_count 3 differs from the file table's file_count 2");
  expect_corrupt({chnk, file, testing::MembersSection(m_, 0, -1)}, "member_count 1 differs");
  expect_corrupt({testing::CompressedSection({chnk, file, testing::MembersSection(m_, 0, 1)})}, "member_count 3");
  expect_corrupt({chnk, file, memb, memb}, "section 'MEMB' appears twice");
  expect_corrupt({testing::CompressedSection({chnk, file, memb}), memb}, "section 'MEMB' appears twice");
  Section trailing = memb;
  trailing.content += "x";
  expect_corrupt({chnk, file, trailing}, "1 bytes after the last member entry");
  Section cut = memb;
  cut.content.resize(cut.content.size() - 2);
  expect_corrupt({chnk, file, cut}, "section 'MEMB': member entry 1 is truncated");
  cut.content.resize(2);
  expect_corrupt({chnk, file, cut}, "truncated reading section 'MEMB'");
  Section long_entry = testing::MembersSection(m_, 3);
  long_entry.content.resize(long_entry.content.size() - 1);
  expect_corrupt({chnk, file, long_entry}, "member entry 1 is truncated");
}

// What a 2.0 reader does with MEMB is the rule for any unknown required
// section of a later minor: this reader, meeting one since a minor above its
// own, refuses the archive the same way.
TEST_F(MembersSectionRead, AnUnknownRequiredSectionOfALaterMinorIsNotSupported) {
  Section later = testing::MembersSection(m_);
  later.tag = testing::Tag("MEMX");
  later.since_minor = kFormatMinor + 1;
  const Status s = Open({testing::ChunkSection(m_), testing::FileSection(m_), testing::MembersSection(m_), later});
  EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
  EXPECT_EQ(s.message(), "manifest section 'MEMX' needs a reader of format 2." + std::to_string(kFormatMinor + 1) +
                             " or later; this reader reads 2." + std::to_string(kFormatMinor));
}

}  // namespace
}  // namespace sgz::internal
