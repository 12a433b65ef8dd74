// Format 2.1's file attributes (mode and modification time appended to a
// file entry): the code's encoder and tests/manifest_builder.h agree on the
// bytes; both readers (random access and streaming) read them from a 2.1
// archive; an archive that says 2.0 reads the same with the bytes skipped,
// as a 2.0 reader does; a 2.1 entry may end without them; fields of a later
// minor after them are skipped; each broken rule is refused; the writer
// records them from a file and writes 2.0 without them.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "manifest_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using testing::Rebuild;

FileAttributes Recorded() {
  FileAttributes a;
  a.has_mode = a.has_mtime = true;
  a.mode = 0640;
  a.mtime_sec = -86401;  // before 1970: the field is signed
  a.mtime_nsec = 999999999;
  return a;
}

bool Same(const FileAttributes& a, const FileAttributes& b) {
  return a.has_mode == b.has_mode && a.mode == b.mode && a.has_mtime == b.has_mtime && a.mtime_sec == b.mtime_sec &&
         a.mtime_nsec == b.mtime_nsec;
}

// Both readers decode `archive` to the base's original; returns what the
// random-access reader read as file 0's attributes (and checks the streaming
// reader read the same).
FileAttributes ReadAttributes(const std::string& archive) {
  const testing::PackedFixture& b = testing::PackedAllTypes();
  testing::UnpackOutcome r = testing::RandomAccessUnpack(archive);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.output == b.original);
  std::unique_ptr<InputStream> in = NewMemoryInputStream(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
  StringSink sink;
  StreamUnpackStats stats;
  Status s = UnpackStream(in.get(), &sink, &stats, 1);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(sink.out == b.original);
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  if (!a.ok()) return FileAttributes();
  EXPECT_TRUE(Same((*a)->file().attributes, stats.attributes));
  return (*a)->file().attributes;
}

Manifest WithAttributes(const FileAttributes& attributes) {
  Manifest m = testing::PackedAllTypes().manifest;
  m.files[0].attributes = attributes;
  return m;
}

TEST(FileAttributes, TheCodeAndTheBuilderWriteTheSameBytes) {
  for (const FileAttributes& a : {Recorded(), FileAttributes()}) {
    const Manifest m = WithAttributes(a);
    std::string code;
    m.EncodeTo(&code);
    EXPECT_TRUE(code == testing::ManifestV2(m)) << a.any();
  }
  FileAttributes mode_only;
  mode_only.has_mode = true;
  mode_only.mode = 07777;
  const Manifest m = WithAttributes(mode_only);
  std::string code;
  m.EncodeTo(&code);
  EXPECT_TRUE(code == testing::ManifestV2(m));
}

TEST(FileAttributes, A21ArchiveCarriesThem) {
  const testing::PackedFixture& b = testing::PackedAllTypes();
  const FileAttributes got = ReadAttributes(Rebuild(b.archive, testing::ManifestV2(WithAttributes(Recorded())), 2, 1));
  EXPECT_TRUE(Same(got, Recorded()));
  // Only the mode; only the time.
  FileAttributes mode_only, time_only;
  mode_only.has_mode = true;
  mode_only.mode = 0;
  time_only.has_mtime = true;
  time_only.mtime_sec = 1;
  EXPECT_TRUE(Same(ReadAttributes(Rebuild(b.archive, testing::ManifestV2(WithAttributes(mode_only)), 2, 1)), mode_only));
  EXPECT_TRUE(Same(ReadAttributes(Rebuild(b.archive, testing::ManifestV2(WithAttributes(time_only)), 2, 1)), time_only));
}

// What a 2.0 reader does with a 2.1 file entry: the fields it knows end
// before the attributes, and entry_size carries it past them. An archive
// that declares 2.0 takes that path in this reader too.
TEST(FileAttributes, TheBytesAreSkippedWhereTheArchiveSays20) {
  const testing::PackedFixture& b = testing::PackedAllTypes();
  const std::string manifest = testing::ManifestV2(WithAttributes(Recorded()));
  EXPECT_FALSE(ReadAttributes(Rebuild(b.archive, manifest, 2, 0)).any());
  // Invalid values are not looked at either.
  FileAttributes junk = Recorded();
  junk.mode = 0xFFFF;
  junk.mtime_nsec = 0xFFFFFFFF;
  EXPECT_FALSE(ReadAttributes(Rebuild(b.archive, testing::ManifestV2(WithAttributes(junk)), 2, 0)).any());
}

TEST(FileAttributes, A21EntryMayEndWithoutThem) {
  const testing::PackedFixture& b = testing::PackedAllTypes();
  EXPECT_FALSE(ReadAttributes(Rebuild(b.archive, testing::ManifestV2(b.manifest), 2, 1)).any());
  // With the fields but no flag set: none either.
  testing::EntryLayout l;
  l.attribute_block = true;
  EXPECT_FALSE(ReadAttributes(Rebuild(b.archive, testing::ManifestV2(b.manifest, l), 2, 1)).any());
}

TEST(FileAttributes, FieldsOfALaterMinorAfterThemAreSkipped) {
  const testing::PackedFixture& b = testing::PackedAllTypes();
  testing::EntryLayout l;
  l.file_extra = 11;
  const FileAttributes got =
      ReadAttributes(Rebuild(b.archive, testing::ManifestV2(WithAttributes(Recorded()), l), 2, kFormatMinor + 1));
  EXPECT_TRUE(Same(got, Recorded()));
}

// The attribute rules, one broken at a time, in a 2.1 archive.
TEST(FileAttributes, BrokenFieldsAreRefused) {
  const testing::PackedFixture& b = testing::PackedAllTypes();
  const Manifest m = WithAttributes(Recorded());
  struct Case {
    int offset;  // in the 16 bytes of attributes
    std::string bytes;
    std::string needle;
  };
  const Case cases[] = {
      {0, std::string("\x07\x00", 2), "file 0 attributes: reserved flags are set"},
      {0, std::string("\x03\x80", 2), "file 0 attributes: reserved flags are set"},
      {2, std::string("\x00\x10", 2), "file 0 attributes: mode 4096 is not permission bits"},
      {0, std::string("\x02\x00", 2), "file 0 attributes: mode 416 is not permission bits"},  // mode without its flag
      {12, std::string("\x00\xCA\x9A\x3B", 4), "file 0 attributes: mtime -86401.1000000000 is invalid"},
      {0, std::string("\x01\x00", 2), "file 0 attributes: mtime -86401.999999999 is invalid"},  // time without its flag
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.needle);
    testing::Section file = testing::FileSection(m);
    file.content.replace(file.content.size() - 16 + c.offset, c.bytes.size(), c.bytes);
    const std::string a = Rebuild(b.archive, testing::ManifestV2({testing::ChunkSection(m), file}), 2, 1);
    for (const testing::UnpackOutcome& o : {testing::RandomAccessUnpack(a), testing::StreamingUnpack(a)}) {
      EXPECT_EQ(o.status.code(), Status::Code::kCorrupt) << o.status.ToString();
      EXPECT_NE(o.status.message().find(c.needle), std::string::npos) << o.status.ToString();
    }
  }
  // Fewer than 16 bytes after the 2.0 fields.
  testing::EntryLayout l;
  l.file_extra = 15;
  const std::string cut = Rebuild(b.archive, testing::ManifestV2(b.manifest, l), 2, 1);
  testing::UnpackOutcome o = testing::RandomAccessUnpack(cut);
  EXPECT_EQ(o.status.code(), Status::Code::kCorrupt);
  EXPECT_NE(o.status.message().find("truncated reading file 0 attributes"), std::string::npos) << o.status.ToString();
}

// The writer records a regular file's attributes and declares 2.1; without
// them (memory, pipes) it writes 2.0, readable by 2.0 readers.
TEST(FileAttributes, TheWriterRecordsAFilesAndDeclares21) {
  const std::string path = ::testing::TempDir() + "/sgz_attributes_input.bin";
  const std::string data(10000, 'x');
  ::sgz_test::WriteFile(path, data);
  ASSERT_EQ(chmod(path.c_str(), 0604), 0);
  struct timespec t[2] = {{0, UTIME_OMIT}, {1234567890, 5}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0);
  Result<std::unique_ptr<InputStream>> in = OpenInputStream(path);
  ASSERT_TRUE(in.ok());
  StringSink sink;
  PackStats stats;
  ASSERT_TRUE(Pack(in->get(), PackOptions(), &sink, &stats).ok());
  remove(path.c_str());
  const std::string& a = sink.out;
  EXPECT_EQ(a[10], 1);                 // header minor
  EXPECT_EQ(a[a.size() - 40 + 26], 1);  // footer minor
  Result<std::unique_ptr<Archive>> r = testing::OpenMemory(a);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const FileAttributes& got = (*r)->file().attributes;
  EXPECT_TRUE(got.has_mode && got.mode == 0604 && got.has_mtime && got.mtime_sec == 1234567890 && got.mtime_nsec == 5);
  EXPECT_TRUE(testing::Unpack(a) == data);

  const std::string from_memory = testing::Pack(data);
  EXPECT_EQ(from_memory[10], 0);
  EXPECT_EQ(from_memory[from_memory.size() - 40 + 26], 0);
  EXPECT_EQ(a.size(), from_memory.size() + FileAttributes::kEncodedLength);
}

}  // namespace
}  // namespace sgz::internal
