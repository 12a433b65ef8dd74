// The C ABI's reading and option surface (sgz/sgz_c.h) beyond open/read:
// tensor types and shapes, streaming reads, facts, metadata, stream
// statistics, pack and unpack options; each checked against the C++ API.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sgz/sgz.h"
#include "sgz/sgz_c.h"
#include "api_test_util.h"

namespace {

using sgz_api_test::ReadFile;

class CApiTest : public sgz_api_test::TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    original_ = ReadFile(Demo());
    sgz_pack_options o;
    sgz_pack_options_init(&o);
    o.chunk_size = 64 << 10;
    ASSERT_EQ(sgz_pack_file_with(Demo().c_str(), Archive().c_str(), &o), SGZ_OK) << sgz_last_error();
    ASSERT_EQ(sgz_reader_open(Archive().c_str(), &reader_), SGZ_OK) << sgz_last_error();
    sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(Archive());
    ASSERT_TRUE(r.ok());
    cpp_ = std::make_unique<sgz::Reader>(std::move(r).value());
  }
  void TearDown() override {
    sgz_reader_close(reader_);
    TempDirTest::TearDown();
  }
  static std::string Demo() { return sgz_api_test::DemoPath(); }
  std::string Archive() const { return dir_ + "/demo.sgz"; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string original_;
  sgz_reader* reader_ = nullptr;
  std::unique_ptr<sgz::Reader> cpp_;
};

int Append(void* user, const void* data, size_t n) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(data), n);
  return 0;
}

int Refuse(void* user, const void*, size_t) {
  ++*static_cast<int*>(user);
  return SGZ_IO_ERROR;
}

void CountProgress(void* user, uint64_t done, uint64_t total) {
  auto* last = static_cast<std::pair<uint64_t, uint64_t>*>(user);
  EXPECT_GE(done, last->first);
  *last = {done, total};
}

TEST_F(CApiTest, TensorTypesAndShapes) {
  ASSERT_EQ(sgz_reader_tensor_count(reader_), cpp_->tensors().size());
  for (size_t i = 0; i < cpp_->tensors().size(); ++i) {
    const sgz::TensorInfo& t = cpp_->tensors()[i];
    SCOPED_TRACE(t.name);
    ASSERT_NE(sgz_reader_tensor_type(reader_, i), nullptr);
    EXPECT_EQ(std::string(sgz_reader_tensor_type(reader_, i)), t.type);
    size_t n_dims = 99;
    int64_t dims[SGZ_MAX_DIMS] = {0};
    ASSERT_EQ(sgz_reader_tensor_shape(reader_, i, &n_dims, dims, SGZ_MAX_DIMS), SGZ_OK);
    EXPECT_EQ(std::vector<int64_t>(dims, dims + n_dims), t.shape);
  }
  EXPECT_STREQ(sgz_reader_tensor_type(reader_, 0), "Q4_K");
  size_t n_dims = 0;
  int64_t dims[1];
  EXPECT_EQ(sgz_reader_tensor_shape(reader_, 0, &n_dims, dims, 1), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(n_dims, 2u) << "set even when dims is too small";
  EXPECT_EQ(sgz_reader_tensor_shape(reader_, 1000, &n_dims, dims, 1), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_tensor_type(reader_, 1000), nullptr);
  EXPECT_EQ(sgz_reader_tensor_type(nullptr, 0), nullptr);
}

TEST_F(CApiTest, ReadToCallback) {
  sgz_reader_set_threads(reader_, 1);
  sgz_reader_set_threads(nullptr, 1);
  std::string got;
  ASSERT_EQ(sgz_reader_read_range_to(reader_, 1000, 300000, Append, &got), SGZ_OK) << sgz_last_error();
  EXPECT_TRUE(got == original_.substr(1000, 300000));
  int calls = 0;
  EXPECT_EQ(sgz_reader_read_range_to(reader_, 0, original_.size(), Refuse, &calls), SGZ_IO_ERROR);
  EXPECT_EQ(calls, 1);
  EXPECT_STREQ(sgz_last_error(), "write callback returned 5");
  EXPECT_EQ(sgz_reader_read_range_to(reader_, original_.size(), 1, Append, &got), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_read_range_to(reader_, 0, 1, nullptr, nullptr), SGZ_INVALID_ARGUMENT);
  const sgz::TensorInfo& t = cpp_->tensors()[4];
  got.clear();
  ASSERT_EQ(sgz_reader_read_tensor_to(reader_, t.name.c_str(), Append, &got), SGZ_OK);
  EXPECT_TRUE(got == original_.substr(t.offset, t.size));
  EXPECT_EQ(sgz_reader_read_tensor_to(reader_, "no.such", Append, &got), SGZ_NOT_FOUND);
}

TEST_F(CApiTest, FactsAndStats) {
  sgz_archive_info info;
  ASSERT_EQ(sgz_reader_info(reader_, &info), SGZ_OK);
  const sgz::ArchiveInfo a = cpp_->archive_info();
  EXPECT_EQ(info.format_major, a.format.major);
  EXPECT_EQ(info.format_minor, a.format.minor);
  EXPECT_EQ(info.archive_size, a.archive_size);
  EXPECT_EQ(info.chunks, a.chunks);
  EXPECT_EQ(info.checksum, a.checksum);
  EXPECT_EQ(info.original_size, original_.size());
  EXPECT_EQ(info.is_gguf, 1);
  EXPECT_EQ(info.gguf_version, 3u);
  EXPECT_EQ(info.big_endian, 0);
  EXPECT_EQ(info.alignment, 32u);
  EXPECT_EQ(info.data_offset, cpp_->gguf().data_offset);
  EXPECT_EQ(info.kv_count, 22u);
  EXPECT_EQ(info.tensor_count, 21u);
  EXPECT_EQ(sgz_reader_info(nullptr, &info), SGZ_INVALID_ARGUMENT);

  sgz_read_stats stats;
  ASSERT_EQ(sgz_reader_stats(reader_, &stats), SGZ_OK);
  EXPECT_EQ(stats.chunks_decoded, 0u);
  EXPECT_EQ(stats.chunks_total, info.chunks);
  std::vector<char> buf(10);
  ASSERT_EQ(sgz_reader_read_range(reader_, 0, buf.size(), buf.data()), SGZ_OK);
  ASSERT_EQ(sgz_reader_stats(reader_, &stats), SGZ_OK);
  EXPECT_EQ(stats.chunks_decoded, 1u);
  EXPECT_GT(stats.bytes_read, 0u);
  EXPECT_EQ(stats.archive_size, info.archive_size);
}

TEST_F(CApiTest, Metadata) {
  EXPECT_EQ(sgz_reader_metadata_key(reader_, 0), nullptr) << "not loaded yet";
  size_t count = 0;
  ASSERT_EQ(sgz_reader_metadata_count(reader_, &count), SGZ_OK) << sgz_last_error();
  sgz::MetadataLimits limits;
  limits.max_string = 256;
  sgz::ErrorOr<std::vector<sgz::MetadataEntry>> m = cpp_->Metadata(limits);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(count, m->size());
  for (size_t i = 0; i < count; ++i) {
    SCOPED_TRACE((*m)[i].key);
    EXPECT_EQ(std::string(sgz_reader_metadata_key(reader_, i)), (*m)[i].key);
    EXPECT_STREQ(sgz_reader_metadata_type(reader_, i), sgz::MetadataTypeName((*m)[i].value.type));
    EXPECT_EQ(std::string(sgz_reader_metadata_text(reader_, i)), sgz::MetadataValueText((*m)[i].value, 8));
  }
  EXPECT_EQ(sgz_reader_metadata_key(reader_, count), nullptr);
  size_t index = 0;
  ASSERT_EQ(sgz_reader_metadata_find(reader_, "general.name", &index), SGZ_OK);
  EXPECT_STREQ(sgz_reader_metadata_text(reader_, index), "'sgz demo model'");
  EXPECT_STREQ(sgz_reader_metadata_type(reader_, index), "STRING");
  ASSERT_EQ(sgz_reader_metadata_find(reader_, "tokenizer.ggml.tokens", &index), SGZ_OK);
  EXPECT_STREQ(sgz_reader_metadata_text(reader_, index),
               "['<0x0>', '<0x1>', '<0x2>', '<0x3>', '<0x4>', '<0x5>', '<0x6>', '<0x7>', ...] (512 STRING)");
  EXPECT_EQ(sgz_reader_metadata_find(reader_, "no.such.key", &index), SGZ_NOT_FOUND);
  EXPECT_NE(std::string(sgz_last_error()).find("no.such.key"), std::string::npos);

  // An opaque file has none.
  const std::string text = Path("t.txt");
  std::ofstream(text) << "not gguf at all\n";
  ASSERT_EQ(sgz_pack_file(text.c_str(), Path("t.sgz").c_str(), 1, 1, 0), SGZ_OK);
  sgz_reader* opaque = nullptr;
  ASSERT_EQ(sgz_reader_open(Path("t.sgz").c_str(), &opaque), SGZ_OK);
  EXPECT_EQ(sgz_reader_metadata_count(opaque, &count), SGZ_INVALID_ARGUMENT);
  EXPECT_EQ(sgz_reader_metadata_key(opaque, 0), nullptr);
  sgz_archive_info info;
  ASSERT_EQ(sgz_reader_info(opaque, &info), SGZ_OK);
  EXPECT_EQ(info.is_gguf, 0);
  EXPECT_EQ(info.kv_count, 0u);
  sgz_reader_close(opaque);
}

TEST_F(CApiTest, StreamStats) {
  EXPECT_EQ(sgz_reader_stream_name(reader_, 0), nullptr) << "not loaded yet";
  size_t count = 0;
  ASSERT_EQ(sgz_reader_stream_count(reader_, &count), SGZ_OK) << sgz_last_error();
  sgz::ErrorOr<std::vector<sgz::StreamStat>> s = cpp_->StreamStats();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(count, s->size());
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(std::string(sgz_reader_stream_name(reader_, i)), (*s)[i].name);
    uint64_t original = 0, stored = 0;
    ASSERT_EQ(sgz_reader_stream_sizes(reader_, i, &original, &stored), SGZ_OK);
    EXPECT_EQ(original, (*s)[i].original);
    EXPECT_EQ(stored, (*s)[i].stored);
  }
  uint64_t a, b;
  EXPECT_EQ(sgz_reader_stream_sizes(reader_, count, &a, &b), SGZ_INVALID_ARGUMENT);
}

TEST_F(CApiTest, PackAndUnpackOptions) {
  sgz_pack_options o;
  std::memset(&o, 0x5a, sizeof o);
  sgz_pack_options_init(&o);
  EXPECT_EQ(o.level, sgz::kDefaultLevel);
  EXPECT_EQ(o.meta_level, 0);
  EXPECT_EQ(o.chunk_size, sgz::kDefaultChunkSize);
  EXPECT_EQ(o.threads, 0u);
  EXPECT_EQ(o.overwrite, 0);
  EXPECT_EQ(o.progress, nullptr);

  std::pair<uint64_t, uint64_t> last = {0, 0};
  o.chunk_size = 16 << 10;
  o.level = 3;
  o.progress = CountProgress;
  o.progress_user = &last;
  ASSERT_EQ(sgz_pack_file_with(Demo().c_str(), Path("small.sgz").c_str(), &o), SGZ_OK) << sgz_last_error();
  EXPECT_EQ(last.first, original_.size());
  EXPECT_EQ(last.second, original_.size());
  sgz::Reader r = std::move(sgz::Reader::Open(Path("small.sgz"))).value();
  EXPECT_GT(r.archive_info().chunks, cpp_->archive_info().chunks) << "smaller chunks, more of them";
  EXPECT_EQ(sgz_pack_file_with(Demo().c_str(), Path("small.sgz").c_str(), &o), SGZ_INVALID_ARGUMENT);
  o.overwrite = 1;
  last = {0, 0};
  EXPECT_EQ(sgz_pack_file_with(Demo().c_str(), Path("small.sgz").c_str(), &o), SGZ_OK);
  o.chunk_size = 100;
  EXPECT_EQ(sgz_pack_file_with(Demo().c_str(), Path("bad.sgz").c_str(), &o), SGZ_INVALID_ARGUMENT);
  EXPECT_FALSE(std::filesystem::exists(Path("bad.sgz")));
  ASSERT_EQ(sgz_pack_file_with(Demo().c_str(), Path("defaults.sgz").c_str(), nullptr), SGZ_OK);

  sgz_unpack_options u;
  sgz_unpack_options_init(&u);
  EXPECT_EQ(u.overwrite, 0);
  last = {0, 0};
  u.progress = CountProgress;
  u.progress_user = &last;
  u.threads = 2;
  ASSERT_EQ(sgz_unpack_file_with(Path("small.sgz").c_str(), Path("small.gguf").c_str(), &u), SGZ_OK);
  EXPECT_TRUE(ReadFile(Path("small.gguf")) == original_);
  EXPECT_EQ(last.first, original_.size());
  EXPECT_EQ(sgz_unpack_file_with(Path("small.sgz").c_str(), Path("small.gguf").c_str(), &u), SGZ_INVALID_ARGUMENT);
  ASSERT_EQ(sgz_unpack_file_with(Path("defaults.sgz").c_str(), Path("defaults.gguf").c_str(), nullptr), SGZ_OK);
  EXPECT_TRUE(ReadFile(Path("defaults.gguf")) == original_);
  // A corrupt archive: the C message names the file.
  EXPECT_EQ(sgz_unpack_file_with(Demo().c_str(), Path("x.gguf").c_str(), nullptr), SGZ_CORRUPT);
  EXPECT_EQ(std::string(sgz_last_error()), Demo() + ": header: bad magic, not an sgz archive");
}

}  // namespace
