// Shared helpers for the tests: file I/O and the corpus location.
#ifndef SGZ_TESTS_TEST_UTIL_H_
#define SGZ_TESTS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/coding.h"
#include "container/reader.h"
#include "container/stream_reader.h"
#include "container/writer.h"
#include "manifest_builder.h"
#include "file_util.h"

namespace sgz::internal {
namespace testing {

using ::sgz_test::ReadFile;

inline std::string SourceDir() { return SGZ_SOURCE_DIR; }

// The corpus directory: $SGZ_CORPUS, else ../shared/corpus beside the
// project. Empty when absent (the caller skips, visibly, unless CI=true).
inline std::string CorpusDir() {
  const char* env = std::getenv("SGZ_CORPUS");
  std::string dir = env ? env : SourceDir() + "/../shared/corpus";
  return std::filesystem::is_directory(dir) ? dir : "";
}

inline bool UnderCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// All *.gguf files of the corpus, sorted.
inline std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  const std::string dir = CorpusDir();
  if (dir.empty()) return files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".gguf") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

#define SGZ_REQUIRE_CORPUS()                                                              \
  do {                                                                                    \
    if (::sgz::internal::testing::CorpusDir().empty()) {                                            \
      if (::sgz::internal::testing::UnderCi()) FAIL() << "corpus not found and CI=true: set SGZ_CORPUS"; \
      GTEST_SKIP() << "corpus not found (set SGZ_CORPUS): skipping";                      \
    }                                                                                     \
  } while (0)

// Packs `input`, returns the archive bytes (fails the test on error).
inline std::string Pack(const std::string& input, PackOptions options = PackOptions(), PackStats* stats_out = nullptr) {
  StringSink sink;
  PackStats stats;
  Status s = PackBuffer(reinterpret_cast<const uint8_t*>(input.data()), input.size(), options, &sink, &stats);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (stats_out) *stats_out = stats;
  return sink.out;
}

inline Result<std::unique_ptr<Archive>> OpenMemory(const std::string& archive) {
  return Archive::Open(NewMemorySource(reinterpret_cast<const uint8_t*>(archive.data()), archive.size()));
}

// Where the manifest of an archive held in memory starts (from its footer).
inline uint64_t ManifestOffset(const std::string& archive) {
  return LoadU64LE(reinterpret_cast<const uint8_t*>(archive.data()) + archive.size() - Footer::kEncodedLength);
}

// The manifest of an archive held in memory, decoded at its header's minor
// version (an empty one, the test failed, when it does not decode).
inline Manifest ManifestOf(const std::string& archive) {
  const uint64_t offset = ManifestOffset(archive);
  const uint8_t* a = reinterpret_cast<const uint8_t*>(archive.data());
  Result<Manifest> m = Manifest::DecodeFrom(a + offset, archive.size() - Footer::kEncodedLength - offset, offset,
                                            FormatVersion{2, static_cast<uint16_t>(archive[10])});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Manifest();
}

// `archive` with chunk entry `index` changed by `edit` and the manifest
// re-encoded (valid checksum) at version 2.`minor`: a hostile chunk table
// that only the table's own rules can refuse.
inline std::string WithChunkEntryEdited(const std::string& archive, uint32_t index,
                                        const std::function<void(ChunkEntry*)>& edit, uint16_t minor) {
  Manifest m = ManifestOf(archive);
  edit(&m.chunks.at(index));
  return Rebuild(archive, ManifestV2(m), 2, minor);
}

// Member `i` of an archive held in memory, through the random-access reader.
// With `status`, the outcome goes there (and what was written is returned);
// without, an error fails the test.
inline std::string UnpackMember(const std::string& archive, uint32_t i, Status* status = nullptr) {
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  if (!a.ok()) {
    if (status) *status = a.status();
    EXPECT_TRUE(status != nullptr) << a.status().ToString();
    return "";
  }
  Result<FileView*> v = (*a)->view(i);
  EXPECT_TRUE(v.ok());
  if (!v.ok()) return "";
  StringSink sink;
  const Status s = (*v)->Unpack(&sink);
  if (status) *status = s;
  EXPECT_TRUE(status != nullptr || s.ok()) << s.ToString();
  return sink.out;
}

// Unpacking member `i` of `archive` fails with `code`, the message holding `text`.
inline void ExpectMemberRefused(const std::string& archive, uint32_t i, ErrorCode code, const std::string& text) {
  Status s;
  UnpackMember(archive, i, &s);
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(text), std::string::npos) << s.ToString();
}

// Unpacks an archive held in memory; fails the test on error.
inline std::string Unpack(const std::string& archive) {
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  if (!a.ok()) return "";
  StringSink sink;
  Status s = (*a)->Unpack(&sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.out;
}

// What one reader made of an archive held in memory: its status and the bytes
// it wrote before stopping (all of them on success).
struct UnpackOutcome {
  Status status;
  std::string output;
};

// The whole archive through the random-access reader (Archive), one thread.
inline UnpackOutcome RandomAccessUnpack(const std::string& archive) {
  Result<std::unique_ptr<Archive>> a = OpenMemory(archive);
  if (!a.ok()) return {a.status(), ""};
  (*a)->set_threads(1);
  StringSink sink;
  Status s = (*a)->Unpack(&sink);
  return {s, sink.out};
}

// The whole archive through the in-order streaming reader (UnpackStream), one thread.
// With `member`: that member of several.
inline UnpackOutcome StreamingUnpack(const std::string& archive, const std::string& member = "") {
  std::unique_ptr<InputStream> in = NewMemoryInputStream(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
  StringSink sink;
  StreamUnpackStats stats;
  Status s = UnpackStream(in.get(), &sink, &stats, 1, member);
  return {s, sink.out};
}

// Every member through the streaming reader (VerifyStream), one thread.
inline Status StreamingVerify(const std::string& archive) {
  std::unique_ptr<InputStream> in = NewMemoryInputStream(reinterpret_cast<const uint8_t*>(archive.data()), archive.size());
  StreamUnpackStats stats;
  return VerifyStream(in.get(), &stats, 1);
}

// fixtures/valid/all-types.gguf packed once per process with the smallest
// chunks and one thread (many chunks, deterministic), and its manifest: the
// base that tests edit into hand-made archives.
struct PackedFixture {
  std::string original;
  std::string archive;
  Manifest manifest;
};
inline const PackedFixture& PackedAllTypes() {
  static const PackedFixture* packed = [] {
    PackedFixture* p = new PackedFixture;
    p->original = ReadFile(SourceDir() + "/fixtures/valid/all-types.gguf");
    PackOptions o;
    o.chunk_size = kMinChunkSize;
    o.threads = 1;
    // The tests of the manifest's forms (2.0, 2.1) lower its version: no
    // chunk of 2.4 (transform 5, codec 2) in it.
    o.format_minor = kPredictSinceMinor;
    p->archive = Pack(p->original, o);
    Result<std::unique_ptr<Archive>> a = OpenMemory(p->archive);
    EXPECT_TRUE(a.ok());
    if (a.ok()) p->manifest = (*a)->manifest();
    return p;
  }();
  return *packed;
}

// The strings `inputs` packed by PackMembers as members "m0", "m1", ...
// with `options` (fails the test on error).
inline std::string PackedStrings(const std::vector<const std::string*>& inputs, const PackOptions& options) {
  std::vector<MemberInput> members;
  for (const std::string* bytes : inputs) {
    members.push_back({"m" + std::to_string(members.size()), [bytes]() -> Result<std::unique_ptr<InputStream>> {
                         return NewMemoryInputStream(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
                       }});
  }
  StringSink sink;
  PackStats total;
  std::vector<PackStats> stats;
  const Status s = PackMembers(members, options, &sink, &total, &stats);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.out;
}

// `paths` (under the source tree, read once and kept) packed by PackMembers
// as members "m0", "m1", ..., one thread, at `meta_level` (0: the default);
// without `metadata_references` (format 2.1, as the tests of 2.1's features
// expect) unless asked, and without format 2.4's chunks.
inline std::string PackedMembers(const std::vector<std::string>& paths, int meta_level = 0,
                                 bool metadata_references = false) {
  static std::map<std::string, std::string> cache;  // map nodes do not move
  std::vector<const std::string*> inputs;
  for (const std::string& path : paths) {
    auto it = cache.find(path);
    if (it == cache.end()) it = cache.emplace(path, ReadFile(SourceDir() + path)).first;
    inputs.push_back(&it->second);
  }
  PackOptions o;
  o.threads = 1;
  o.meta_level = meta_level;
  o.metadata_references = metadata_references;
  o.format_minor = kPredictSinceMinor;
  return PackedStrings(inputs, o);
}

}  // namespace testing
}  // namespace sgz::internal

#endif  // SGZ_TESTS_TEST_UTIL_H_
