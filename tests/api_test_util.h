// Helpers shared by the public API tests (api_test.cc, api_info_test.cc,
// api_c_test.cc): file I/O, the demo fixture, temporary directories and a
// suite that packs the demo once. Like those tests, they use only the
// installed headers, so that the same objects link against libsgz.a and
// libsgz.so.
#ifndef SGZ_TESTS_API_TEST_UTIL_H_
#define SGZ_TESTS_API_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <stdlib.h>

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

// A new empty directory under the system's temporary directory, named
// `prefix` plus a unique suffix; "" (and a failed test) when it cannot be made.
inline std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
  const bool made = mkdtemp(tmpl.data()) != nullptr;
  EXPECT_TRUE(made) << "mkdtemp " << tmpl;
  return made ? tmpl : "";
}

// A suite whose tests share one archive of the demo fixture, packed once into
// a fresh temporary directory that is removed after the suite. `Derived`
// provides `static const char* DirPrefix()` and
// `static sgz::PackFileOptions PackOptions()`. A class template, so that each
// suite has its own directory and archive.
template <class Derived>
class PackedDemoSuite : public ::testing::Test {
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
