#include "container/format.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <zstd.h>

#include "common/checksum.h"
#include "manifest_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// A manifest of one chunk and one file made of that chunk alone.
Manifest OneChunkManifest(const ChunkEntry& chunk) {
  Manifest m;
  m.chunks.push_back(chunk);
  FileEntry f;
  f.original_size = chunk.original_size;
  f.chunks = {0};
  m.files.push_back(f);
  return m;
}

TEST(Format, HeaderRoundTripsAndRejectsOtherMajorVersions) {
  std::string b;
  FileHeader().EncodeTo(&b);
  ASSERT_EQ(b.size(), FileHeader::kEncodedLength);
  ASSERT_TRUE(FileHeader::DecodeFrom(U8(b), b.size()).ok());
  for (uint8_t major : {1, 2}) {
    std::string v = b;
    v[8] = static_cast<char>(major);
    EXPECT_TRUE(FileHeader::DecodeFrom(U8(v), v.size()).ok()) << int{major};
  }
  for (uint8_t major : {0, 3}) {
    std::string v = b;
    v[8] = static_cast<char>(major);
    Result<FileHeader> d = FileHeader::DecodeFrom(U8(v), v.size());
    EXPECT_EQ(d.status().code(), Status::Code::kNotSupported) << int{major};
    EXPECT_NE(d.status().message().find("format version " + std::to_string(major) + ".0 is not supported"),
              std::string::npos);
  }
  std::string minor = b;
  minor[10] = 7;  // a newer minor version is readable
  EXPECT_TRUE(FileHeader::DecodeFrom(U8(minor), minor.size()).ok());
  std::string flags = b;
  flags[12] = 1;
  EXPECT_EQ(FileHeader::DecodeFrom(U8(flags), flags.size()).status().code(), Status::Code::kCorrupt);
  std::string magic = b;
  magic[0] = 'x';
  EXPECT_EQ(FileHeader::DecodeFrom(U8(magic), magic.size()).status().code(), Status::Code::kCorrupt);
}

TEST(Format, FooterRoundTrips) {
  Footer f;
  f.manifest_offset = 0x1122334455667788ull;
  f.manifest_size = 99;
  f.manifest_checksum = 0xABCDEF;
  std::string b;
  f.EncodeTo(&b);
  ASSERT_EQ(b.size(), Footer::kEncodedLength);
  Result<Footer> d = Footer::DecodeFrom(U8(b), b.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->manifest_offset, f.manifest_offset);
  EXPECT_EQ(d->manifest_size, 99u);
  EXPECT_EQ(d->manifest_checksum, 0xABCDEFu);
}

TEST(Format, ChunkHeaderValidatesStreamsAgainstTheTransform) {
  ChunkHeader h;
  h.transform = Transform::kSplit;
  h.type = 8;  // Q8_0: d as two planes, qs, tail
  h.original_size = 34 * 3 + 4;
  h.checksum = 42;
  h.streams = {{Codec::kStored, 3, 3}, {Codec::kZstd, 3, 2}, {Codec::kStored, 96, 96}, {Codec::kStored, 4, 4}};
  std::string b;
  h.EncodeTo(&b);
  ASSERT_EQ(b.size(), h.EncodedLength());
  ChunkHeader d;
  size_t needed = 0;
  ASSERT_TRUE(ChunkHeader::DecodeFrom(U8(b), b.size(), FormatVersion(), &d, &needed).ok());
  EXPECT_EQ(needed, b.size());
  EXPECT_EQ(d.streams.size(), 4u);
  EXPECT_EQ(d.PayloadSize(), 105u);
  // Too short: asks for more.
  ASSERT_TRUE(ChunkHeader::DecodeFrom(U8(b), 10, FormatVersion(), &d, &needed).ok());
  EXPECT_EQ(needed, ChunkHeader::kFixedLength);
  // A raw size that disagrees with the transform.
  ChunkHeader bad = h;
  bad.streams[0].raw_size = 2;
  std::string bb;
  bad.EncodeTo(&bb);
  EXPECT_EQ(ChunkHeader::DecodeFrom(U8(bb), bb.size(), FormatVersion(), &d, &needed).code(), Status::Code::kCorrupt);
  // A stored size larger than the raw size.
  bad = h;
  bad.streams[0].stored_size = 4;
  bb.clear();
  bad.EncodeTo(&bb);
  EXPECT_EQ(ChunkHeader::DecodeFrom(U8(bb), bb.size(), FormatVersion(), &d, &needed).code(), Status::Code::kCorrupt);
  // A type that cannot be split.
  bad = h;
  bad.type = 4;
  bb.clear();
  bad.EncodeTo(&bb);
  EXPECT_EQ(ChunkHeader::DecodeFrom(U8(bb), bb.size(), FormatVersion(), &d, &needed).code(), Status::Code::kCorrupt);
}

TEST(Format, ManifestRoundTripsAndRejectsInconsistency) {
  Manifest m;
  m.chunks.push_back({16, 86, 50, Transform::kNone, 1, 0, 7});
  m.chunks.push_back({116, 100, 288, Transform::kSplit, 4, 8, 8});
  FileEntry f;
  f.name = "model.gguf";
  f.original_size = 338;
  f.checksum = 5;
  f.kind = EntryKind::kGguf;
  f.chunks = {0, 1};
  f.gguf_version = 3;
  f.alignment = 32;
  f.data_offset = 50;
  f.kv_count = 2;
  TensorEntry t;
  t.name = "w";
  t.type = 12;
  t.n_dims = 2;
  t.ne[0] = 256;
  t.ne[1] = 2;
  t.offset = 50;
  t.size = 288;
  f.tensors.push_back(t);
  m.files.push_back(f);
  std::string b;
  m.EncodeTo(&b);
  Result<Manifest> d = Manifest::DecodeFrom(U8(b), b.size(), 216, FormatVersion());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->files[0].tensors[0].name, "w");
  EXPECT_EQ(d->files[0].tensors[0].ne[1], 2);
  EXPECT_EQ(d->chunks[1].type, 8u);
  // Chunks beyond the chunk area.
  EXPECT_EQ(Manifest::DecodeFrom(U8(b), b.size(), 200, FormatVersion()).status().code(), Status::Code::kCorrupt);
  // Original size that the chunks do not cover.
  Manifest m2 = m;
  m2.files[0].original_size = 339;
  std::string b2;
  m2.EncodeTo(&b2);
  EXPECT_NE(Manifest::DecodeFrom(U8(b2), b2.size(), 216, FormatVersion()).status().message().find("chunks cover 338 bytes"),
            std::string::npos);
  // A chunk referenced twice (output amplification) or out of order.
  for (std::vector<uint32_t> refs : {std::vector<uint32_t>{0, 0}, std::vector<uint32_t>{1, 0}}) {
    Manifest m3 = m;
    m3.files[0].chunks = refs;
    m3.files[0].original_size = m3.chunks[refs[0]].original_size + m3.chunks[refs[1]].original_size;
    std::string b4;
    m3.EncodeTo(&b4);
    EXPECT_NE(Manifest::DecodeFrom(U8(b4), b4.size(), 216, FormatVersion()).status().message().find("does not follow"), std::string::npos);
  }
  // Overlapping chunks.
  Manifest m4 = m;
  m4.chunks[1].file_offset = 100;
  std::string b5;
  m4.EncodeTo(&b5);
  EXPECT_NE(Manifest::DecodeFrom(U8(b5), b5.size(), 216, FormatVersion()).status().message().find("overlaps"), std::string::npos);
  // Duplicate tensor names.
  Manifest m5 = m;
  m5.files[0].tensors.push_back(m5.files[0].tensors[0]);
  std::string b6;
  m5.EncodeTo(&b6);
  EXPECT_NE(Manifest::DecodeFrom(U8(b6), b6.size(), 216, FormatVersion()).status().message().find("duplicate tensor name"),
            std::string::npos);
  // Trailing bytes.
  std::string b3 = b + "x";
  EXPECT_FALSE(Manifest::DecodeFrom(U8(b3), b3.size(), 216, FormatVersion()).ok());
  // Every truncation fails cleanly.
  for (size_t n = 0; n < b.size(); ++n) EXPECT_FALSE(Manifest::DecodeFrom(U8(b), n, 216, FormatVersion()).ok()) << n;
}

TEST(Format, StreamCountIsCappedBeforeUse) {
  // A chunk header announcing 65 streams is refused from its fixed part,
  // before the descriptors it announces are asked for.
  ChunkHeader h;
  h.original_size = 5;
  h.checksum = 1;
  h.streams = {{Codec::kStored, 5, 5}};
  std::string b;
  h.EncodeTo(&b);
  b[5] = 65;
  ChunkHeader d;
  size_t needed = 0;
  Status s = ChunkHeader::DecodeFrom(U8(b), ChunkHeader::kFixedLength, FormatVersion(), &d, &needed);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt) << s.ToString();
  EXPECT_NE(s.message().find("stream count 65 exceeds the limit 64"), std::string::npos) << s.ToString();
  // And in a chunk entry.
  const Manifest m = OneChunkManifest({16, 24 + 12 * 65 + 5, 5, Transform::kNone, 65, 0, 1});
  std::string mb;
  m.EncodeTo(&mb);
  Result<Manifest> r = Manifest::DecodeFrom(U8(mb), mb.size(), 4096, FormatVersion());
  EXPECT_NE(r.status().message().find("chunk 0: stream count 65 exceeds the limit 64"), std::string::npos)
      << r.status().ToString();
}

TEST(Format, ChunkEntryStoredSizeIsBoundedInFormat2) {
  // 24 + 12 + 50 bytes at most: no stream is stored larger than it is.
  Manifest m = OneChunkManifest({16, 24 + 12 + 50, 50, Transform::kNone, 1, 0, 7});
  std::string b;
  m.EncodeTo(&b);
  ASSERT_TRUE(Manifest::DecodeFrom(U8(b), b.size(), 4096, FormatVersion()).ok());
  m.chunks[0].stored_size += 1;
  b.clear();
  m.EncodeTo(&b);
  Result<Manifest> r = Manifest::DecodeFrom(U8(b), b.size(), 4096, FormatVersion());
  EXPECT_EQ(r.status().code(), Status::Code::kCorrupt);
  EXPECT_NE(r.status().message().find("chunk 0: stored size 87 exceeds its header and original size (86)"),
            std::string::npos)
      << r.status().ToString();
  // The 1.0 manifest never had this rule; its chunks fail when decoded.
  const std::string v1 = testing::ManifestV1(m);
  EXPECT_TRUE(Manifest::DecodeFrom(U8(v1), v1.size(), 4096, FormatVersion{1, 0}).ok());
}

std::string ZstdFrame(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  size_t n = ZSTD_compress(&out[0], out.size(), raw.data(), raw.size(), 1);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

Status DecodeZstd(const std::string& stored, uint64_t raw_size, std::string* out) {
  out->assign(raw_size, '\0');
  return DecodeStream(Codec::kZstd, U8(stored), stored.size(), reinterpret_cast<uint8_t*>(&(*out)[0]), raw_size);
}

TEST(Format, AZstdStreamIsExactlyOneFrame) {
  const std::string a(1000, 'a'), b(1000, 'b');
  const std::string fa = ZstdFrame(a), fb = ZstdFrame(b);
  std::string out;
  ASSERT_TRUE(DecodeZstd(fa, a.size(), &out).ok());
  EXPECT_TRUE(out == a);
  // Two frames that together decode to raw_size bytes.
  Status s = DecodeZstd(fa + fb, a.size() + b.size(), &out);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt);
  EXPECT_NE(s.message().find("its first frame ends at byte " + std::to_string(fa.size())), std::string::npos)
      << s.ToString();
  // Trailing bytes after the frame.
  s = DecodeZstd(fa + "xyz", a.size(), &out);
  EXPECT_NE(s.message().find("its first frame ends at byte"), std::string::npos) << s.ToString();
  // A skippable frame (magic 0x184D2A50..5F) before the frame, which zstd
  // itself would skip.
  for (uint8_t low : {0x50, 0x5F}) {
    std::string skippable = {static_cast<char>(low), 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'n', 'o', 't', 'e'};
    s = DecodeZstd(skippable + fa, a.size(), &out);
    EXPECT_EQ(s.code(), Status::Code::kCorrupt);
    EXPECT_NE(s.message().find("zstd stream is a skippable frame"), std::string::npos) << s.ToString();
  }
}

// Hex dump in `hexdump -C` layout, the form the spec prints.
std::string HexDump(const std::string& bytes) {
  std::string out;
  char line[128];
  for (size_t off = 0; off < bytes.size(); off += 16) {
    int n = snprintf(line, sizeof line, "%08zx ", off);
    std::string text(line, n);
    std::string ascii;
    for (size_t i = 0; i < 16; ++i) {
      if (i == 8) text += " ";
      if (off + i < bytes.size()) {
        uint8_t c = static_cast<uint8_t>(bytes[off + i]);
        snprintf(line, sizeof line, " %02x", c);
        text += line;
        ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
      } else {
        text += "   ";
      }
    }
    out += text + "  |" + ascii + "|\n";
  }
  return out;
}

// Parses the hex bytes back out of a dump.
std::string ParseDump(const std::string& dump) {
  std::string bytes;
  size_t pos = 0;
  while (pos < dump.size()) {
    size_t eol = dump.find('\n', pos);
    if (eol == std::string::npos) eol = dump.size();
    std::string line = dump.substr(pos, eol - pos);
    pos = eol + 1;
    size_t bar = line.find('|');
    if (bar != std::string::npos) line = line.substr(0, bar);
    size_t i = line.find(' ');  // skip the offset column
    if (i == std::string::npos) continue;
    for (; i + 1 < line.size(); ++i) {
      if (isxdigit(line[i]) && isxdigit(line[i + 1]) && (i + 2 >= line.size() || line[i + 2] == ' ')) {
        bytes.push_back(static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16)));
        i += 2;
      }
    }
  }
  return bytes;
}

TEST(Format, SpecHexDumpIsWhatTheWriterProduces) {
  const std::string spec = testing::ReadFile(testing::SourceDir() + "/format-spec/sgz-format.md");
  const std::string begin = "<!-- minimal-archive-hexdump:begin -->";
  const std::string end = "<!-- minimal-archive-hexdump:end -->";
  size_t b = spec.find(begin), e = spec.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string archive = testing::Pack("hello");
  const std::string in_spec = ParseDump(spec.substr(b + begin.size(), e - b - begin.size()));
  EXPECT_TRUE(in_spec == archive) << "the spec's dump should read:\n" << HexDump(archive);
  EXPECT_EQ(testing::Unpack(archive), "hello");
}

}  // namespace
}  // namespace sgz::internal
