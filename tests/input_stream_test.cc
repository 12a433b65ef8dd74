// OpenInputStream on files that are not what their stat says: zero-size
// /proc files with content, and files that shrink, grow or are rewritten
// between two reads. None may fault (SIGBUS) or read silently.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "container/input_stream.h"
#include "file_util.h"

namespace sgz::internal {
namespace {

constexpr uint64_t kMiB = 1 << 20;

class InputStreamChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sgz_input_stream.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/input.bin";
    std::string bytes(8 * kMiB, '\0');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 2654435761u >> 13);
    sgz_test::WriteFile(path_, bytes);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Reads 1 MiB, lets `change` alter the file, then reads to the end.
  Status ReadAround(void (*change)(const std::string&)) {
    Result<std::unique_ptr<InputStream>> in = OpenInputStream(path_);
    if (!in.ok()) return in.status();
    const uint8_t* data;
    uint64_t got;
    Status s = (*in)->Peek(kMiB, &data, &got);
    if (!s.ok()) return s;
    EXPECT_EQ(got, kMiB);
    (*in)->Consume(got);
    change(path_);
    do {
      s = (*in)->Peek(kMiB, &data, &got);
      if (!s.ok()) return s;
      // Touch every byte, as the packer does: a mapped page past a new EOF faults.
      for (uint64_t i = 0; i < got; ++i) sum_ += data[i];
      (*in)->Consume(got);
    } while (got == kMiB);
    return Status::Ok();
  }

  std::string dir_, path_;
  uint64_t sum_ = 0;
};

void ExpectChanged(const Status& s) {
  EXPECT_EQ(s.code(), Status::Code::kIoError) << s.message();
  EXPECT_EQ(s.message(), "changed while it was being packed");
}

TEST_F(InputStreamChangeTest, UnchangedFileReadsWhole) {
  EXPECT_TRUE(ReadAround([](const std::string&) {}).ok());
}

TEST_F(InputStreamChangeTest, ShrunkFileIsAnErrorNotAFault) {
  ExpectChanged(ReadAround([](const std::string& p) { ASSERT_EQ(truncate(p.c_str(), 3 * kMiB), 0); }));
}

TEST_F(InputStreamChangeTest, GrownFileIsAnError) {
  ExpectChanged(ReadAround([](const std::string& p) {
                  int fd = open(p.c_str(), O_WRONLY | O_APPEND);
                  ASSERT_GE(fd, 0);
                  ASSERT_EQ(write(fd, "more", 4), 4);
                  close(fd);
                }));
}

TEST_F(InputStreamChangeTest, RewrittenInPlaceIsAnError) {
  // Same size, new mtime (set explicitly: a fast rewrite may share a tick).
  ExpectChanged(ReadAround([](const std::string& p) {
                  int fd = open(p.c_str(), O_WRONLY);
                  ASSERT_GE(fd, 0);
                  ASSERT_EQ(pwrite(fd, "x", 1, 5 * kMiB), 1);
                  struct timespec t[2] = {{0, UTIME_OMIT}, {12345, 0}};
                  ASSERT_EQ(futimens(fd, t), 0);
                  close(fd);
                }));
}

// A /proc file reports st_size 0 yet has content: read to EOF like a pipe.
TEST(InputStreamTest, ZeroSizeProcFileReadsItsContent) {
  const std::string proc = "/proc/version";
  struct stat st;
  if (stat(proc.c_str(), &st) != 0) GTEST_SKIP() << proc << " missing";
  ASSERT_EQ(st.st_size, 0);
  const std::string want = sgz_test::ReadFile(proc);
  ASSERT_FALSE(want.empty());
  Result<std::unique_ptr<InputStream>> in = OpenInputStream(proc);
  ASSERT_TRUE(in.ok()) << in.status().message();
  const uint8_t* data;
  uint64_t got;
  ASSERT_TRUE((*in)->Peek(kMiB, &data, &got).ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), got), want);
}

}  // namespace
}  // namespace sgz::internal
