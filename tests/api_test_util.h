// Helpers shared by the public API tests (api_*_test.cc): file I/O, the demo
// fixture, temporary directories, standard input or output redirected to a
// file, and a suite that packs the demo once. Like those tests, they use only the
// installed headers, so that the same objects link against libsgz.a and
// libsgz.so.
#ifndef SGZ_TESTS_API_TEST_UTIL_H_
#define SGZ_TESTS_API_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include <filesystem>
#include <string>
#include <utility>

#include "file_util.h"
#include "sgz/sgz.h"

namespace sgz_api_test {

using ::sgz_test::ReadFile;
using ::sgz_test::WriteFile;

inline bool Exists(const std::string& path) { return std::filesystem::exists(path); }

inline std::string DemoPath() { return std::string(SGZ_SOURCE_DIR) + "/fixtures/demo.gguf"; }

// fixtures/`name` under the source tree.
inline std::string Fixture(const std::string& name) { return std::string(SGZ_SOURCE_DIR) + "/fixtures/" + name; }

// All that `r` unpacks (the whole file, or its member), gathered; an error
// fails the test.
inline std::string UnpackToString(sgz::Reader& r) {
  std::string out;
  const sgz::Error e = r.Unpack([&](const void* d, size_t n) {
    out.append(static_cast<const char*>(d), n);
    return sgz::Error();
  });
  EXPECT_TRUE(e.ok()) << e.ToString();
  return out;
}

// A new empty directory under the system's temporary directory, named
// `prefix` plus a unique suffix; "" (and a failed test) when it cannot be made.
inline std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
  const bool made = mkdtemp(tmpl.data()) != nullptr;
  EXPECT_TRUE(made) << "mkdtemp " << tmpl;
  return made ? tmpl : "";
}

// A test with a new empty temporary directory dir_ of its own (named after
// the suite), removed after the test. A SetUp of a derived fixture starts with
// ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp()).
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir(std::string("sgz_") + ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name());
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dir_;
};

// While alive, file descriptor `fd` (STDIN_FILENO, STDOUT_FILENO) refers to
// the file `path` opened with `flags`, as for `sgz ... < path`; destroying it
// puts the old one back. ok() is false, and the test has failed, when the
// file could not be put there. Check results after it is gone: gtest prints
// to standard output.
class ScopedRedirect {
 public:
  ScopedRedirect(int fd, const std::string& path, int flags = O_RDONLY) : fd_(fd) {
    fflush(stdout);  // what stdio holds goes where it was meant to go
    saved_ = dup(fd);
    const int file = open(path.c_str(), flags);
    EXPECT_GE(saved_, 0);
    EXPECT_GE(file, 0) << path;
    ok_ = saved_ >= 0 && file >= 0 && dup2(file, fd) == fd;
    if (file >= 0) close(file);
  }
  ~ScopedRedirect() {
    fflush(stdout);
    if (saved_ < 0) return;
    dup2(saved_, fd_);
    close(saved_);
  }
  ScopedRedirect(const ScopedRedirect&) = delete;
  ScopedRedirect& operator=(const ScopedRedirect&) = delete;
  bool ok() const { return ok_; }

 private:
  int fd_;
  int saved_ = -1;
  bool ok_ = false;
};

// A suite whose tests share one archive of the demo fixture, packed once into
// a fresh temporary directory that is removed after the suite. `Derived`
// provides `static const char* DirPrefix()` and may hide PackOptions(). A
// class template, so that each suite has its own directory and archive.
template <class Derived>
class PackedDemoSuite : public ::testing::Test {
 public:
  // Small chunks, so that the demo spans many and ranges cross their boundaries.
  static constexpr uint64_t kChunkSize = 64 << 10;
  static sgz::PackFileOptions PackOptions() {
    sgz::PackFileOptions options;
    options.chunk_size = kChunkSize;
    return options;
  }

 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir(Derived::DirPrefix()));
    ASSERT_FALSE(dir_->empty());
    original_ = new std::string(ReadFile(Demo()));
    // Big enough for many 64 KiB chunks, so that ranges cross chunk boundaries.
    ASSERT_GT(original_->size(), 100000u);
    summary_ = new sgz::PackSummary;
    sgz::Error e = sgz::PackFile(Demo(), Archive(), Derived::PackOptions(), summary_);
    ASSERT_TRUE(e.ok()) << e.ToString();
  }
  static void TearDownTestSuite() {
    if (!dir_->empty()) std::filesystem::remove_all(*dir_);
    delete dir_;
    delete original_;
    delete summary_;
  }

  static std::string Demo() { return DemoPath(); }
  static std::string Archive() { return *dir_ + "/demo.gguf.sgz"; }
  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }
  static const std::string& Original() { return *original_; }

  static sgz::Reader OpenOrDie(const std::string& path) {
    sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(path);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return std::move(r).value();
  }

  static inline std::string* dir_ = nullptr;
  static inline std::string* original_ = nullptr;
  static inline sgz::PackSummary* summary_ = nullptr;
};

}  // namespace sgz_api_test

#endif  // SGZ_TESTS_API_TEST_UTIL_H_
