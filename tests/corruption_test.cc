// Every single-byte flip and every truncation of a small archive is caught
// with an error that names what failed, or provably changes nothing (the
// output is still exactly the original). Both readers are checked: random
// access (Archive) and in-order streaming (UnpackStream).
#include <gtest/gtest.h>

#include "container/stream_reader.h"
#include "fixture_set.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

bool NamesWhatFailed(const std::string& message) {
  for (const char* what : {"header", "footer", "manifest", "chunk", "checksum", "archive"}) {
    if (message.find(what) != std::string::npos) return true;
  }
  return false;
}

struct Outcome {
  Status status;
  std::string output;
};

Outcome RandomAccessUnpack(const std::string& archive) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  if (!a.ok()) return {a.status(), ""};
  (*a)->set_threads(1);
  StringSink sink;
  Status s = (*a)->Unpack(&sink);
  // Every tensor read by name must fail or be right, too.
  return {s, sink.out};
}

Outcome StreamingUnpack(const std::string& archive) {
  std::unique_ptr<InputStream> in = NewMemoryInputStream(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
  StringSink sink;
  StreamUnpackStats stats;
  Status s = UnpackStream(in.get(), &sink, &stats, 1);
  return {s, sink.out};
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

TEST(Corruption, EveryByteFlipIsNamedOrHarmless) {
  std::string original;
  const std::string archive = SmallArchive(&original);
  ASSERT_GT(archive.size(), 500u);
  int errors = 0, harmless = 0;
  for (size_t pos = 0; pos < archive.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string bad = archive;
      bad[pos] = static_cast<char>(bad[pos] ^ mask);
      for (const Outcome& o : {RandomAccessUnpack(bad), StreamingUnpack(bad)}) {
        if (o.status.ok()) {
          ASSERT_TRUE(o.output == original) << "flip 0x" << std::hex << int(mask) << " at " << std::dec << pos
                                            << " gave wrong bytes silently";
          ++harmless;
        } else {
          ASSERT_TRUE(NamesWhatFailed(o.status.message())) << "at " << pos << ": " << o.status.ToString();
          ++errors;
        }
      }
    }
  }
  printf("%zu bytes x 3 flips x 2 readers: %d errors, %d harmless\n", archive.size(), errors, harmless);
  EXPECT_GT(errors, harmless);
}

TEST(Corruption, EveryTruncationFailsWithANamedError) {
  std::string original;
  const std::string archive = SmallArchive(&original);
  for (size_t n = 0; n < archive.size(); ++n) {
    const std::string cut = archive.substr(0, n);
    for (const Outcome& o : {RandomAccessUnpack(cut), StreamingUnpack(cut)}) {
      ASSERT_FALSE(o.status.ok()) << "truncated to " << n << " bytes but accepted";
      ASSERT_TRUE(NamesWhatFailed(o.status.message())) << n << ": " << o.status.ToString();
    }
  }
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
  const std::string dir = testing::SourceDir() + "/fixtures/invalid/";
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
