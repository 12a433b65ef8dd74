// PackFile, UnpackFile and Reader::Unpack refuse an output that is the same file as their
// input (CheckOutputNotInput: same device and inode, so hard links and paths
// through symlinks count), whatever `overwrite` says, before anything is
// written; the input stays byte-identical. Errors name the output "-" as
// <stdout>, so that it is told apart from an input "-".
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "api_test_util.h"

namespace {

using sgz_api_test::DemoPath;
using sgz_api_test::ReadFile;
using sgz_api_test::ScopedRedirect;

class SameFileTest : public sgz_api_test::TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    archive_ = dir_ + "/a.gguf.sgz";
    hard_ = dir_ + "/hard.sgz";
    sym_ = dir_ + "/sym.sgz";
    sgz::Error e = sgz::PackFile(DemoPath(), archive_);
    ASSERT_TRUE(e.ok()) << e.ToString();
    bytes_ = ReadFile(archive_);
    ASSERT_EQ(link(archive_.c_str(), hard_.c_str()), 0);
    ASSERT_EQ(symlink("a.gguf.sgz", sym_.c_str()), 0);
  }
  // `e` is the refusal naming `out`, and the archive is untouched.
  void ExpectRefused(const sgz::Error& e, const std::string& out) {
    EXPECT_EQ(e.code(), sgz::ErrorCode::kInvalidArgument) << e.ToString();
    EXPECT_NE(e.message().find("refusing to write over an input (output is the same file as input"),
              std::string::npos)
        << e.ToString();
    EXPECT_EQ(e.path(), out);
    EXPECT_EQ(ReadFile(archive_), bytes_) << "the input changed";
    EXPECT_TRUE(std::filesystem::is_symlink(sym_));
  }

  std::string archive_, hard_, sym_, bytes_;
};

TEST_F(SameFileTest, CheckOutputNotInput) {
  for (const std::string& out : {archive_, hard_, sym_}) ExpectRefused(sgz::CheckOutputNotInput(archive_, out), out);
  ExpectRefused(sgz::CheckOutputNotInput(sym_, archive_), archive_);
  EXPECT_TRUE(sgz::CheckOutputNotInput(archive_, dir_ + "/other.gguf").ok());  // does not exist
  EXPECT_TRUE(sgz::CheckOutputNotInput(dir_ + "/missing.sgz", archive_).ok());
  EXPECT_TRUE(sgz::CheckOutputNotInput(archive_, DemoPath()).ok());
  EXPECT_TRUE(sgz::CheckOutputNotInput(archive_, "/dev/null").ok());  // not a regular file
}

TEST_F(SameFileTest, UnpackFileRefusesItsInput) {
  for (const std::string& out : {archive_, hard_, sym_}) {
    ExpectRefused(sgz::UnpackFile(archive_, out, /*overwrite=*/true), out);
    ExpectRefused(sgz::UnpackFile(archive_, out, /*overwrite=*/false), out);
  }
  ExpectRefused(sgz::UnpackFile(sym_, archive_, /*overwrite=*/true), archive_);
  // Another existing file is still replaced with overwrite.
  const std::string other = dir_ + "/other.gguf";
  sgz_api_test::WriteFile(other, "keep");
  sgz::Error e = sgz::UnpackFile(hard_, other, /*overwrite=*/true);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(ReadFile(other), ReadFile(DemoPath()));
}

TEST_F(SameFileTest, PackFileRefusesItsInput) {
  sgz::PackFileOptions options;
  options.overwrite = true;
  for (const std::string& out : {archive_, hard_, sym_}) ExpectRefused(sgz::PackFile(archive_, out, options), out);
  ExpectRefused(sgz::PackFile(sym_, hard_, options), hard_);
}

TEST_F(SameFileTest, ReaderUnpackRefusesItsArchive) {
  sgz::ErrorOr<sgz::Reader> reader = sgz::Reader::Open(sym_);
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  for (const std::string& out : {archive_, hard_, sym_}) ExpectRefused(reader->Unpack(out, /*overwrite=*/true), out);
  const std::string other = dir_ + "/other.gguf";
  sgz::Error e = reader->Unpack(other, /*overwrite=*/false);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(ReadFile(other), ReadFile(DemoPath()));
}

// Standard input and output stand for the files open on them.
TEST_F(SameFileTest, StandardStreamsAreTheirFiles) {
  sgz::Error to_stdout, from_stdin, both;
  {
    ScopedRedirect in(STDIN_FILENO, archive_);
    ScopedRedirect out(STDOUT_FILENO, hard_, O_WRONLY | O_APPEND);
    ASSERT_TRUE(in.ok() && out.ok());
    to_stdout = sgz::UnpackFile(archive_, "-", /*overwrite=*/true);
    from_stdin = sgz::PackFile("-", sym_, sgz::PackFileOptions());
    both = sgz::CheckOutputNotInput("-", "-");
  }
  ExpectRefused(to_stdout, "<stdout>");
  ExpectRefused(from_stdin, sym_);
  ExpectRefused(both, "<stdout>");
  EXPECT_NE(from_stdin.message().find("input <stdin>"), std::string::npos) << from_stdin.message();
}

// A write error on standard output names <stdout>, not "-" (the name of
// standard input).
TEST_F(SameFileTest, StdoutWriteErrorNamesStdout) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  sgz::Error e;
  {
    ScopedRedirect out(STDOUT_FILENO, "/dev/full", O_WRONLY);
    ASSERT_TRUE(out.ok());
    e = sgz::UnpackFile(archive_, "-", /*overwrite=*/false);
  }
  EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError) << e.ToString();
  EXPECT_EQ(e.path(), "<stdout>");
}

}  // namespace
