// A manifest with a valid checksum is still untrusted: sizes and offsets it
// declares must be bounded by the archive and the format's limits before
// anything is allocated from them. Hand-made archives (chunks from the
// writer, manifest from tests/manifest_builder.h, checksum recomputed) declare
// oversized fields; each is refused with an error naming the field, through
// the library and through `sgz info` (exit 2, one line, no abort).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>

#include "manifest_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

constexpr uint64_t kTiB = 1ull << 40;

using Packed = testing::PackedFixture;
const Packed& AllTypes() { return testing::PackedAllTypes(); }

// `archive`'s chunks, then the `extra` chunk bytes, then `manifest` (a whole
// frame) and a footer of version major.0 with its checksum.
std::string WithManifest(const std::string& archive, const std::string& extra, const std::string& manifest,
                         uint16_t major) {
  const uint8_t* a = reinterpret_cast<const uint8_t*>(archive.data());
  const uint64_t offset = LoadU64LE(a + archive.size() - Footer::kEncodedLength);
  std::string out = archive.substr(0, offset) + extra;
  out[8] = static_cast<char>(major);
  out[9] = 0;
  out[10] = out[11] = 0;
  return testing::AppendManifest(std::move(out), manifest, major, 0);
}

// all-types.gguf grown to a 1 TiB + file whose GGUF data_offset is 1 TiB:
// 16384 more chunks of 64 MiB, each a valid 36-byte chunk header (one zstd
// stream) with an empty payload (never decoded), and no tensors (they would
// lie before the data).
std::string TebibyteDataOffset(uint16_t major) {
  const Packed& p = AllTypes();
  Manifest m = p.manifest;
  const uint64_t area_end = LoadU64LE(reinterpret_cast<const uint8_t*>(p.archive.data()) + p.archive.size() -
                                      Footer::kEncodedLength);
  constexpr uint32_t kStored = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength;
  constexpr uint64_t kExtra = kTiB / kMaxChunkSize;
  FileEntry& f = m.files[0];
  ChunkHeader h;
  h.original_size = static_cast<uint32_t>(kMaxChunkSize);
  h.streams.push_back({Codec::kZstd, static_cast<uint32_t>(kMaxChunkSize), 0});
  std::string one, extra;
  h.EncodeTo(&one);
  EXPECT_EQ(one.size(), kStored);
  for (uint64_t i = 0; i < kExtra; ++i) {
    extra += one;
    ChunkEntry c;
    c.file_offset = area_end + i * kStored;
    c.stored_size = kStored;
    c.original_size = static_cast<uint32_t>(kMaxChunkSize);
    c.transform = Transform::kNone;
    c.stream_count = 1;
    f.chunks.push_back(static_cast<uint32_t>(m.chunks.size()));
    m.chunks.push_back(c);
  }
  f.original_size += kExtra * kMaxChunkSize;
  f.data_offset = kTiB;
  f.tensors.clear();
  const std::string manifest = major == 1 ? testing::ManifestV1(m) : testing::ManifestV2(m);
  return WithManifest(p.archive, extra, manifest, major);
}

// all-types.gguf with its data_offset set past the file's end.
std::string DataOffsetPastTheEnd(uint16_t major) {
  const Packed& p = AllTypes();
  Manifest m = p.manifest;
  m.files[0].data_offset = m.files[0].original_size + 1;
  m.files[0].tensors.clear();
  const std::string manifest = major == 1 ? testing::ManifestV1(m) : testing::ManifestV2(m);
  return WithManifest(p.archive, "", manifest, major);
}

// A GGUF file whose header (one 65 MiB string) is over the 64 MiB limit:
// the writer packs it as opaque bytes; the manifest is rewritten to call it
// GGUF with its true data_offset, so only the reader's bound stands in the way.
std::string HugeHeader(uint64_t* data_offset) {
  constexpr uint64_t kString = 65ull << 20;
  std::string gguf = "GGUF";
  PutU32(&gguf, 3);
  PutU64(&gguf, 0);  // tensors
  PutU64(&gguf, 1);  // key/value pairs
  PutU64(&gguf, 1);
  gguf += "a";
  PutU32(&gguf, 8);  // string
  PutU64(&gguf, kString);
  gguf.append(kString, 'x');
  gguf.resize((gguf.size() + 31) / 32 * 32, '\0');
  *data_offset = gguf.size();
  PackOptions o;
  o.threads = 1;
  const std::string archive = testing::Pack(gguf, o);
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  EXPECT_TRUE(a.ok());
  if (!a.ok()) return "";
  Manifest m = (*a)->manifest();
  FileEntry& f = m.files[0];
  EXPECT_EQ(f.kind, EntryKind::kOpaque);
  f.kind = EntryKind::kGguf;
  f.note.clear();
  f.gguf_version = 3;
  f.alignment = 32;
  f.data_offset = gguf.size();
  f.kv_count = 1;
  return WithManifest(archive, "", testing::ManifestV2(m), 2);
}

Status ReadHeader(const std::string& archive) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  if (!a.ok()) return a.status();
  std::vector<uint8_t> header;
  GgufLayout layout;
  try {
    return (*a)->ReadGgufHeader(&header, &layout);
  } catch (const std::exception& e) {
    return Status::IOError(std::string("exception escaped: ") + e.what());
  }
}

// Runs `sgz info` on `archive`; *stderr_out gets what it printed on stderr.
int SgzInfo(const std::string& archive, const std::string& name, std::string* stderr_out) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/" + name + ".sgz", err = dir + "/" + name + ".err";
  ::sgz_test::WriteFile(path, archive);
  const int rc = std::system((std::string(SGZ_CLI) + " info '" + path + "' >/dev/null 2>'" + err + "'").c_str());
  *stderr_out = testing::ReadFile(err);
  std::remove(path.c_str());
  std::remove(err.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

void ExpectOneLine(const std::string& err, const std::string& needle) {
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(needle), std::string::npos) << err << "\nwanted: " << needle;
}

class ManifestBounds : public ::testing::TestWithParam<uint16_t> {};

TEST_P(ManifestBounds, TebibyteDataOffsetIsRefusedWithoutAllocatingIt) {
  const std::string archive = TebibyteDataOffset(GetParam());
  ASSERT_TRUE(testing::OpenMemory(archive).ok()) << "the manifest itself is valid";
  const Status s = ReadHeader(archive);
  EXPECT_EQ(s.code(), Status::Code::kCorrupt) << s.ToString();
  EXPECT_NE(s.message().find("data_offset 1099511627776 disagrees with its GGUF header's"), std::string::npos)
      << s.ToString();

  std::string err;
  EXPECT_EQ(SgzInfo(archive, "tib-" + std::to_string(GetParam()), &err), 2);
  ExpectOneLine(err, "data_offset 1099511627776");
}

TEST_P(ManifestBounds, DataOffsetPastTheFileIsRefusedByTheManifestDecoder) {
  const std::string archive = DataOffsetPastTheEnd(GetParam());
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kCorrupt);
  const std::string want = "file 0: data_offset " + std::to_string(AllTypes().original.size() + 1) +
                           " exceeds original_size " + std::to_string(AllTypes().original.size());
  EXPECT_NE(a.status().message().find(want), std::string::npos) << a.status().ToString();

  std::string err;
  EXPECT_EQ(SgzInfo(archive, "past-" + std::to_string(GetParam()), &err), 2);
  ExpectOneLine(err, want);
}

TEST(ManifestBoundsGguf, HeaderOverTheLimitIsNotRead) {
  uint64_t data_offset = 0;
  const std::string archive = HugeHeader(&data_offset);
  const Status s = ReadHeader(archive);
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted) << s.ToString();
  const std::string want =
      "GGUF header: larger than the 64 MiB limit (manifest data_offset " + std::to_string(data_offset) + ")";
  EXPECT_NE(s.message().find(want), std::string::npos) << s.ToString();

  std::string err;
  EXPECT_EQ(SgzInfo(archive, "huge-header", &err), 3);  // kExitIO: a limit of this reader
  ExpectOneLine(err, want);
}

// Format 2.1's compressed sections: a frame of a few bytes that claims the
// largest decoded_size allowed is refused once it ends (no 1 GiB buffer), and
// a decoded_size above the limit before decoding.
TEST(ManifestBoundsCompressed, DecodedSizeIsBoundedAndNotTrusted) {
  const Packed& p = AllTypes();
  const std::string tiny = testing::RawFrame("tiny", /*content_size=*/false);
  const std::string claims =
      testing::Rebuild(p.archive, testing::ManifestV2({testing::Zsec(kMaxManifestSize, tiny)}), 2, 1);
  GrowingDecodePeakBytesForTesting();
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(claims);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kCorrupt) << a.status().ToString();
  EXPECT_LE(GrowingDecodePeakBytesForTesting(), 64u << 10);
  std::string err;
  EXPECT_EQ(SgzInfo(claims, "zsec-claims", &err), 2);
  ExpectOneLine(err, "section 'ZSEC': zstd frame decodes to 4 bytes, expected 1073741824");

  const std::string over =
      testing::Rebuild(p.archive, testing::ManifestV2({testing::Zsec(kMaxManifestSize + 1, tiny)}), 2, 1);
  a = testing::OpenMemory(over);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kResourceExhausted) << a.status().ToString();
  EXPECT_EQ(SgzInfo(over, "zsec-over", &err), 3);  // kExitIO: a limit of this reader
  ExpectOneLine(err, "section 'ZSEC': decoded size 1073741825 exceeds the limit 1073741824");
}

INSTANTIATE_TEST_SUITE_P(Formats, ManifestBounds, ::testing::Values(uint16_t{1}, uint16_t{2}),
                         [](const ::testing::TestParamInfo<uint16_t>& i) { return "V" + std::to_string(i.param); });

}  // namespace
}  // namespace sgz::internal
