// Compatibility with what the 2.2 writer writes since member records and
// appending: fixtures/format-2.2-records (sgz pack of four GGUF members) and
// fixtures/format-2.2-appended (sgz pack of one, then sgz add of two). Every
// member reads back as its source, and the archives hold the structures their
// SOURCES.txt describe, found by walking them in order as the spec lays them
// out (records, chunks, dead manifest and footer). The annotated dump of the
// first bytes in format-2.2-records/SOURCES.txt is checked against the bytes
// and against the spec's field tables. tests/fixtures_22_test.sh checks that
// the writer still writes both byte for byte.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "common/checksum.h"
#include "common/coding.h"
#include "fixture_sources.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using testing::ExpectMembersAsSources;
using testing::Fixture;

constexpr int64_t kFixtureMtime = 1796169600;  // 2026-12-02T00:00:00Z
constexpr uint32_t kFixtureMode = 0644;

const uint8_t* Bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Walks `a` from offset 16 as a streaming reader meets it and names what it
// finds: "R(name)" a member record (its fields checked: kind 1, checksum,
// first_chunk, the fixtures' attributes), "C<i>" chunk i (at the offset the
// manifest `m` gives), "M" a manifest frame, "F<minor>" a footer.
std::string Layout(const std::string& a, const Manifest& m) {
  std::string out;
  uint64_t at = 16;
  uint32_t chunk = 0;
  const uint8_t* p = Bytes(a);
  while (at + 4 <= a.size()) {
    const std::string tag = a.substr(at, 4);
    if (tag == "SGZR") {
      if (at + 20 > a.size()) return out + "truncated record";
      const uint32_t size = LoadU32LE(p + at + 8);
      const uint8_t* c = p + at + 20;
      if (at + 20 + size > a.size() || size < 22) return out + "bad record size";
      EXPECT_EQ(LoadU16LE(p + at + 4), 1) << "record at " << at << ": kind";
      EXPECT_EQ(LoadU16LE(p + at + 6), 0) << "record at " << at << ": flags";
      EXPECT_EQ(LoadU64LE(p + at + 12), Xxh3(c, size)) << "record at " << at << ": checksum";
      EXPECT_EQ(LoadU32LE(c), chunk) << "record at " << at << ": first_chunk";
      const uint16_t name_len = LoadU16LE(c + 4);
      EXPECT_EQ(size, 4u + 2u + name_len + 16u) << "record at " << at << ": size";
      const uint8_t* attr = c + 6 + name_len;
      EXPECT_EQ(LoadU16LE(attr), FileAttributes::kHasMode | FileAttributes::kHasMtime);
      EXPECT_EQ(LoadU16LE(attr + 2), kFixtureMode);
      EXPECT_EQ(static_cast<int64_t>(LoadU64LE(attr + 4)), kFixtureMtime);
      EXPECT_EQ(LoadU32LE(attr + 12), 0u);
      out += "R(" + a.substr(at + 26, name_len) + ") ";
      at += 20 + size;
    } else if (tag == "SGZC") {
      if (chunk >= m.chunks.size() || at + 24 > a.size()) return out + "chunk past the table";
      EXPECT_EQ(m.chunks[chunk].file_offset, at) << "chunk " << chunk;
      const uint8_t streams = p[at + 5];
      uint64_t size = 24 + 12 * streams;
      for (uint8_t k = 0; k < streams; ++k) size += LoadU32LE(p + at + 24 + 12 * k + 8);
      EXPECT_EQ(m.chunks[chunk].stored_size, size) << "chunk " << chunk;
      out += "C" + std::to_string(chunk++) + " ";
      at += size;
    } else if (tag == "SGZM") {
      if (at + 16 > a.size()) return out + "truncated manifest";
      const uint64_t frame = 16 + LoadU64LE(p + at + 8);
      if (frame + Footer::kEncodedLength > a.size() - at) return out + "manifest past the end";
      const uint8_t* f = p + at + frame;
      EXPECT_EQ(LoadU64LE(f), at) << "footer after the manifest at " << at << ": manifest_offset";
      EXPECT_EQ(LoadU64LE(f + 8), frame);
      EXPECT_EQ(LoadU64LE(f + 16), Xxh3(p + at, frame)) << "footer after the manifest at " << at << ": checksum";
      EXPECT_EQ(a.substr(at + frame + 32, 8), "\x89SGZEND\n");
      out += "M F2." + std::to_string(LoadU16LE(f + 26)) + " ";
      at += frame + Footer::kEncodedLength;
    } else {
      return out + "unknown tag at " + std::to_string(at);
    }
  }
  EXPECT_EQ(at, a.size());
  return out;
}

// The transform and type of every chunk, "t/type" (3/0: coded against chunk 0).
std::string Transforms(const Manifest& m) {
  std::string out;
  for (const ChunkEntry& c : m.chunks) {
    out += std::to_string(static_cast<int>(c.transform)) + "/" + std::to_string(c.type) + " ";
  }
  return out;
}

TEST(FormatCompat, TheFormat22RecordsFixtureReadsEachMember) {
  const std::string a = Fixture("format-2.2-records/four-members.sgz");
  ASSERT_GT(a.size(), 16u + Footer::kEncodedLength);
  EXPECT_EQ(LoadU16LE(Bytes(a) + 10), 2) << "not a minor version 2 archive";
  Result<std::unique_ptr<Archive>> archive = testing::OpenMemory(a);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  const Manifest& m = (*archive)->manifest();
  EXPECT_EQ(ExpectMembersAsSources(**archive, "format-2.2-records"), 4u);
  // A record before each member's chunks; one manifest and footer.
  EXPECT_EQ(Layout(a, m),
            "R(a.gguf) C0 C1 C2 C3 R(b.gguf) C4 C5 C6 C7 R(c.gguf) C8 C9 C10 C11 "
            "R(d.gguf) C12 C13 C14 C15 M F2.2 ");
  // b's and c's metadata coded against a's (3/0), b's copies of a's tensor
  // chunks (2/1, 2/2), and d.gguf (= a.gguf) copies of all of a's chunks.
  EXPECT_EQ(Transforms(m), "0/0 0/0 1/0 0/0 3/0 2/1 2/2 0/0 3/0 0/0 0/0 0/0 2/0 2/1 2/2 2/3 ");
  for (const FileEntry& f : m.files) {
    EXPECT_TRUE(f.attributes.has_mode && f.attributes.mode == kFixtureMode) << f.name;
    EXPECT_TRUE(f.attributes.has_mtime && f.attributes.mtime_sec == kFixtureMtime) << f.name;
  }
}

TEST(FormatCompat, TheFormat22AppendedFixtureReadsEachMember) {
  const std::string a = Fixture("format-2.2-appended/one-plus-two.sgz");
  ASSERT_GT(a.size(), 16u + Footer::kEncodedLength);
  EXPECT_EQ(LoadU16LE(Bytes(a) + 10), 2) << "the add did not rewrite the header's minor";
  Result<std::unique_ptr<Archive>> archive = testing::OpenMemory(a);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  const Manifest& m = (*archive)->manifest();
  EXPECT_EQ(ExpectMembersAsSources(**archive, "format-2.2-appended"), 3u);
  // The packed file's chunks (no record: it was a one-file archive), its
  // dead manifest and footer (minor 1), then the added members with records.
  EXPECT_EQ(Layout(a, m), "C0 C1 C2 M F2.1 R(b.gguf) C3 C4 C5 C6 R(c.gguf) C7 C8 C9 C10 M F2.2 ");
  // b's and c's metadata coded against a's (chunk 0), b's copy of chunk 1.
  EXPECT_EQ(Transforms(m), "0/0 0/0 1/0 3/0 2/1 1/0 0/0 3/0 0/0 0/0 0/0 ");
  // The bytes up to the dead footer are the archive the pack wrote, but for
  // the header's minor: with it set back to 1, they read as a.gguf alone.
  const uint64_t old_end = m.chunks[3].file_offset - (20 + 4 + 2 + 6 + 16);
  std::string old = a.substr(0, old_end);
  old[10] = 1;
  Result<std::unique_ptr<Archive>> before = testing::OpenMemory(old);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_EQ((*before)->manifest().files.size(), 1u);
  EXPECT_EQ((*before)->manifest().files[0].name, "a.gguf");
  ASSERT_EQ((*before)->manifest().chunks.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*before)->manifest().chunks[i].file_offset, m.chunks[i].file_offset);
  StringSink sink;
  Result<FileView*> v = (*before)->view(0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE((*v)->Unpack(&sink).ok());
  EXPECT_TRUE(sink.out == Fixture("valid/nonzero-padding.gguf"));
}

// Each member of fixtures/DIR/ARCHIVE through the streaming reader, selected
// by name, is its source; VerifyStream checks them all in one pass.
void ExpectStreamsAsSources(const std::string& dir, const std::string& archive_name) {
  const std::string a = Fixture(dir + "/" + archive_name);
  int members = 0;
  for (const std::vector<std::string>& f : testing::SourceLines(dir)) {
    if (f.size() < 3 || f[0] != archive_name) continue;
    const std::string& member = f[1];
    const std::string& source = f[2];
    testing::UnpackOutcome o = testing::StreamingUnpack(a, member);
    EXPECT_TRUE(o.status.ok()) << member << ": " << o.status.ToString();
    EXPECT_TRUE(o.output == Fixture(source)) << member;
    ++members;
  }
  EXPECT_GT(members, 1);
  Status all = testing::StreamingVerify(a);
  EXPECT_TRUE(all.ok()) << all.ToString();
}

TEST(FormatCompat, TheFormat22RecordsFixtureStreamsEachMember) {
  ExpectStreamsAsSources("format-2.2-records", "four-members.sgz");
}

// From a stream: a dead footer of a lower minor, a leading member without a
// record.
TEST(FormatCompat, TheFormat22AppendedFixtureStreamsEachMember) {
  ExpectStreamsAsSources("format-2.2-appended", "one-plus-two.sgz");
}

// Lines of `text` between "# NAME:begin" and "# NAME:end", without "# ".
std::vector<std::string> Block(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "# " + name + ":end") break;
    if (inside) lines.push_back(line.substr(2));
    if (line == "# " + name + ":begin") inside = true;
  }
  return lines;
}

// Unescapes "..." with \xNN, \r, \n.
std::string Unquote(const std::string& q) {
  std::string out;
  for (size_t i = 1; i + 1 < q.size(); ++i) {
    if (q[i] != '\\') {
      out += q[i];
    } else if (q[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(q.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += q[i + 1] == 'r' ? '\r' : '\n';
      ++i;
    }
  }
  return out;
}

// The rows of the first table after the spec's heading `heading`, as
// (offset, bytes) by field name; a table without an Offset column gives each
// field the sum of the bytes before it.
std::map<std::string, std::pair<uint64_t, uint64_t>> SpecTable(const std::string& spec, const std::string& heading) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> rows;
  size_t at = spec.find("\n" + heading + "\n");
  EXPECT_NE(at, std::string::npos) << heading;
  if (at == std::string::npos) return rows;
  std::istringstream in(spec.substr(spec.find("\n|", at) + 1));
  std::string line;
  std::vector<std::string> columns;
  uint64_t next = 0;
  while (std::getline(in, line) && !line.empty() && line[0] == '|') {
    std::vector<std::string> cells;
    std::istringstream cs(line.substr(1));
    std::string cell;
    while (std::getline(cs, cell, '|')) {
      const size_t first = cell.find_first_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, cell.find_last_not_of(' ') - first + 1));
    }
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    if (cells[0].find("--") != std::string::npos) continue;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < cells.size() && i < columns.size(); ++i) row[columns[i]] = cells[i];
    if (row["Bytes"].empty() || !isdigit(static_cast<unsigned char>(row["Bytes"][0]))) continue;  // `size` bytes
    const uint64_t bytes = std::stoull(row["Bytes"]);
    const uint64_t offset = row.count("Offset") ? std::stoull(row["Offset"]) : next;
    rows[row["Field"]] = {offset, bytes};
    next = offset + bytes;
  }
  return rows;
}

// The dump in format-2.2-records/SOURCES.txt is the archive's first bytes,
// and each annotated field is where the spec's table puts it, with the value
// the annotation gives.
TEST(FormatCompat, TheFormat22RecordsDumpFollowsTheSpecsTables) {
  const std::string a = Fixture("format-2.2-records/four-members.sgz");
  const std::string sources = Fixture("format-2.2-records/SOURCES.txt");
  const std::string spec = testing::ReadFile(testing::SourceDir() + "/format-spec/sgz-format.md");
  std::string dumped;
  for (const std::string& line : Block(sources, "hexdump")) {
    std::istringstream hex(line.substr(0, line.find('|')));
    std::string word;
    hex >> word;  // the offset
    EXPECT_EQ(std::stoull(word, nullptr, 16), dumped.size()) << line;
    while (hex >> word) dumped += static_cast<char>(std::stoi(word, nullptr, 16));
  }
  ASSERT_GE(dumped.size(), 100u);
  EXPECT_TRUE(a.compare(0, dumped.size(), dumped) == 0) << "the dump in SOURCES.txt is not the archive's first bytes";
  const std::map<std::string, std::string> headings = {{"header", "File header"},
                                                       {"record", "Member records"},
                                                       {"attributes", "### File attributes"},
                                                       {"chunk", "### Chunk header (fixed part)"},
                                                       {"descriptor", "### Stream descriptor"}};
  std::map<std::string, std::map<std::string, std::pair<uint64_t, uint64_t>>> tables;
  for (const auto& [structure, heading] : headings) tables[structure] = SpecTable(spec, heading);
  uint64_t covered = 0;
  const std::vector<std::string> fields = Block(sources, "fields");
  ASSERT_GE(fields.size(), 20u);
  for (const std::string& line : fields) {
    SCOPED_TRACE(line);
    std::istringstream in(line);
    std::string offset_s, where, field, bytes_s, value;
    in >> offset_s >> where >> field >> bytes_s >> value;
    const uint64_t offset = std::stoull(offset_s, nullptr, 16), bytes = std::stoull(bytes_s);
    const std::string structure = where.substr(0, where.find('+'));
    const uint64_t in_structure = std::stoull(where.substr(where.find('+') + 1));
    EXPECT_EQ(offset, covered) << "fields are listed back to back";
    covered = offset + bytes;
    if (structure == "content") {  // the record's content: listed in prose, in order
      EXPECT_NE(spec.find("`" + field + "` ("), std::string::npos);
    } else {
      ASSERT_TRUE(tables.count(structure));
      const auto& table = tables[structure];
      const std::string key = field[0] == '(' ? field : "`" + field + "`";
      ASSERT_TRUE(table.count(key)) << "no field " << key << " in the spec's table of " << headings.at(structure);
      EXPECT_EQ(table.at(key).first, in_structure) << "offset in the spec's table";
      EXPECT_EQ(table.at(key).second, bytes) << "bytes in the spec's table";
    }
    ASSERT_LE(offset + bytes, a.size());
    if (value[0] == '"') {
      EXPECT_EQ(a.substr(offset, bytes), Unquote(value));
    } else {
      uint64_t v = 0;
      for (uint64_t i = bytes; i-- > 0;) v = v << 8 | static_cast<uint8_t>(a[offset + i]);
      EXPECT_EQ(v, std::stoull(value, nullptr, 0));
    }
  }
  EXPECT_EQ(covered, dumped.size()) << "the fields cover the dump";
}

}  // namespace
}  // namespace sgz::internal
