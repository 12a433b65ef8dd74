// Every single-byte flip and every truncation of a small archive is caught
// by both readers (Archive: random access, UnpackStream: in order) with an
// error whose code fits the damage and whose message names the structure the
// byte lies in, or provably changes nothing (the output is still exactly the
// original). Where a byte lies is worked out from the archive's own footer
// and chunk table, so the tables below follow the writer's layout.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "container/format.h"
#include "fixture_set.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using Code = Status::Code;

// What a reader must report for one damaged byte.
struct Expect {
  std::string where;                // the structure and field, for failure messages
  std::vector<Code> codes;          // acceptable error codes
  std::vector<std::string> names;   // the message must name one of these
  bool may_be_harmless = false;     // the reader may ignore the byte (output still exact)
};

// The archive's structures, from its footer and chunk table.
struct Layout {
  uint64_t manifest_offset = 0;
  uint64_t footer_offset = 0;
  struct Chunk {
    uint64_t begin, payload, end;  // payload: where the chunk header ends
    uint32_t index;     // in the chunk table (the random-access reader's name)
    uint32_t sequence;  // position in the archive (the streaming reader's name)
  };
  std::vector<Chunk> chunks;  // in archive order
};

Layout DecodeLayout(const std::string& archive) {
  Layout l;
  l.footer_offset = archive.size() - Footer::kEncodedLength;
  Result<Footer> footer =
      Footer::DecodeFrom(reinterpret_cast<const uint8_t*>(archive.data()) + l.footer_offset, Footer::kEncodedLength);
  EXPECT_TRUE(footer.ok()) << footer.status().ToString();
  if (!footer.ok()) return l;
  l.manifest_offset = footer->manifest_offset;
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  if (!a.ok()) return l;
  const std::vector<uint32_t>& refs = (*a)->file().chunks;
  for (uint32_t s = 0; s < refs.size(); ++s) {
    const ChunkEntry& e = (*a)->manifest().chunks[refs[s]];
    const uint64_t header = ChunkHeader::kFixedLength + ChunkHeader::kStreamDescLength * e.stream_count;
    l.chunks.push_back({e.file_offset, e.file_offset + header, e.file_offset + e.stored_size, refs[s], s});
  }
  // The tables below cover header, chunks, manifest and footer; a writer
  // that puts bytes anywhere else needs a row for them.
  uint64_t pos = FileHeader::kEncodedLength;
  for (const Layout::Chunk& c : l.chunks) {
    EXPECT_EQ(c.begin, pos) << "bytes between chunks";
    pos = c.end;
  }
  EXPECT_EQ(l.manifest_offset, pos) << "bytes between the last chunk and the manifest";
  EXPECT_EQ(l.manifest_offset + footer->manifest_size, l.footer_offset);
  return l;
}

const Layout::Chunk* ChunkAt(const Layout& l, uint64_t pos) {
  for (const Layout::Chunk& c : l.chunks) {
    if (pos >= c.begin && pos < c.end) return &c;
  }
  return nullptr;
}

enum class Reader { kRandomAccess, kStreaming };

// Header and footer fields (the same layout in every format version).
struct Field {
  uint64_t begin, end;
  const char* name;
};
constexpr Field kHeaderFields[] = {{0, 8, "magic"}, {8, 10, "major"}, {10, 12, "minor"}, {12, 16, "flags"}};
constexpr Field kFooterFields[] = {{0, 8, "manifest_offset"}, {8, 16, "manifest_size"},
                                   {16, 24, "manifest_checksum"}, {24, 26, "major"},
                                   {26, 28, "minor"}, {28, 32, "flags"}, {32, 40, "magic"}};

template <size_t N>
std::string FieldAt(const Field (&fields)[N], uint64_t at) {
  for (const Field& f : fields) {
    if (at >= f.begin && at < f.end) return f.name;
  }
  return "";
}

// The table for a flipped byte at `pos`.
Expect FlipExpect(const Layout& l, uint64_t pos, Reader reader) {
  const Code kBad = Code::kCorrupt, kSum = Code::kChecksumMismatch, kVersion = Code::kNotSupported;
  if (pos < FileHeader::kEncodedLength) {
    const std::string field = FieldAt(kHeaderFields, pos);
    // An unknown major is NotSupported; a minor may be ignored, or (2.0 on)
    // disagree with the footer's ("footer: format version 2.0 differs from
    // the header's 2.1").
    if (field == "major") return {"header major", {kVersion}, {"header"}};
    if (field == "minor") return {"header minor", {kVersion, kBad}, {"header"}, true};
    return {"header " + field, {kBad}, {"header: "}};
  }
  if (const Layout::Chunk* c = ChunkAt(l, pos)) {
    const std::string name = "chunk " + std::to_string(reader == Reader::kRandomAccess ? c->index : c->sequence);
    if (pos < c->payload) return {name + " header", {kBad, kSum}, {name}};
    // zstd ignores a few bits of a frame; the output check catches any that matter.
    return {name + " payload", {kBad, kSum}, {name}, true};
  }
  if (pos < l.footer_offset) {
    // Random access checks the manifest's checksum before reading it. The
    // streaming reader meets the frame header (tag, flags, body size) first:
    // the tag is where a chunk or the manifest must start (the message names
    // a chunk that does not exist, but gives the offset), and a damaged body
    // size sends it looking for the footer elsewhere, or past the size limit.
    const uint64_t in_frame = pos - l.manifest_offset;
    if (reader == Reader::kStreaming && in_frame < 4) {
      return {"manifest tag", {kBad}, {"offset " + std::to_string(l.manifest_offset)}};
    }
    if (reader == Reader::kStreaming && in_frame >= 8 && in_frame < kManifestFrameHeader) {
      return {"manifest body size", {kBad, Code::kResourceExhausted}, {"manifest: ", "footer: "}};
    }
    return {"manifest", {kSum}, {"manifest: checksum"}};
  }
  const std::string field = FieldAt(kFooterFields, pos - l.footer_offset);
  if (field == "manifest_checksum") return {"footer manifest_checksum", {kSum}, {"manifest: checksum"}};
  if (field == "major") return {"footer major", {kVersion}, {"footer"}};
  if (field == "minor") return {"footer minor", {kVersion, kBad}, {"footer"}, true};
  return {"footer " + field, {kBad}, {"footer: "}};
}

// The table for an archive cut to n bytes (byte n is the first one missing).
Expect TruncationExpect(const Layout& l, uint64_t n, Reader reader) {
  const Code kBad = Code::kCorrupt;
  // Random access starts at the end, where the footer is missing.
  if (reader == Reader::kRandomAccess) return {"footer (random access)", {kBad}, {"footer"}};
  if (n < FileHeader::kEncodedLength) return {"header", {kBad}, {"header: "}};
  if (const Layout::Chunk* c = ChunkAt(l, n)) {
    // Before a whole tag, the reader cannot tell a chunk from the manifest.
    if (n < c->begin + 4) return {"chunk tag", {kBad}, {"offset " + std::to_string(c->begin)}};
    return {"chunk " + std::to_string(c->sequence), {kBad}, {"chunk " + std::to_string(c->sequence)}};
  }
  if (n < l.manifest_offset + 4) {
    return {"manifest tag", {kBad}, {"offset " + std::to_string(l.manifest_offset)}};
  }
  if (n < l.footer_offset) return {"manifest", {kBad}, {"manifest: "}};
  return {"footer", {kBad}, {"footer: "}};
}

// True when `message` contains `name` not followed by a digit ("chunk 1" is
// not named by "chunk 12").
bool Names(const std::string& message, const std::string& name) {
  for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at + 1)) {
    const size_t after = at + name.size();
    if (after == message.size() || !isdigit(static_cast<unsigned char>(message[after]))) return true;
  }
  return false;
}

// Empty when `s` (and `output`, when s is OK) is what `e` allows, else why not.
std::string Check(const Expect& e, const Status& s, const std::string& output, const std::string& original) {
  if (s.ok()) {
    if (!e.may_be_harmless) return "accepted damage in " + e.where;
    return output == original ? "" : "wrong bytes silently (" + e.where + ")";
  }
  bool code_ok = false, named = false;
  for (Code c : e.codes) code_ok |= s.code() == c;
  for (const std::string& n : e.names) named |= Names(s.message(), n);
  if (!code_ok) return "wrong code for damage in " + e.where + ": " + s.ToString();
  if (!named) return "message does not name " + e.where + ": " + s.ToString();
  return "";
}

using Outcome = testing::UnpackOutcome;
using testing::RandomAccessUnpack;
using testing::StreamingUnpack;

// Reads every tensor by name with Archive: each read must be right, or fail
// naming the chunk that holds the damage (`damaged`; none: no read may fail).
void CheckTensorReads(const std::string& archive, const std::string& original, const Layout::Chunk* damaged,
                      std::vector<std::string>* problems) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  if (!a.ok()) return;
  (*a)->set_threads(1);
  for (const TensorEntry& t : (*a)->file().tensors) {
    std::string buf(t.size, '\0');
    Status r = (*a)->ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), buf.size());
    if (r.ok()) {
      if (buf != original.substr(t.offset, t.size)) problems->push_back("tensor '" + t.name + "' read wrong bytes");
    } else if (damaged == nullptr) {
      problems->push_back("tensor '" + t.name + "' failed with no chunk damaged: " + r.ToString());
    } else {
      const std::string name = "chunk " + std::to_string(damaged->index);
      const std::string why = Check({name, {Code::kCorrupt, Code::kChecksumMismatch}, {name}}, r, "", original);
      if (!why.empty()) problems->push_back("tensor '" + t.name + "': " + why);
    }
  }
}

// A small GGUF with several tensor types, packed into several chunks.
std::string SmallArchive(std::string* original) {
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    if (f.path == "valid/nonzero-padding.gguf") *original = f.bytes;
  }
  PackOptions o;
  o.chunk_size = kMinChunkSize;
  o.threads = 1;
  return testing::Pack(*original, o);
}

// Reports the first problems (of possibly thousands) and how many there were.
void ReportProblems(const std::vector<std::string>& problems) {
  for (size_t i = 0; i < problems.size() && i < 20; ++i) ADD_FAILURE() << problems[i];
  EXPECT_EQ(problems.size(), 0u) << "problems in all";
}

TEST(Corruption, EveryByteFlipIsNamedOrHarmless) {
  std::string original;
  const std::string archive = SmallArchive(&original);
  ASSERT_GT(archive.size(), 500u);
  const Layout layout = DecodeLayout(archive);
  ASSERT_GE(layout.chunks.size(), 3u);
  std::vector<std::string> problems;
  int errors = 0, harmless = 0;
  for (size_t pos = 0; pos < archive.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string bad = archive;
      bad[pos] = static_cast<char>(bad[pos] ^ mask);
      char at[48];
      snprintf(at, sizeof(at), "flip 0x%02x at %zu: ", mask, pos);
      std::vector<std::string> reads;
      CheckTensorReads(bad, original, ChunkAt(layout, pos), &reads);
      for (Reader r : {Reader::kRandomAccess, Reader::kStreaming}) {
        const Outcome o = r == Reader::kRandomAccess ? RandomAccessUnpack(bad) : StreamingUnpack(bad);
        const std::string why = Check(FlipExpect(layout, pos, r), o.status, o.output, original);
        const char* reader = r == Reader::kRandomAccess ? "random access: " : "streaming: ";
        if (!why.empty()) problems.push_back(at + std::string(reader) + why);
        ++(o.status.ok() ? harmless : errors);
      }
      for (const std::string& p : reads) problems.push_back(at + p);
    }
  }
  printf("%zu bytes x 3 flips x 2 readers: %d errors, %d harmless\n", archive.size(), errors, harmless);
  ReportProblems(problems);
  EXPECT_GT(errors, 10 * harmless);
}

TEST(Corruption, EveryTruncationFailsWithANamedError) {
  std::string original;
  const std::string archive = SmallArchive(&original);
  const Layout layout = DecodeLayout(archive);
  std::vector<std::string> problems;
  for (size_t n = 0; n < archive.size(); ++n) {
    const std::string cut = archive.substr(0, n);
    for (Reader r : {Reader::kRandomAccess, Reader::kStreaming}) {
      const Outcome o = r == Reader::kRandomAccess ? RandomAccessUnpack(cut) : StreamingUnpack(cut);
      const std::string why = Check(TruncationExpect(layout, n, r), o.status, o.output, original);
      const char* reader = r == Reader::kRandomAccess ? " random access: " : " streaming: ";
      if (!why.empty()) problems.push_back("cut to " + std::to_string(n) + reader + why);
    }
  }
  ReportProblems(problems);
}

TEST(Corruption, ErrorsNameTheChunkAndTensor) {
  const std::string demo = fixtures::DemoModel();
  PackOptions o;
  o.chunk_size = kMinChunkSize;
  const std::string archive = testing::Pack(demo, o);
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok());
  // Damage the last byte of the payload of the chunk holding token_embd.weight.
  const TensorEntry& t = (*a)->file().tensors[0];
  const Manifest& m = (*a)->manifest();
  uint64_t pos = 0;
  uint32_t chunk = 0;
  for (uint32_t c : (*a)->file().chunks) {
    if (pos >= t.offset) {
      chunk = c;
      break;
    }
    pos += m.chunks[c].original_size;
  }
  std::string bad = archive;
  const uint64_t at = m.chunks[chunk].file_offset + m.chunks[chunk].stored_size - 1;
  bad[at] = static_cast<char>(bad[at] ^ 0x20);
  Result<std::unique_ptr<Archive>> b = testing::OpenMemory(bad);
  ASSERT_TRUE(b.ok());
  std::string buf(t.size, '\0');
  Status s = (*b)->ReadTensor(t.name, reinterpret_cast<uint8_t*>(&buf[0]), buf.size());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("chunk " + std::to_string(chunk) + " (tensor 'token_embd.weight')"), std::string::npos)
      << s.ToString();
}

TEST(Corruption, InvalidArchiveFixturesGiveTheirErrors) {
  int n = 0;
  for (const fixtures::Fixture& f : fixtures::AllFixtures()) {
    if (f.path.size() < 4 || f.path.substr(f.path.size() - 4) != ".sgz") continue;
    SCOPED_TRACE(f.path);
    const Outcome o = RandomAccessUnpack(testing::ReadFile(testing::SourceDir() + "/fixtures/" + f.path));
    ASSERT_FALSE(o.status.ok());
    EXPECT_NE(o.status.message().find(f.expected_error), std::string::npos) << o.status.ToString();
    ++n;
  }
  EXPECT_GE(n, 5);
}

}  // namespace
}  // namespace sgz::internal
