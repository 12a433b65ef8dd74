// The file's mode and modification time (format 2.1): PackFile records them
// from a regular input file and nothing from standard input; the Reader and
// the C API report them; UnpackFile and Reader::Unpack give an output file
// them (unless UnpackOptions::restore_attributes is false), standard output
// nothing; a 2.0 archive unpacks as before. Every unpack is compared byte for
// byte with its original.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "api_test_util.h"
#include "sgz/sgz_c.h"

namespace {

using sgz_api_test::DemoPath;
using sgz_api_test::MakeTempDir;
using sgz_api_test::ReadFile;
using sgz_api_test::ScopedRedirect;
using sgz_api_test::WriteFile;

constexpr int64_t kSec = 1614834367;  // 2021-03-04T05:06:07Z
constexpr uint32_t kNsec = 123456789;

class AttributesTest : public sgz_api_test::TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    input_ = dir_ + "/m.gguf";
    original_ = ReadFile(DemoPath());
    WriteFile(input_, original_);
    ASSERT_EQ(chmod(input_.c_str(), 0640), 0);
    SetMtime(input_, kSec, kNsec);
    archive_ = dir_ + "/m.gguf.sgz";
    sgz::Error e = sgz::PackFile(input_, archive_);
    ASSERT_TRUE(e.ok()) << e.ToString();
  }
  static void SetMtime(const std::string& path, int64_t sec, uint32_t nsec) {
    struct timespec t[2];
    t[0].tv_sec = sec;
    t[0].tv_nsec = 0;
    t[1].tv_sec = sec;
    t[1].tv_nsec = nsec;
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0);
  }
  static struct stat Stat(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st;
  }
  // `path` holds the original with mode 0640 and the recorded mtime.
  void ExpectRestored(const std::string& path) {
    EXPECT_TRUE(ReadFile(path) == original_) << path;
    const struct stat st = Stat(path);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << path;
    EXPECT_EQ(st.st_mtim.tv_sec, kSec) << path;
    EXPECT_EQ(st.st_mtim.tv_nsec, static_cast<long>(kNsec)) << path;
  }
  // `path` holds the original, created now with the umask's mode.
  void ExpectNotRestored(const std::string& path) {
    EXPECT_TRUE(ReadFile(path) == original_) << path;
    const struct stat st = Stat(path);
    EXPECT_NE(st.st_mode & 07777, 0640u) << path;
    EXPECT_GT(st.st_mtim.tv_sec, kSec) << path;
  }

  std::string input_, archive_, original_;
};

TEST_F(AttributesTest, PackRecordsThemAndTheReaderReportsThem) {
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(archive_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const sgz::FileAttributes& a = r->file_attributes();
  EXPECT_TRUE(a.has_mode);
  EXPECT_EQ(a.mode, 0640u);
  EXPECT_TRUE(a.has_mtime);
  EXPECT_EQ(a.mtime_sec, kSec);
  EXPECT_EQ(a.mtime_nsec, kNsec);
  // Its Q4_K tensors are coded with transform 5 (2.4); the attributes alone
  // need 2.1 (StandardInputRecordsNoneAndWritesFormat20 packs without 2.4).
  EXPECT_EQ(r->archive_info().format.minor, 4u);
  EXPECT_GE(sgz::WrittenFormatVersion().minor, 4u);

  sgz_reader* c = nullptr;
  ASSERT_EQ(sgz_reader_open(archive_.c_str(), &c), SGZ_OK);
  sgz_file_attributes ca;
  ASSERT_EQ(sgz_reader_file_attributes(c, &ca), SGZ_OK);
  EXPECT_EQ(ca.has_mode, 1);
  EXPECT_EQ(ca.mode, 0640u);
  EXPECT_EQ(ca.has_mtime, 1);
  EXPECT_EQ(ca.mtime_sec, kSec);
  EXPECT_EQ(ca.mtime_nsec, kNsec);
  EXPECT_EQ(sgz_reader_file_attributes(c, nullptr), SGZ_INVALID_ARGUMENT);
  sgz_reader_close(c);
}

TEST_F(AttributesTest, UnpackFileAndReaderUnpackRestoreThem) {
  const std::string out = dir_ + "/out.gguf";
  sgz::Error e = sgz::UnpackFile(archive_, out, false);
  ASSERT_TRUE(e.ok()) << e.ToString();
  ExpectRestored(out);

  const std::string out2 = dir_ + "/out2.gguf";
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(archive_);
  ASSERT_TRUE(r.ok());
  e = r->Unpack(out2, false);
  ASSERT_TRUE(e.ok()) << e.ToString();
  ExpectRestored(out2);

  const std::string out3 = dir_ + "/out3.gguf";
  ASSERT_EQ(sgz_unpack_file(archive_.c_str(), out3.c_str(), 0), SGZ_OK);
  ExpectRestored(out3);
}

TEST_F(AttributesTest, UnpackFromAStreamRestoresThem) {
  const std::string out = dir_ + "/stream.gguf";
  sgz::UnpackSummary summary;
  sgz::Error e;
  {
    ScopedRedirect in(STDIN_FILENO, archive_);
    ASSERT_TRUE(in.ok());
    e = sgz::UnpackFile("-", out, sgz::UnpackOptions(), &summary);
  }
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(summary.streamed);
  EXPECT_EQ(summary.attributes.mode, 0640u);
  ExpectRestored(out);
}

TEST_F(AttributesTest, RestoreCanBeTurnedOff) {
  const std::string out = dir_ + "/plain.gguf";
  sgz::UnpackOptions o;
  o.restore_attributes = false;
  sgz::UnpackSummary summary;
  sgz::Error e = sgz::UnpackFile(archive_, out, o, &summary);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(summary.attributes.has_mtime);  // reported, not applied
  ExpectNotRestored(out);
}

TEST_F(AttributesTest, OverwritingGivesTheNewFileThem) {
  const std::string out = dir_ + "/over.gguf";
  WriteFile(out, "old");
  ASSERT_EQ(chmod(out.c_str(), 0600), 0);
  sgz::UnpackOptions o;
  o.overwrite = true;
  sgz::Error e = sgz::UnpackFile(archive_, out, o);
  ASSERT_TRUE(e.ok()) << e.ToString();
  ExpectRestored(out);
}

TEST_F(AttributesTest, SetuidAndStickyAreRecordedButNotRestored) {
  ASSERT_EQ(chmod(input_.c_str(), 07755), 0);
  SetMtime(input_, kSec, kNsec);
  const std::string special = dir_ + "/special.sgz";
  ASSERT_TRUE(sgz::PackFile(input_, special).ok());
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(special);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->file_attributes().mode, 07755u);
  const std::string out = dir_ + "/special.gguf";
  ASSERT_TRUE(sgz::UnpackFile(special, out, false).ok());
  EXPECT_EQ(Stat(out).st_mode & 07777, 0755u);
  EXPECT_TRUE(ReadFile(out) == original_);
}

TEST_F(AttributesTest, StandardInputRecordsNoneAndWritesFormat20) {
  const std::string piped = dir_ + "/stdin.sgz";
  sgz::Error e;
  {
    ScopedRedirect in(STDIN_FILENO, input_);
    ASSERT_TRUE(in.ok());
    sgz::PackFileOptions o;
    o.format_minor = 3;  // nothing of 2.4: the version then says what attributes need
    e = sgz::PackFile("-", piped, o);
  }
  ASSERT_TRUE(e.ok()) << e.ToString();
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(piped);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->file_attributes().has_mode);
  EXPECT_FALSE(r->file_attributes().has_mtime);
  EXPECT_EQ(r->archive_info().format.minor, 0u);  // the lowest version that holds it
  const std::string out = dir_ + "/stdin.gguf";
  ASSERT_TRUE(sgz::UnpackFile(piped, out, false).ok());
  ExpectNotRestored(out);
}

TEST(AttributesFixture, AFormat20ArchiveUnpacksAsBefore) {
  const std::string dir = MakeTempDir("sgz_api_attributes_20");
  ASSERT_FALSE(dir.empty());
  const std::string archive = std::string(SGZ_SOURCE_DIR) + "/fixtures/format-2.0/all-types.gguf.sgz";
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(archive);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->archive_info().format.minor, 0u);
  EXPECT_FALSE(r->file_attributes().has_mode);
  EXPECT_FALSE(r->file_attributes().has_mtime);
  const mode_t old = umask(022);
  const std::string out = dir + "/all-types.gguf";
  sgz::Error e = sgz::UnpackFile(archive, out, false);
  umask(old);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_TRUE(ReadFile(out) == ReadFile(std::string(SGZ_SOURCE_DIR) + "/fixtures/valid/all-types.gguf"));
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  std::filesystem::remove_all(dir);
}

}  // namespace
