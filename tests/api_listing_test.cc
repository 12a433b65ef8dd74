// What `sgz ls`, `sgz info` and `sgz verify` need from the library, through
// the public API: Reader::VerifyAll and VerifyFile go on past damaged chunks
// and report each (C: sgz_reader_verify_all); VerifyFile names the tensors
// that differ from --against; IdentifyFile and ReadGgufFile list a plain
// GGUF file as a Reader lists an archive.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "api_test_util.h"
#include "sgz/sgz.h"
#include "sgz/sgz_c.h"

namespace {

using sgz_api_test::DemoPath;
using sgz_api_test::ReadFile;
using sgz_api_test::WriteFile;

class ListingTest : public sgz_api_test::PackedDemoSuite<ListingTest> {
 public:
  static const char* DirPrefix() { return "sgz_api_listing_test"; }

 protected:
  // A copy of the archive with bytes flipped at a quarter and at half its
  // size: inside two different chunks (the manifest is at the end, and a
  // chunk holds at most kChunkSize original bytes).
  static std::string Damaged() {
    std::string bytes = ReadFile(Archive());
    EXPECT_GT(bytes.size(), 8 * kChunkSize);
    for (size_t at : {bytes.size() / 4, bytes.size() / 2}) {
      for (size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(bytes[at + i] ^ 0x5a);
    }
    const std::string path = Path("damaged.sgz");
    WriteFile(path, bytes);
    return path;
  }
};

// The tensors whose payload overlaps [offset, offset + length), in header order.
std::vector<std::string> Overlapping(const sgz::Reader& reader, uint64_t offset, uint64_t length) {
  std::vector<std::string> names;
  for (const sgz::TensorInfo& t : reader.tensors()) {
    if (t.offset < offset + length && offset < t.offset + t.size) names.push_back(t.name);
  }
  return names;
}

TEST_F(ListingTest, VerifyAllOnAnIntactArchiveHandsOverTheFileAndNoDamage) {
  sgz::Reader reader = OpenOrDie(Archive());
  std::string got;
  int damaged = 0;
  sgz::Error e = reader.VerifyAll([&](const sgz::Damage&) { return ++damaged, sgz::Error(); },
                                  [&](const void* data, size_t n) {
                                    got.append(static_cast<const char*>(data), n);
                                    return sgz::Error();
                                  });
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(damaged, 0);
  EXPECT_TRUE(got == Original());
}

TEST_F(ListingTest, VerifyAllGoesOnPastDamageAndReportsEveryDamagedChunk) {
  const std::string path = Damaged();
  sgz::Reader reader = OpenOrDie(path);
  std::vector<sgz::Damage> damage;
  std::string rebuilt;  // good bytes as handed over, damaged ranges from the original
  sgz::Error e = reader.VerifyAll(
      [&](const sgz::Damage& d) {
        EXPECT_EQ(d.offset, rebuilt.size()) << "damage out of file order";
        rebuilt += Original().substr(d.offset, d.length);
        damage.push_back(d);
        return sgz::Error();
      },
      [&](const void* data, size_t n) {
        rebuilt.append(static_cast<const char*>(data), n);
        return sgz::Error();
      });
  ASSERT_FALSE(e.ok());
  ASSERT_GE(damage.size(), 2u) << "stopped at the first damaged chunk";
  // The first damage's error comes back, naming its chunk.
  EXPECT_EQ(e.code(), damage[0].code);
  EXPECT_NE(e.message().find("chunk " + std::to_string(damage[0].chunk)), std::string::npos) << e.message();
  EXPECT_TRUE(rebuilt == Original()) << "intact chunks not handed over as they are";
  for (size_t i = 0; i < damage.size(); ++i) {
    const sgz::Damage& d = damage[i];
    EXPECT_TRUE(d.code == sgz::ErrorCode::kChecksumMismatch || d.code == sgz::ErrorCode::kCorrupt) << d.message;
    EXPECT_FALSE(d.message.empty());
    EXPECT_GT(d.length, 0u);
    EXPECT_LE(d.length, kChunkSize);
    if (i > 0) {
      EXPECT_GT(d.chunk, damage[i - 1].chunk);
    }
    EXPECT_EQ(d.tensors, Overlapping(reader, d.offset, d.length));
    EXPECT_EQ(d.metadata, d.offset < reader.gguf().data_offset);
  }
  // Sanity of the test: the damage lies in tensor data.
  EXPECT_FALSE(damage.back().tensors.empty());

  // VerifyFile collects the same list, and compares the rest with the file.
  sgz::VerifyOptions options;
  options.against = DemoPath();
  sgz::VerifyResult result;
  e = sgz::VerifyFile(path, options, &result);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.path(), path);
  ASSERT_EQ(result.damaged.size(), damage.size());
  for (size_t i = 0; i < damage.size(); ++i) EXPECT_EQ(result.damaged[i].chunk, damage[i].chunk);
  EXPECT_EQ(result.chunks_checked, reader.archive_info().chunks);
  EXPECT_TRUE(result.matches) << "intact chunks compared unequal at " << result.first_difference;
  EXPECT_TRUE(result.differing_tensors.empty());

  // The C API sees the same chunks.
  sgz_reader* c = nullptr;
  ASSERT_EQ(sgz_reader_open(path.c_str(), &c), SGZ_OK) << sgz_last_error();
  std::vector<uint64_t> chunks;
  uint64_t count = 0;
  const int rc = sgz_reader_verify_all(
      c,
      [](void* user, const sgz_damage* d) -> int {
        static_cast<std::vector<uint64_t>*>(user)->push_back(d->chunk);
        return d->message != nullptr && d->length > 0 && (d->tensor_count == 0 || d->tensors[0] != nullptr)
                   ? SGZ_OK
                   : SGZ_INVALID_ARGUMENT;
      },
      &chunks, &count);
  EXPECT_EQ(rc, static_cast<int>(damage[0].code)) << sgz_last_error();
  EXPECT_EQ(count, damage.size());
  ASSERT_EQ(chunks.size(), damage.size());
  for (size_t i = 0; i < damage.size(); ++i) EXPECT_EQ(chunks[i], damage[i].chunk);
  // A callback's non-zero return stops the pass at once and comes back.
  count = 0;
  EXPECT_EQ(sgz_reader_verify_all(c, [](void*, const sgz_damage*) -> int { return 42; }, nullptr, &count), 42);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(sgz_reader_verify_all(c, nullptr, nullptr, &count), static_cast<int>(damage[0].code));
  EXPECT_EQ(count, damage.size());
  sgz_reader_close(c);
}

// A file to compare with that ends inside a damaged chunk lacks the rest of
// the original: that is a difference, though the chunk's bytes are unknown.
TEST_F(ListingTest, VerifyFileNotesAFileThatEndsInsideADamagedChunk) {
  const std::string path = Damaged();
  sgz::VerifyResult damaged;
  ASSERT_FALSE(sgz::VerifyFile(path, sgz::VerifyOptions(), &damaged).ok());
  ASSERT_FALSE(damaged.damaged.empty());
  const sgz::Damage& last = damaged.damaged.back();
  ASSERT_GT(last.length, 10u);
  const uint64_t cut = last.offset + 10;
  WriteFile(Path("short.gguf"), Original().substr(0, cut));
  sgz::VerifyOptions options;
  options.against = Path("short.gguf");
  sgz::VerifyResult result;
  sgz::Error e = sgz::VerifyFile(path, options, &result);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(result.damaged.size(), damaged.damaged.size());
  EXPECT_FALSE(result.matches);
  EXPECT_EQ(result.first_difference, cut);
  // The tensors from the cut on are missing from the file.
  sgz::Reader reader = OpenOrDie(Archive());
  std::vector<std::string> missing;
  for (const sgz::TensorInfo& t : reader.tensors()) {
    if (t.size > 0 && t.offset + t.size > cut) missing.push_back(t.name);
  }
  ASSERT_FALSE(missing.empty());
  EXPECT_EQ(result.differing_tensors, missing);
}

TEST_F(ListingTest, VerifyAllReturnsTheDamageCallbacksErrorUnchanged) {
  sgz::Reader reader = OpenOrDie(Damaged());
  int calls = 0;
  sgz::Error e = reader.VerifyAll([&](const sgz::Damage&) {
    ++calls;
    return sgz::Error(sgz::ErrorCode::kNotFound, "stop here");
  });
  EXPECT_EQ(e.code(), sgz::ErrorCode::kNotFound);
  EXPECT_EQ(e.message(), "stop here");
  EXPECT_EQ(calls, 1);
}

TEST_F(ListingTest, VerifyFileNamesTheTensorsThatDiffer) {
  sgz::Reader reader = OpenOrDie(Archive());
  const std::vector<sgz::TensorInfo>& tensors = reader.tensors();
  ASSERT_GT(tensors.size(), 4u);
  const sgz::TensorInfo& a = tensors[2];
  const sgz::TensorInfo& b = tensors[tensors.size() - 1];
  std::string changed = Original();
  changed[a.offset + a.size / 2] ^= 1;
  changed[b.offset + b.size - 1] ^= 1;
  const std::string path = Path("changed.gguf");
  WriteFile(path, changed);
  sgz::VerifyOptions options;
  options.against = path;
  sgz::VerifyResult result;
  sgz::Error e = sgz::VerifyFile(Archive(), options, &result);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_FALSE(result.matches);
  EXPECT_EQ(result.first_difference, a.offset + a.size / 2);
  EXPECT_EQ(result.differing_tensors, (std::vector<std::string>{a.name, b.name}));
  EXPECT_FALSE(result.differs_outside_tensors);

  changed[10] ^= 1;  // in the GGUF header
  WriteFile(path, changed);
  e = sgz::VerifyFile(Archive(), options, &result);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(result.first_difference, 10u);
  EXPECT_EQ(result.differing_tensors.size(), 2u);
  EXPECT_TRUE(result.differs_outside_tensors);

  // A file that stops inside a tensor lacks it and every later one.
  WriteFile(path, Original().substr(0, b.offset + 1));
  e = sgz::VerifyFile(Archive(), options, &result);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(result.first_difference, b.offset + 1);
  EXPECT_EQ(result.differing_tensors, (std::vector<std::string>{b.name}));
}

TEST_F(ListingTest, IdentifyFileTellsArchivesFromGgufFromAnythingElse) {
  sgz::ErrorOr<sgz::FileKind> kind = sgz::IdentifyFile(Archive());
  ASSERT_TRUE(kind.ok()) << kind.error().ToString();
  EXPECT_EQ(*kind, sgz::FileKind::kArchive);
  kind = sgz::IdentifyFile(DemoPath());
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, sgz::FileKind::kGguf);
  for (const std::string& bytes : {std::string("GGU"), std::string(""), std::string("hello, world")}) {
    WriteFile(Path("other"), bytes);
    kind = sgz::IdentifyFile(Path("other"));
    ASSERT_TRUE(kind.ok());
    EXPECT_EQ(*kind, sgz::FileKind::kOther) << bytes;
  }
  kind = sgz::IdentifyFile(Path("missing"));
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.error().code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(kind.error().path(), Path("missing"));
}

TEST_F(ListingTest, ReadGgufFileListsAGgufFileAsAReaderListsItsArchive) {
  sgz::MetadataLimits limits;
  limits.max_items = SIZE_MAX;
  sgz::ErrorOr<sgz::GgufFileInfo> f = sgz::ReadGgufFile(DemoPath(), limits);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  sgz::Reader reader = OpenOrDie(Archive());
  EXPECT_EQ(f->size, Original().size());
  ASSERT_EQ(f->tensors.size(), reader.tensors().size());
  for (size_t i = 0; i < f->tensors.size(); ++i) {
    const sgz::TensorInfo &x = f->tensors[i], &y = reader.tensors()[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.shape, y.shape);
    EXPECT_EQ(x.offset, y.offset);
    EXPECT_EQ(x.size, y.size);
    EXPECT_EQ(x.stored_size, 0u);
  }
  const sgz::GgufInfo &g = f->gguf, &h = reader.gguf();
  EXPECT_EQ(g.version, h.version);
  EXPECT_EQ(g.big_endian, h.big_endian);
  EXPECT_EQ(g.alignment, h.alignment);
  EXPECT_EQ(g.data_offset, h.data_offset);
  EXPECT_EQ(g.kv_count, h.kv_count);
  EXPECT_EQ(g.tensor_count, h.tensor_count);
  EXPECT_EQ(g.tensors_by_type, h.tensors_by_type);
  sgz::ErrorOr<std::vector<sgz::MetadataEntry>> m = reader.Metadata(limits);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(f->metadata.size(), m->size());
  for (size_t i = 0; i < m->size(); ++i) {
    EXPECT_EQ(f->metadata[i].key, (*m)[i].key);
    EXPECT_EQ(sgz::MetadataValueText(f->metadata[i].value, SIZE_MAX), sgz::MetadataValueText((*m)[i].value, SIZE_MAX));
  }
}

TEST_F(ListingTest, ReadGgufFileRefusesWhatIsNotValidGguf) {
  const std::string bad = std::string(SGZ_SOURCE_DIR) + "/fixtures/invalid/duplicate-key.gguf";
  sgz::ErrorOr<sgz::GgufFileInfo> f = sgz::ReadGgufFile(bad);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), sgz::ErrorCode::kCorrupt);
  EXPECT_EQ(f.error().path(), bad);
  EXPECT_NE(f.error().message().find("duplicate metadata key"), std::string::npos) << f.error().message();
  f = sgz::ReadGgufFile(Archive());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), sgz::ErrorCode::kCorrupt);
  // Cut inside the tensor data: the header parses, the tensors do not fit.
  WriteFile(Path("cut.gguf"), Original().substr(0, Original().size() / 2));
  f = sgz::ReadGgufFile(Path("cut.gguf"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), sgz::ErrorCode::kCorrupt);
  f = sgz::ReadGgufFile(Path("missing.gguf"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), sgz::ErrorCode::kIoError);
}

}  // namespace
