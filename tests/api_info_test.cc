// The API surface the sgz CLI is built on (sgz/sgz.h, sgz/sgz_c.h): archive
// and GGUF facts, metadata, stream statistics, streaming reads, progress,
// whole-file operations with their error attribution, output files. Used
// only through the installed headers, on the demo fixture.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sgz/sgz.h"
#include "sgz/sgz_c.h"
#include "api_test_util.h"

namespace {

using sgz_api_test::Exists;
using sgz_api_test::ReadFile;
using sgz_api_test::WriteFile;

// Entries of `dir` whose name contains "sgz-tmp" (temporaries of outputs).
int Temporaries(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().string().find("sgz-tmp") != std::string::npos;
  return n;
}

class InfoTest : public sgz_api_test::PackedDemoSuite<InfoTest> {
 public:
  static const char* DirPrefix() { return "sgz_api_info_test"; }
};

// ReaderOptions::cache_bytes bounds the decoded chunks kept between calls:
// two small reads of one chunk decode it once by default, twice with none
// kept (what sgz mount's Readers rely on: it keeps its own blocks).
TEST_F(InfoTest, ReaderOptionsBoundTheChunkCache) {
  char buf[16];
  sgz::Reader kept = OpenOrDie(Archive());
  ASSERT_TRUE(kept.ReadRange(0, 16, buf).ok());
  ASSERT_TRUE(kept.ReadRange(16, 16, buf).ok());
  EXPECT_EQ(kept.stats().chunks_decoded, 1u);
  sgz::ReaderOptions none;
  none.cache_bytes = 0;
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(Archive(), none);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(r->ReadRange(0, 16, buf).ok());
  ASSERT_TRUE(r->ReadRange(16, 16, buf).ok());
  EXPECT_EQ(r->stats().chunks_decoded, 2u);
  EXPECT_EQ(std::string(buf, 16), Original().substr(16, 16));
}

TEST_F(InfoTest, ArchiveAndGgufFacts) {
  sgz::Reader r = OpenOrDie(Archive());
  const sgz::ArchiveInfo a = r.archive_info();
  EXPECT_EQ(a.format.major, sgz::WrittenFormatVersion().major);
  // One file with attributes and Q4_K tensors coded with transform 5: 2.4.
  EXPECT_EQ(a.format.minor, 4u);
  EXPECT_LE(a.format.minor, sgz::WrittenFormatVersion().minor);
  EXPECT_EQ(a.archive_size, std::filesystem::file_size(Archive()));
  EXPECT_EQ(a.chunks, summary_->chunks);
  // The checksum is of the original bytes, whatever the chunking.
  const std::string other = Path("other-chunks.sgz");
  ASSERT_TRUE(sgz::PackFile(Demo(), other).ok());
  EXPECT_EQ(OpenOrDie(other).archive_info().checksum, a.checksum);
  WriteFile(Path("changed.gguf"), Original().substr(0, Original().size() - 1) + "x");
  ASSERT_TRUE(sgz::PackFile(Path("changed.gguf"), Path("changed.sgz")).ok());
  EXPECT_NE(OpenOrDie(Path("changed.sgz")).archive_info().checksum, a.checksum);

  const sgz::GgufInfo& g = r.gguf();
  EXPECT_EQ(g.version, 3u);
  EXPECT_FALSE(g.big_endian);
  EXPECT_EQ(g.alignment, 32u);
  EXPECT_EQ(g.data_offset, 9376u);
  EXPECT_EQ(g.kv_count, 22u);
  EXPECT_EQ(g.tensor_count, 21u);
  const std::vector<std::pair<std::string, uint64_t>> by_type = {{"F32", 5}, {"Q4_K", 11}, {"Q6_K", 5}};
  EXPECT_EQ(g.tensors_by_type, by_type);
  EXPECT_EQ(r.stats().chunks_decoded, 0u) << "facts come from the manifest";

  const std::string big = std::string(SGZ_SOURCE_DIR) + "/fixtures/valid/big-endian.gguf";
  ASSERT_TRUE(sgz::PackFile(big, Path("be.sgz")).ok());
  EXPECT_TRUE(OpenOrDie(Path("be.sgz")).gguf().big_endian);
}

TEST_F(InfoTest, Metadata) {
  sgz::Reader r = OpenOrDie(Archive());
  sgz::ErrorOr<std::vector<sgz::MetadataEntry>> m = r.Metadata();
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  ASSERT_EQ(m->size(), r.gguf().kv_count);
  std::map<std::string, const sgz::MetadataValue*> kv;
  for (const sgz::MetadataEntry& e : *m) kv[e.key] = &e.value;
  EXPECT_EQ((*m)[0].key, "general.architecture");
  EXPECT_EQ(kv["general.name"]->type, sgz::MetadataType::kString);
  EXPECT_EQ(kv["general.name"]->str, "sgz demo model");
  EXPECT_EQ(kv["general.name"]->string_size, 14u);
  EXPECT_EQ(kv["sgz.demo.i8"]->i, -128);
  EXPECT_EQ(kv["sgz.demo.u16"]->u, 48879u);
  EXPECT_EQ(kv["sgz.demo.u64"]->u, 81985529216486895ull);
  EXPECT_EQ(kv["sgz.demo.i64"]->i, -5);
  EXPECT_EQ(kv["sgz.demo.f32"]->f, 3.25);
  EXPECT_EQ(kv["sgz.demo.f64"]->f, 2.5);
  EXPECT_EQ(kv["sgz.demo.bool"]->type, sgz::MetadataType::kBool);
  EXPECT_EQ(kv["sgz.demo.bool"]->u, 1u);
  const sgz::MetadataValue& tokens = *kv["tokenizer.ggml.tokens"];
  EXPECT_EQ(tokens.type, sgz::MetadataType::kArray);
  EXPECT_EQ(tokens.element_type, sgz::MetadataType::kString);
  EXPECT_EQ(tokens.count, 512u);
  ASSERT_EQ(tokens.items.size(), 16u) << "default: 16 items";
  EXPECT_EQ(tokens.items[15].str, "<0x15>");
  const sgz::MetadataValue& nested = *kv["sgz.demo.nested"];
  ASSERT_EQ(nested.items.size(), 3u);
  EXPECT_EQ(nested.items[0].element_type, sgz::MetadataType::kU8);
  EXPECT_EQ(nested.items[0].items[2].u, 3u);
  EXPECT_EQ(nested.items[2].items[0].u, 4u);

  // Text as `sgz info` shows it.
  EXPECT_EQ(sgz::MetadataValueText(*kv["general.architecture"]), "'llama'");
  EXPECT_EQ(sgz::MetadataValueText(*kv["sgz.demo.f32"]), "3.25");
  EXPECT_EQ(sgz::MetadataValueText(*kv["sgz.demo.bool"]), "true");
  EXPECT_EQ(sgz::MetadataValueText(nested), "[[1, 2, 3] (3 UINT8), [] (0 UINT8), [4] (1 UINT8)] (3 ARRAY)");
  EXPECT_EQ(sgz::MetadataValueText(tokens, 2), "['<0x0>', '<0x1>', ...] (512 STRING)");
  EXPECT_STREQ(sgz::MetadataTypeName(sgz::MetadataType::kF64), "FLOAT64");

  // Limits apply at every depth; cut strings keep their full size.
  sgz::MetadataLimits limits;
  limits.max_items = 1;
  limits.max_string = 3;
  m = r.Metadata(limits);
  ASSERT_TRUE(m.ok());
  for (const sgz::MetadataEntry& e : *m) kv[e.key] = &e.value;
  EXPECT_EQ(kv["general.name"]->str, "sgz");
  EXPECT_EQ(kv["general.name"]->string_size, 14u);
  EXPECT_EQ(sgz::MetadataValueText(*kv["general.name"]), "'sgz...'");
  EXPECT_EQ(kv["tokenizer.ggml.tokens"]->items.size(), 1u);
  EXPECT_EQ(kv["sgz.demo.nested"]->items.size(), 1u);
  EXPECT_EQ(kv["sgz.demo.nested"]->items[0].items.size(), 1u);
  EXPECT_EQ(sgz::MetadataValueText(*kv["sgz.demo.nested"]), "[[1, ...] (3 UINT8), ...] (3 ARRAY)");
}

TEST_F(InfoTest, OpaqueFileHasNoGgufFacts) {
  const std::string in = Path("notes.txt");
  WriteFile(in, std::string(100000, 'n'));
  ASSERT_TRUE(sgz::PackFile(in, Path("notes.sgz")).ok());
  sgz::Reader r = OpenOrDie(Path("notes.sgz"));
  EXPECT_EQ(r.gguf().version, 0u);
  EXPECT_EQ(r.gguf().kv_count, 0u);
  EXPECT_TRUE(r.gguf().tensors_by_type.empty());
  EXPECT_EQ(r.Metadata().error().code(), sgz::ErrorCode::kInvalidArgument);
  sgz::ErrorOr<std::vector<sgz::StreamStat>> s = r.StreamStats();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].name, "raw");
  EXPECT_EQ((*s)[0].original, 100000u);
}

TEST_F(InfoTest, StreamStatsMatchThePackSummary) {
  sgz::Reader r = OpenOrDie(Archive());
  sgz::ErrorOr<std::vector<sgz::StreamStat>> s = r.StreamStats();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_EQ(s->size(), summary_->streams.size());
  uint64_t total = 0;
  std::map<std::string, uint64_t> names;
  for (size_t i = 0; i < s->size(); ++i) {
    SCOPED_TRACE((*s)[i].name);
    EXPECT_EQ((*s)[i].name, summary_->streams[i].name);
    EXPECT_EQ((*s)[i].original, summary_->streams[i].original);
    EXPECT_EQ((*s)[i].stored, summary_->streams[i].stored);
    if (i > 0) {
      EXPECT_LT((*s)[i - 1].name, (*s)[i].name);
    }
    total += (*s)[i].original;
    names[(*s)[i].name] = (*s)[i].original;
  }
  EXPECT_EQ(total, Original().size());
  EXPECT_EQ(names["meta"], r.gguf().data_offset);
  EXPECT_GT(names["ctx.Q4_K.qs"], 0u);
  EXPECT_GT(names["F32.value.b3"], 0u);
}

TEST_F(InfoTest, ReadRangeToStreamsChunkByChunk) {
  sgz::Reader r = OpenOrDie(Archive());
  std::string got;
  size_t calls = 0, largest = 0;
  const uint64_t offset = kChunkSize - 100, length = 5 * kChunkSize;
  sgz::Error e = r.ReadRangeTo(offset, length, [&](const void* data, size_t n) {
    got.append(static_cast<const char*>(data), n);
    ++calls;
    largest = std::max(largest, n);
    return sgz::Error::Ok();
  });
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(got == Original().substr(offset, length));
  EXPECT_GE(calls, 5u);
  EXPECT_LE(largest, 2 * kChunkSize) << "one chunk's worth at a time";

  // The callback's error stops the read and comes back unchanged.
  calls = 0;
  e = r.ReadRangeTo(0, Original().size(), [&](const void*, size_t) {
    ++calls;
    return sgz::Error(sgz::ErrorCode::kIoError, "disk on fire");
  });
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(e.message(), "disk on fire");
  EXPECT_EQ(calls, 1u);
  // A bad range fails before the callback runs.
  calls = 0;
  auto count = [&](const void*, size_t) {
    ++calls;
    return sgz::Error::Ok();
  };
  EXPECT_EQ(r.ReadRangeTo(Original().size(), 1, count).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.ReadRangeTo(0, 0, count).code(), sgz::ErrorCode::kOk);
  EXPECT_EQ(calls, 0u);
  EXPECT_EQ(r.ReadRangeTo(0, 1, nullptr).code(), sgz::ErrorCode::kInvalidArgument);

  const sgz::TensorInfo& t = r.tensors()[3];
  got.clear();
  ASSERT_TRUE(r.ReadTensorTo(t.name, [&](const void* data, size_t n) {
                 got.append(static_cast<const char*>(data), n);
                 return sgz::Error::Ok();
               }).ok());
  EXPECT_TRUE(got == Original().substr(t.offset, t.size));
  EXPECT_EQ(r.ReadTensorTo("no.such", count).code(), sgz::ErrorCode::kNotFound);
}

// Records progress reports; checks they only move forward.
struct ProgressLog {
  std::vector<sgz::Progress> seen;
  sgz::ProgressCallback Callback() {
    return [this](const sgz::Progress& p) {
      if (!seen.empty()) {
        EXPECT_GE(p.done, seen.back().done);
        EXPECT_GE(p.archive_bytes, seen.back().archive_bytes);
      }
      seen.push_back(p);
    };
  }
};

TEST_F(InfoTest, Progress) {
  ProgressLog pack;
  sgz::PackFileOptions options;
  options.chunk_size = kChunkSize;
  options.progress = pack.Callback();
  ASSERT_TRUE(sgz::PackFile(Demo(), Path("progress.sgz"), options).ok());
  ASSERT_GT(pack.seen.size(), 10u);
  EXPECT_EQ(pack.seen.back().done, Original().size());
  EXPECT_EQ(pack.seen.back().total, Original().size());
  EXPECT_GT(pack.seen.back().archive_bytes, 0u);

  sgz::Reader r = OpenOrDie(Archive());
  ProgressLog verify, unpack, callback, file;
  ASSERT_TRUE(r.Verify(verify.Callback()).ok());
  ASSERT_TRUE(r.Unpack(Path("progress.gguf"), true, unpack.Callback()).ok());
  EXPECT_TRUE(ReadFile(Path("progress.gguf")) == Original());
  std::string bytes;
  ASSERT_TRUE(r.Unpack([&](const void* d, size_t n) {
                 bytes.append(static_cast<const char*>(d), n);
                 return sgz::Error::Ok();
               }, callback.Callback()).ok());
  EXPECT_TRUE(bytes == Original());
  sgz::UnpackOptions uo;
  uo.overwrite = true;
  uo.progress = file.Callback();
  ASSERT_TRUE(sgz::UnpackFile(Archive(), Path("progress.gguf"), uo).ok());
  for (ProgressLog* log : {&verify, &unpack, &callback, &file}) {
    ASSERT_GT(log->seen.size(), 10u);
    EXPECT_EQ(log->seen.back().done, Original().size());
    EXPECT_EQ(log->seen.back().total, Original().size());
  }
}

TEST_F(InfoTest, UnpackSummaryFromFileAndPipe) {
  sgz::UnpackSummary s;
  sgz::UnpackOptions o;
  o.overwrite = true;
  ASSERT_TRUE(sgz::UnpackFile(Archive(), Path("s.gguf"), o, &s).ok());
  EXPECT_FALSE(s.streamed);
  EXPECT_EQ(s.original_size, Original().size());
  EXPECT_EQ(s.reads.chunks_decoded, summary_->chunks);
  EXPECT_EQ(s.reads.chunks_total, summary_->chunks);
  EXPECT_EQ(s.reads.archive_size, summary_->archive_size);

  // "-" reads standard input in one pass: put the archive there.
  ProgressLog progress;
  o.progress = progress.Callback();
  sgz::Error e;
  {
    sgz_api_test::ScopedRedirect in(STDIN_FILENO, Archive());
    ASSERT_TRUE(in.ok());
    e = sgz::UnpackFile("-", Path("piped.gguf"), o, &s);
  }
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(ReadFile(Path("piped.gguf")) == Original());
  EXPECT_TRUE(s.streamed);
  EXPECT_EQ(s.reads.bytes_read, summary_->archive_size);
  EXPECT_EQ(s.reads.chunks_decoded, summary_->chunks);
  EXPECT_EQ(s.original_size, Original().size());
  ASSERT_FALSE(progress.seen.empty());
  EXPECT_EQ(progress.seen.back().done, Original().size());
  EXPECT_EQ(progress.seen.back().total, 0u) << "unknown when reading a pipe";
}

TEST_F(InfoTest, VerifyFileAgainst) {
  sgz::VerifyOptions o;
  sgz::VerifyResult r;
  ASSERT_TRUE(sgz::VerifyFile(Archive(), o, &r).ok());
  EXPECT_TRUE(r.opened && r.matches);
  EXPECT_EQ(r.chunks_checked, summary_->chunks);
  EXPECT_EQ(r.original_size, Original().size());
  o.against = Demo();
  ASSERT_TRUE(sgz::VerifyFile(Archive(), o, &r).ok());
  EXPECT_TRUE(r.against_opened && r.matches);
  EXPECT_EQ(r.first_difference, UINT64_MAX);

  struct Case {
    std::string bytes;
    uint64_t first_difference;
  };
  std::string flipped = Original();
  flipped[500000] ^= 1;
  const Case cases[] = {{flipped, 500000}, {Original().substr(0, 1000), 1000}, {Original() + "x", Original().size()}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.first_difference);
    WriteFile(Path("against.gguf"), c.bytes);
    o.against = Path("against.gguf");
    ASSERT_TRUE(sgz::VerifyFile(Archive(), o, &r).ok()) << "a difference is not an error";
    EXPECT_FALSE(r.matches);
    EXPECT_EQ(r.first_difference, c.first_difference);
  }

  o.against = Path("missing.gguf");
  sgz::Error e = sgz::VerifyFile(Archive(), o, &r);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(e.path(), o.against);
  EXPECT_FALSE(r.against_opened);
  EXPECT_FALSE(r.opened);
  o.against = Demo();
  e = sgz::VerifyFile(Path("missing.sgz"), o, &r);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(e.path(), Path("missing.sgz"));
  EXPECT_TRUE(r.against_opened);
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(sgz::VerifyFile(Demo(), o, &r).code(), sgz::ErrorCode::kCorrupt);
}

TEST_F(InfoTest, ErrorsNameTheFileTheyConcern) {
  sgz::Error e = sgz::PackFile(Path("missing.gguf"), Path("never.sgz"));
  EXPECT_EQ(e.path(), Path("missing.gguf"));
  e = sgz::PackFile(Demo(), Archive());
  EXPECT_EQ(e.code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.path(), Archive());
  sgz::PackFileOptions bad;
  bad.level = 0;
  EXPECT_TRUE(sgz::PackFile(Demo(), Path("never.sgz"), bad).path().empty());
  sgz::PackFileOptions overwrite;
  overwrite.overwrite = true;
  e = sgz::PackFile(Demo(), "/dev/full", overwrite);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(e.path(), "/dev/full");
  e = sgz::UnpackFile(Archive(), "/dev/full", true);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(e.path(), "/dev/full");
  e = sgz::UnpackFile(Demo(), Path("never.gguf"), false);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kCorrupt);
  EXPECT_EQ(e.path(), Demo());
  EXPECT_EQ(e.message(), "header: bad magic, not an sgz archive") << "the path is not repeated";
  EXPECT_FALSE(Exists(Path("never.gguf")));
  EXPECT_FALSE(Exists(Path("never.sgz")));
}

TEST_F(InfoTest, OptionsPresetsAndConstants) {
  EXPECT_EQ(sgz::PackFileOptions::Fast().level, sgz::kMinLevel);
  EXPECT_EQ(sgz::PackFileOptions::Fast().meta_level, sgz::kMinLevel);
  EXPECT_EQ(sgz::PackFileOptions::Max().level, sgz::kMaxPresetLevel);
  EXPECT_EQ(sgz::PackFileOptions::Max().meta_level, sgz::kMaxPresetLevel);
  EXPECT_TRUE(sgz::ValidatePackOptions(sgz::PackFileOptions()).ok());
  sgz::PackFileOptions o;
  o.level = sgz::kMaxLevel + 1;
  EXPECT_EQ(sgz::ValidatePackOptions(o).message(), "level 23 outside 1..22");
  o = sgz::PackFileOptions();
  o.chunk_size = sgz::kMinChunkSize - 1;
  EXPECT_EQ(sgz::ValidatePackOptions(o).code(), sgz::ErrorCode::kInvalidArgument);
  o.chunk_size = sgz::kMinChunkSize;
  EXPECT_TRUE(sgz::ValidatePackOptions(o).ok());
  const std::string impl = sgz::ShuffleImplementation();
  EXPECT_TRUE(impl == "avx2" || impl == "sse2" || impl == "generic") << impl;
  // Presets pack differently, and both round-trip.
  ASSERT_TRUE(sgz::PackFile(Demo(), Path("fast.sgz"), sgz::PackFileOptions::Fast()).ok());
  ASSERT_TRUE(sgz::UnpackFile(Path("fast.sgz"), Path("fast.gguf"), false).ok());
  EXPECT_TRUE(ReadFile(Path("fast.gguf")) == Original());
}

TEST_F(InfoTest, OutputFileAppearsOnlyWhenCommitted) {
  const std::string path = Path("out.bin");
  {
    sgz::ErrorOr<sgz::OutputFile> f = sgz::OutputFile::Create(path, false);
    ASSERT_TRUE(f.ok()) << f.error().ToString();
    EXPECT_EQ(f->path(), path);
    ASSERT_TRUE(f->Write("abc", 3).ok());
    EXPECT_FALSE(Exists(path));
    EXPECT_EQ(Temporaries(*dir_), 1);
  }
  EXPECT_FALSE(Exists(path)) << "dropped without Commit";
  EXPECT_EQ(Temporaries(*dir_), 0);
  sgz::ErrorOr<sgz::OutputFile> f = sgz::OutputFile::Create(path, false);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Write("abc", 3).ok());
  ASSERT_TRUE(f->Commit().ok());
  EXPECT_EQ(ReadFile(path), "abc");
  EXPECT_EQ(sgz::OutputFile::Create(path, false).error().code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadFile(path), "abc");
  sgz::ErrorOr<sgz::OutputFile> g = sgz::OutputFile::Create(path, true);
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(g->Write("xy", 2).ok());
  EXPECT_EQ(ReadFile(path), "abc");
  ASSERT_TRUE(g->Commit().ok());
  EXPECT_EQ(ReadFile(path), "xy");
  sgz::ErrorOr<sgz::OutputFile> full = sgz::OutputFile::Create("/dev/full", true);
  ASSERT_TRUE(full.ok());
  sgz::Error e = full->Write("x", 1);
  if (e.ok()) e = full->Commit();
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
}

}  // namespace
