// The public API (sgz/sgz.h) and the C ABI (sgz/sgz_c.h), used only through
// the installed headers, on the demo fixture packed into a temporary
// directory.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sgz/sgz.h"
#include "sgz/sgz_c.h"
#include "api_test_util.h"

namespace {

using sgz_api_test::Exists;
using sgz_api_test::ReadFile;
using sgz_api_test::WriteFile;

// Archive bytes in memory behind the public Source interface; counts reads
// and can be told to fail or throw from the n-th read on.
class TestSource : public sgz::Source {
 public:
  explicit TestSource(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t Size() const override { return bytes_.size(); }
  sgz::Error Read(uint64_t offset, uint64_t n, void* dst) override {
    ++calls;
    if (fail_from != 0 && calls >= fail_from) {
      if (throw_instead) throw std::runtime_error("test source exploded");
      return sgz::Error(sgz::ErrorCode::kIoError, "test source: connection reset at offset " + std::to_string(offset));
    }
    std::memcpy(dst, bytes_.data() + offset, n);
    bytes += n;
    return sgz::Error::Ok();
  }
  uint64_t calls = 0;
  uint64_t bytes = 0;
  uint64_t fail_from = 0;  // 0: never
  bool throw_instead = false;

 private:
  std::string bytes_;
};

class ApiTest : public sgz_api_test::PackedDemoSuite<ApiTest> {
 public:
  static const char* DirPrefix() { return "sgz_api_test"; }
  static sgz::PackFileOptions PackOptions() {
    sgz::PackFileOptions options;
    options.chunk_size = kChunkSize;
    options.threads = 2;
    return options;
  }
};

TEST(Error, NamesAndStrings) {
  EXPECT_TRUE(sgz::Error().ok());
  EXPECT_EQ(sgz::Error().ToString(), "ok");
  sgz::Error e(sgz::ErrorCode::kChecksumMismatch, "chunk 3: checksum mismatch");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.ToString(), "checksum_mismatch: chunk 3: checksum mismatch");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kOk), "ok");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kCorrupt), "corrupt");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kNotSupported), "not_supported");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kIoError), "io_error");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kResourceExhausted), "resource_exhausted");
  EXPECT_STREQ(sgz::ErrorCodeName(sgz::ErrorCode::kNotFound), "not_found");
  // An ErrorOr never claims a value it does not have.
  sgz::ErrorOr<int> bad = sgz::Error::Ok();
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::string(sgz::Version()).empty());
}

TEST_F(ApiTest, PackSummary) {
  EXPECT_TRUE(summary_->gguf);
  EXPECT_TRUE(summary_->notice.empty());
  EXPECT_EQ(summary_->original_size, Original().size());
  EXPECT_EQ(summary_->archive_size, std::filesystem::file_size(Archive()));
  EXPECT_GT(summary_->chunks, 10u);
}

TEST_F(ApiTest, ListsTensors) {
  sgz::Reader r = OpenOrDie(Archive());
  EXPECT_TRUE(r.is_gguf());
  EXPECT_TRUE(r.note().empty());
  EXPECT_EQ(r.file_name(), "demo.gguf");
  EXPECT_EQ(r.original_size(), Original().size());
  const std::vector<sgz::TensorInfo>& tensors = r.tensors();
  ASSERT_EQ(tensors.size(), 21u);
  EXPECT_EQ(tensors[0].name, "token_embd.weight");
  EXPECT_EQ(tensors[0].type, "Q4_K");
  EXPECT_EQ(tensors[0].shape, (std::vector<int64_t>{256, 512}));
  EXPECT_EQ(tensors[1].type, "F32");
  EXPECT_EQ(tensors[1].shape, (std::vector<int64_t>{256}));
  std::set<std::string> names;
  uint64_t previous_end = 0;
  for (const sgz::TensorInfo& t : tensors) {
    SCOPED_TRACE(t.name);
    names.insert(t.name);
    EXPECT_GE(t.offset, previous_end);
    EXPECT_LE(t.offset + t.size, r.original_size());
    EXPECT_GT(t.size, 0u);
    EXPECT_GT(t.stored_size, 0u);
    previous_end = t.offset + t.size;
    sgz::ErrorOr<const sgz::TensorInfo*> found = r.FindTensor(t.name);
    ASSERT_TRUE(found.ok()) << found.error().ToString();
    EXPECT_EQ(*found, &t);
  }
  EXPECT_EQ(names.size(), tensors.size());
  // Opening reads no chunk.
  EXPECT_EQ(r.stats().chunks_decoded, 0u);
  EXPECT_EQ(r.stats().chunks_total, summary_->chunks);
}

TEST_F(ApiTest, EveryTensorMatchesTheOriginalBytes) {
  sgz::Reader r = OpenOrDie(Archive());
  for (const sgz::TensorInfo& t : r.tensors()) {
    SCOPED_TRACE(t.name);
    std::vector<char> buf(t.size + 7, '\x5a');
    sgz::Error e = r.ReadTensor(t.name, buf.data(), buf.size());
    ASSERT_TRUE(e.ok()) << e.ToString();
    EXPECT_TRUE(std::memcmp(buf.data(), Original().data() + t.offset, t.size) == 0);
    // Bytes past the tensor are left alone.
    EXPECT_EQ(std::string(buf.data() + t.size, 7), std::string(7, '\x5a'));
  }
}

TEST_F(ApiTest, ReadTensorTouchesOnlyItsChunks) {
  sgz::Reader r = OpenOrDie(Archive());
  const sgz::TensorInfo& t = r.tensors()[1];  // a 1 KiB norm
  std::vector<char> buf(t.size);
  ASSERT_TRUE(r.ReadTensor(t.name, buf.data(), buf.size()).ok());
  EXPECT_LE(r.stats().chunks_decoded, 2u);
  EXPECT_LT(r.stats().bytes_read, r.stats().archive_size / 4);
}

TEST_F(ApiTest, RangesMatchTheOriginal) {
  sgz::Reader r = OpenOrDie(Archive());
  r.set_threads(3);
  const uint64_t size = Original().size();
  const uint64_t chunk = 64 << 10;
  struct Range {
    uint64_t offset, length;
  };
  const Range ranges[] = {{0, 0},          {0, 1},          {0, 16},          {chunk - 10, 20}, {chunk, chunk},
                          {chunk - 1, 3 * chunk + 2},       {size - 1, 1},    {size, 0},        {12345, 300000},
                          {0, size}};
  for (const Range& range : ranges) {
    SCOPED_TRACE(std::to_string(range.offset) + "+" + std::to_string(range.length));
    std::vector<char> buf(range.length + 1);
    sgz::Error e = r.ReadRange(range.offset, range.length, buf.data());
    ASSERT_TRUE(e.ok()) << e.ToString();
    EXPECT_TRUE(std::memcmp(buf.data(), Original().data() + range.offset, range.length) == 0);
  }
  char byte;
  EXPECT_EQ(r.ReadRange(size, 1, &byte).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.ReadRange(size - 1, 2, &byte).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.ReadRange(UINT64_MAX, 2, &byte).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.ReadRange(1, UINT64_MAX, &byte).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.ReadRange(0, 1, nullptr).code(), sgz::ErrorCode::kInvalidArgument);
}

TEST_F(ApiTest, UnpackAndVerify) {
  sgz::Reader r = OpenOrDie(Archive());
  EXPECT_TRUE(r.Verify().ok());
  const std::string out = Path("unpacked.gguf");
  sgz::Error e = r.Unpack(out, false);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(ReadFile(out) == Original());
  // An existing output stays unless overwrite is asked for.
  WriteFile(out, "keep me");
  EXPECT_EQ(r.Unpack(out, false).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadFile(out), "keep me");
  ASSERT_TRUE(r.Unpack(out, true).ok());
  EXPECT_TRUE(ReadFile(out) == Original());

  const std::string out2 = Path("unpacked2.gguf");
  e = sgz::UnpackFile(Archive(), out2, false, 2);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(ReadFile(out2) == Original());
  EXPECT_EQ(sgz::UnpackFile(Archive(), out2, false).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(sgz::UnpackFile(Path("missing.sgz"), Path("never.gguf"), false).code(), sgz::ErrorCode::kIoError);
  EXPECT_FALSE(Exists(Path("never.gguf")));
}

TEST_F(ApiTest, ReaderMoves) {
  sgz::Reader a = OpenOrDie(Archive());
  sgz::Reader b(std::move(a));
  EXPECT_EQ(b.tensors().size(), 21u);
  sgz::Reader c = OpenOrDie(Archive());
  c = std::move(b);
  EXPECT_TRUE(c.Verify().ok());
}

TEST_F(ApiTest, OpenMemory) {
  const std::string archive = ReadFile(Archive());
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::OpenMemory(archive.data(), archive.size());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const sgz::TensorInfo& t = r->tensors().back();
  std::vector<char> buf(t.size);
  ASSERT_TRUE(r->ReadTensor(t.name, buf.data(), buf.size()).ok());
  EXPECT_TRUE(std::memcmp(buf.data(), Original().data() + t.offset, t.size) == 0);
  EXPECT_TRUE(r->Verify().ok());
  EXPECT_EQ(sgz::Reader::OpenMemory(nullptr, 10).error().code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(sgz::Reader::OpenMemory(archive.data(), 3).error().code(), sgz::ErrorCode::kCorrupt);
}

TEST_F(ApiTest, CustomSource) {
  auto owned = std::make_unique<TestSource>(ReadFile(Archive()));
  TestSource* source = owned.get();
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(std::move(owned));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const uint64_t after_open = source->bytes;
  EXPECT_GT(after_open, 0u);
  const sgz::TensorInfo& t = r->tensors()[5];
  std::vector<char> buf(t.size);
  ASSERT_TRUE(r->ReadTensor(t.name, buf.data(), buf.size()).ok());
  EXPECT_TRUE(std::memcmp(buf.data(), Original().data() + t.offset, t.size) == 0);
  // Only the tensor's chunks were fetched, not the whole archive.
  EXPECT_LT(source->bytes - after_open, source->Size() / 4);
  EXPECT_EQ(r->stats().bytes_read, source->bytes);

  // The source's error reaches the caller with its code and message.
  source->fail_from = source->calls + 1;
  sgz::Error e = r->ReadTensor(t.name, buf.data(), buf.size());
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_NE(e.message().find("connection reset"), std::string::npos) << e.message();
  // So does an exception, as an error.
  source->throw_instead = true;
  e = r->Verify();
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError);
  EXPECT_NE(e.message().find("exploded"), std::string::npos) << e.message();

  auto failing = std::make_unique<TestSource>(ReadFile(Archive()));
  failing->fail_from = 1;
  EXPECT_EQ(sgz::Reader::Open(std::move(failing)).error().code(), sgz::ErrorCode::kIoError);
  EXPECT_EQ(sgz::Reader::Open(std::unique_ptr<sgz::Source>()).error().code(), sgz::ErrorCode::kInvalidArgument);
}

TEST_F(ApiTest, Errors) {
  sgz::ErrorOr<sgz::Reader> missing = sgz::Reader::Open(Path("no-such-file.sgz"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), sgz::ErrorCode::kIoError);
  EXPECT_NE(missing.error().message().find("no-such-file.sgz"), std::string::npos);

  sgz::Reader r = OpenOrDie(Archive());
  char buf[16];
  sgz::Error e = r.ReadTensor("blk.0.attn_q.weigth", buf, sizeof buf);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kNotFound);
  EXPECT_NE(e.message().find("blk.0.attn_q.weight"), std::string::npos) << "suggests the close name: " << e.message();
  EXPECT_EQ(r.FindTensor("nope").error().code(), sgz::ErrorCode::kNotFound);

  const sgz::TensorInfo& t = r.tensors()[0];
  std::vector<char> small(t.size - 1);
  EXPECT_EQ(r.ReadTensor(t.name, small.data(), small.size()).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.ReadTensor(t.name, nullptr, t.size).code(), sgz::ErrorCode::kInvalidArgument);

  // The GGUF file itself is not an archive.
  EXPECT_EQ(sgz::Reader::Open(Demo()).error().code(), sgz::ErrorCode::kCorrupt);
}

TEST_F(ApiTest, DamagedArchives) {
  const std::string archive = ReadFile(Archive());
  {
    // Truncated: the footer is gone.
    std::string cut = archive.substr(0, archive.size() - 1);
    EXPECT_EQ(sgz::Reader::OpenMemory(cut.data(), cut.size()).error().code(), sgz::ErrorCode::kCorrupt);
  }
  {
    // A manifest byte: caught by the manifest checksum before anything else.
    std::string bad = archive;
    bad[bad.size() - 40 - 8] ^= 0x01;
    EXPECT_EQ(sgz::Reader::OpenMemory(bad.data(), bad.size()).error().code(), sgz::ErrorCode::kChecksumMismatch);
    const std::string path = Path("damaged-manifest.sgz");
    WriteFile(path, bad);
    EXPECT_EQ(sgz::Reader::Open(path).error().code(), sgz::ErrorCode::kChecksumMismatch);
    EXPECT_EQ(sgz::Reader::Open(path).error().path(), path);
  }
  {
    // A payload byte in the middle: the manifest is fine, decoding is not.
    std::string bad = archive;
    bad[bad.size() / 2] ^= 0x10;
    sgz::ErrorOr<sgz::Reader> r = sgz::Reader::OpenMemory(bad.data(), bad.size());
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    sgz::Error e = r->Verify();
    EXPECT_TRUE(e.code() == sgz::ErrorCode::kCorrupt || e.code() == sgz::ErrorCode::kChecksumMismatch) << e.ToString();
    const std::string path = Path("damaged-payload.sgz");
    WriteFile(path, bad);
    const std::string out = Path("damaged-payload.gguf");
    e = sgz::UnpackFile(path, out, false);
    EXPECT_TRUE(e.code() == sgz::ErrorCode::kCorrupt || e.code() == sgz::ErrorCode::kChecksumMismatch) << e.ToString();
    EXPECT_FALSE(Exists(out)) << "a failed unpack leaves no output";
  }
  // A flipped byte anywhere is either reported by Open or Verify with a code
  // that says the archive is bad, or harmless: the bytes read back are the
  // original's. Never wrong bytes without an error.
  const std::set<sgz::ErrorCode> bad_archive = {sgz::ErrorCode::kCorrupt, sgz::ErrorCode::kChecksumMismatch,
                                                sgz::ErrorCode::kNotSupported, sgz::ErrorCode::kResourceExhausted};
  const size_t step = archive.size() / 97 + 1;
  int errors = 0;
  for (size_t pos = 0; pos < archive.size(); pos += step) {
    SCOPED_TRACE("flipped byte " + std::to_string(pos));
    std::string bad = archive;
    bad[pos] ^= 0x40;
    sgz::ErrorOr<sgz::Reader> r = sgz::Reader::OpenMemory(bad.data(), bad.size());
    sgz::Error e = r.ok() ? r->Verify() : r.error();
    if (e.ok()) {
      std::string all(r->original_size(), '\0');
      ASSERT_TRUE(r->ReadRange(0, all.size(), all.data()).ok());
      EXPECT_TRUE(all == Original());
    } else {
      EXPECT_EQ(bad_archive.count(e.code()), 1u) << e.ToString();
      ++errors;
    }
  }
  EXPECT_GT(errors, 90);
}

TEST_F(ApiTest, OpaqueInput) {
  const std::string in = Path("notes.txt");
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + " of a file that is not GGUF\n";
  WriteFile(in, text);
  sgz::PackSummary summary;
  ASSERT_TRUE(sgz::PackFile(in, Path("notes.txt.sgz"), sgz::PackFileOptions(), &summary).ok());
  EXPECT_FALSE(summary.gguf);
  EXPECT_FALSE(summary.notice.empty());
  EXPECT_LT(summary.archive_size, summary.original_size);
  sgz::Reader r = OpenOrDie(Path("notes.txt.sgz"));
  EXPECT_FALSE(r.is_gguf());
  EXPECT_FALSE(r.note().empty());
  EXPECT_TRUE(r.tensors().empty());
  EXPECT_EQ(r.FindTensor("x").error().code(), sgz::ErrorCode::kNotFound);
  std::vector<char> buf(100);
  ASSERT_TRUE(r.ReadRange(1000, buf.size(), buf.data()).ok());
  EXPECT_EQ(std::string(buf.data(), buf.size()), text.substr(1000, 100));
}

TEST_F(ApiTest, PackFileOptionsAndErrors) {
  sgz::PackFileOptions options;
  options.level = 0;
  const std::string out = Path("bad-level.sgz");
  EXPECT_EQ(sgz::PackFile(Demo(), out, options).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Exists(out));
  options = sgz::PackFileOptions();
  options.chunk_size = 100;
  EXPECT_EQ(sgz::PackFile(Demo(), out, options).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Exists(out));
  options = sgz::PackFileOptions();
  options.meta_level = 23;
  EXPECT_EQ(sgz::PackFile(Demo(), out, options).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Exists(out));
  EXPECT_EQ(sgz::PackFile(Path("missing.gguf"), out).code(), sgz::ErrorCode::kIoError);
  EXPECT_FALSE(Exists(out));
  // An existing archive is replaced only on request.
  EXPECT_EQ(sgz::PackFile(Demo(), Archive()).code(), sgz::ErrorCode::kInvalidArgument);
  options = sgz::PackFileOptions();
  options.level = 1;
  options.overwrite = true;
  options.threads = 1;
  const std::string copy = Path("copy.sgz");
  ASSERT_TRUE(sgz::PackFile(Demo(), copy, options).ok());
  ASSERT_TRUE(sgz::PackFile(Demo(), copy, options).ok());
  sgz::Reader r = OpenOrDie(copy);
  EXPECT_TRUE(r.Verify().ok());
}

// ---- The C ABI.

TEST_F(ApiTest, CAbiReads) {
  sgz_reader* reader = reinterpret_cast<sgz_reader*>(&reader);  // must be reset on failure
  EXPECT_EQ(sgz_reader_open(Path("no-such-file.sgz").c_str(), &reader), SGZ_IO_ERROR);
  EXPECT_EQ(reader, nullptr);
  EXPECT_NE(std::string(sgz_last_error()).find("no-such-file.sgz"), std::string::npos) << sgz_last_error();

  ASSERT_EQ(sgz_reader_open(Archive().c_str(), &reader), SGZ_OK) << sgz_last_error();
  sgz::Reader cpp = OpenOrDie(Archive());
  EXPECT_EQ(sgz_reader_original_size(reader), Original().size());
  ASSERT_EQ(sgz_reader_tensor_count(reader), cpp.tensors().size());
  for (size_t i = 0; i < sgz_reader_tensor_count(reader); ++i) {
    const char* name = sgz_reader_tensor_name(reader, i);
    ASSERT_NE(name, nullptr);
    SCOPED_TRACE(name);
    EXPECT_EQ(std::string(name), cpp.tensors()[i].name);
    uint64_t size = 0, offset = 0;
    ASSERT_EQ(sgz_reader_tensor_size(reader, name, &size), SGZ_OK);
    ASSERT_EQ(sgz_reader_tensor_offset(reader, name, &offset), SGZ_OK);
    EXPECT_EQ(size, cpp.tensors()[i].size);
    EXPECT_EQ(offset, cpp.tensors()[i].offset);
    std::vector<char> buf(size);
    ASSERT_EQ(sgz_reader_read_tensor(reader, name, buf.data(), buf.size()), SGZ_OK) << sgz_last_error();
    EXPECT_TRUE(std::memcmp(buf.data(), Original().data() + offset, size) == 0);
    if (size > 0) {
      EXPECT_EQ(sgz_reader_read_tensor(reader, name, buf.data(), size - 1), SGZ_INVALID_ARGUMENT);
    }
  }
  EXPECT_EQ(sgz_reader_tensor_name(reader, sgz_reader_tensor_count(reader)), nullptr);

  std::vector<char> range(200000);
  ASSERT_EQ(sgz_reader_read_range(reader, 54321, range.size(), range.data()), SGZ_OK) << sgz_last_error();
  EXPECT_TRUE(std::memcmp(range.data(), Original().data() + 54321, range.size()) == 0);
  EXPECT_EQ(sgz_reader_read_range(reader, Original().size(), 1, range.data()), SGZ_INVALID_ARGUMENT);

  char byte;
  uint64_t size;
  EXPECT_EQ(sgz_reader_read_tensor(reader, "no.such.tensor", &byte, 1), SGZ_NOT_FOUND);
  EXPECT_NE(std::string(sgz_last_error()).find("no.such.tensor"), std::string::npos) << sgz_last_error();
  EXPECT_EQ(sgz_reader_tensor_size(reader, "no.such.tensor", &size), SGZ_NOT_FOUND);
  EXPECT_EQ(sgz_reader_verify(reader), SGZ_OK);
  sgz_reader_close(reader);

  // Null arguments are errors, not crashes.
  EXPECT_EQ(sgz_reader_open(nullptr, &reader), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(reader, nullptr);
  EXPECT_EQ(sgz_reader_open(Archive().c_str(), nullptr), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_tensor_size(nullptr, "x", &size), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_read_range(nullptr, 0, 0, &byte), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_tensor_count(nullptr), 0u);
  EXPECT_EQ(sgz_reader_tensor_name(nullptr, 0), nullptr);
  sgz_reader_close(nullptr);

  ASSERT_EQ(sgz_reader_open(Archive().c_str(), &reader), SGZ_OK);
  EXPECT_EQ(sgz_reader_read_tensor(reader, nullptr, &byte, 1), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_read_range(reader, 0, 1, nullptr), SGZ_INVALID_ARGUMENT);
  sgz_reader_close(reader);
}

TEST_F(ApiTest, CAbiDamagedArchive) {
  std::string bad = ReadFile(Archive());
  bad[bad.size() - 40 - 8] ^= 0x01;
  sgz_reader* reader = nullptr;
  EXPECT_EQ(sgz_reader_open_memory(bad.data(), bad.size(), &reader), SGZ_CHECKSUM_MISMATCH);
  EXPECT_EQ(reader, nullptr);
  bad = ReadFile(Archive());
  bad[bad.size() / 2] ^= 0x10;
  ASSERT_EQ(sgz_reader_open_memory(bad.data(), bad.size(), &reader), SGZ_OK);
  const int code = sgz_reader_verify(reader);
  EXPECT_TRUE(code == SGZ_CORRUPT || code == SGZ_CHECKSUM_MISMATCH) << code << " " << sgz_last_error();
  sgz_reader_close(reader);
  EXPECT_EQ(sgz_reader_open_memory(bad.data(), 10, &reader), SGZ_CORRUPT);
}

TEST_F(ApiTest, CAbiPackAndUnpack) {
  const std::string archive = Path("c.sgz");
  const std::string out = Path("c.gguf");
  ASSERT_EQ(sgz_pack_file(Demo().c_str(), archive.c_str(), 5, 2, 0), SGZ_OK) << sgz_last_error();
  EXPECT_EQ(sgz_pack_file(Demo().c_str(), archive.c_str(), 5, 2, 0), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_pack_file(Demo().c_str(), Path("c2.sgz").c_str(), 99, 0, 0), SGZ_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sgz_last_error()).find("level 99"), std::string::npos) << sgz_last_error();
  ASSERT_EQ(sgz_unpack_file(archive.c_str(), out.c_str(), 0), SGZ_OK) << sgz_last_error();
  EXPECT_TRUE(ReadFile(out) == Original());
  EXPECT_EQ(sgz_unpack_file(archive.c_str(), out.c_str(), 0), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_unpack_file(archive.c_str(), out.c_str(), 1), SGZ_OK);
  EXPECT_EQ(sgz_unpack_file(Path("none.sgz").c_str(), Path("none.gguf").c_str(), 0), SGZ_IO_ERROR);
  EXPECT_EQ(sgz_pack_file(nullptr, archive.c_str(), 3, 0, 1), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_unpack_file(archive.c_str(), nullptr, 1), SGZ_INVALID_ARGUMENT);
}

TEST(CAbi, LastErrorIsPerThread) {
  sgz_reader* reader = nullptr;
  ASSERT_EQ(sgz_reader_open("/nonexistent/main-thread.sgz", &reader), SGZ_IO_ERROR);
  std::string other;
  std::thread t([&] {
    sgz_reader* r = nullptr;
    sgz_reader_open("/nonexistent/other-thread.sgz", &r);
    other = sgz_last_error();
  });
  t.join();
  EXPECT_NE(other.find("other-thread"), std::string::npos) << other;
  EXPECT_NE(std::string(sgz_last_error()).find("main-thread"), std::string::npos) << sgz_last_error();
  EXPECT_FALSE(std::string(sgz_version()).empty());
}

}  // namespace
