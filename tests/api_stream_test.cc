// UnpackTo (an archive file or standard input handed to a callback),
// VerifyFile of standard input, the chunks of each tensor (TensorInfo), and
// the message of an existing output ("PATH: already exists", with no advice
// for a command line).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "api_test_util.h"

namespace {

using sgz_api_test::PackedDemoSuite;
using sgz_api_test::ReadFile;

class StreamTest : public PackedDemoSuite<StreamTest> {
 public:
  static const char* DirPrefix() { return "sgz_api_stream_test"; }

 protected:
  // Runs f with standard input reading the file `path`.
  template <typename F>
  static void WithStdin(const std::string& path, F f) {
    sgz_api_test::ScopedRedirect in(STDIN_FILENO, path);
    ASSERT_TRUE(in.ok());
    f();
  }
  static sgz::WriteCallback Append(std::string* out) {
    return [out](const void* data, size_t n) {
      out->append(static_cast<const char*>(data), n);
      return sgz::Error();
    };
  }
};

TEST_F(StreamTest, UnpackToFileAndStdin) {
  std::string from_file, from_stdin;
  sgz::UnpackSummary file_summary, stdin_summary;
  sgz::Error e = sgz::UnpackTo(Archive(), Append(&from_file), sgz::UnpackOptions(), &file_summary);
  ASSERT_TRUE(e.ok()) << e.ToString();
  WithStdin(Archive(), [&] { e = sgz::UnpackTo("-", Append(&from_stdin), sgz::UnpackOptions(), &stdin_summary); });
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(from_file, Original());
  EXPECT_EQ(from_stdin, Original());
  EXPECT_FALSE(file_summary.streamed);
  EXPECT_TRUE(stdin_summary.streamed);
  EXPECT_EQ(stdin_summary.reads.bytes_read, ReadFile(Archive()).size());
  EXPECT_EQ(stdin_summary.reads.chunks_decoded, file_summary.reads.chunks_decoded);
}

// The callback's error comes back unchanged (no path added); a damaged
// archive's error names it.
TEST_F(StreamTest, UnpackToErrors) {
  const sgz::Error stop(sgz::ErrorCode::kIoError, "stop here");
  for (const std::string& in : {std::string("file"), std::string("-")}) {
    sgz::Error e;
    auto fail = [&](const void*, size_t) { return stop; };
    if (in == "-") {
      WithStdin(Archive(), [&] { e = sgz::UnpackTo("-", fail, sgz::UnpackOptions()); });
    } else {
      e = sgz::UnpackTo(Archive(), fail, sgz::UnpackOptions());
    }
    EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError) << in;
    EXPECT_EQ(e.message(), "stop here") << in;
    EXPECT_EQ(e.path(), "") << in;
  }
  std::string damaged = ReadFile(Archive());
  damaged[damaged.size() / 2] ^= 0x55;
  const std::string bad = Path("damaged.sgz");
  sgz_api_test::WriteFile(bad, damaged);
  std::string out;
  sgz::Error e;
  WithStdin(bad, [&] { e = sgz::UnpackTo("-", Append(&out), sgz::UnpackOptions()); });
  EXPECT_EQ(e.path(), "-");
  EXPECT_TRUE(e.code() == sgz::ErrorCode::kChecksumMismatch || e.code() == sgz::ErrorCode::kCorrupt) << e.ToString();
}

TEST_F(StreamTest, VerifyStdin) {
  sgz::VerifyResult r;
  sgz::Error e;
  WithStdin(Archive(), [&] { e = sgz::VerifyFile("-", sgz::VerifyOptions(), &r); });
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(r.original_size, Original().size());
  EXPECT_EQ(r.archive_bytes, ReadFile(Archive()).size());
  EXPECT_GT(r.chunks_checked, 10u);
  EXPECT_TRUE(r.matches);
  // Compared with a file that differs at byte 1000.
  std::string other = Original();
  other[1000] ^= 1;
  sgz_api_test::WriteFile(Path("other.gguf"), other);
  sgz::VerifyOptions options;
  options.against = Path("other.gguf");
  WithStdin(Archive(), [&] { e = sgz::VerifyFile("-", options, &r); });
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_FALSE(r.matches);
  EXPECT_EQ(r.first_difference, 1000u);
  options.against = "-";
  e = sgz::VerifyFile("-", options, &r);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kInvalidArgument);
}

// Every chunk holds bytes of at most one tensor's payload range, and the
// tensors' chunks follow each other in file order.
TEST_F(StreamTest, TensorChunks) {
  sgz::Reader reader = OpenOrDie(Archive());
  uint64_t next = 0;
  for (const sgz::TensorInfo& t : reader.tensors()) {
    EXPECT_GE(t.chunks, 1u) << t.name;
    EXPECT_GE(t.first_chunk, next) << t.name;
    EXPECT_LE(t.first_chunk + t.chunks, reader.archive_info().chunks) << t.name;
    // Big tensors span several 64 KiB chunks.
    EXPECT_EQ(t.chunks, (t.size + kChunkSize - 1) / kChunkSize) << t.name;
    next = t.first_chunk + t.chunks;
  }
}

TEST_F(StreamTest, ExistingOutputMessage) {
  const sgz::Error e = sgz::UnpackFile(Archive(), Demo(), /*overwrite=*/false);
  EXPECT_EQ(e.code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message(), Demo() + ": already exists");
  EXPECT_EQ(e.path(), Demo());
}

}  // namespace
