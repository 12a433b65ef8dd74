// PackFile on an input that changes while it is packed: a clear I/O error,
// no archive and no temporary left behind (the file is altered from the
// progress callback, between two reads, so the test is deterministic).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "api_test_util.h"

namespace sgz_api_test {
namespace {

class PackChangingInputTest : public TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    in_ = dir_ + "/input.bin";
    out_ = dir_ + "/input.sgz";
    std::string bytes(4 << 20, '\0');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 11);
    WriteFile(in_, bytes);
  }

  // Packs in_ in 64 KiB chunks; `change` runs once, at the first progress report.
  sgz::Error PackWhile(const std::function<void()>& change) {
    sgz::PackFileOptions o;
    o.chunk_size = 64 << 10;
    o.threads = 1;
    bool done = false;
    o.progress = [&](const sgz::Progress&) {
      if (!done) change();
      done = true;
    };
    sgz::Error e = sgz::PackFile(in_, out_, o);
    EXPECT_TRUE(done);
    return e;
  }

  void ExpectFailedCleanly(const sgz::Error& e) {
    EXPECT_EQ(e.code(), sgz::ErrorCode::kIoError) << e.ToString();
    EXPECT_EQ(e.path(), in_);
    EXPECT_NE(e.message().find("changed while it was being packed"), std::string::npos) << e.ToString();
    // Only the input is left: no archive, no temporary.
    int entries = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      EXPECT_EQ(entry.path().string(), in_);
      ++entries;
    }
    EXPECT_EQ(entries, 1);
  }

  std::string in_, out_;
};

TEST_F(PackChangingInputTest, UnchangedInputPacksAndRoundTrips) {
  ASSERT_TRUE(PackWhile([] {}).ok());
  const std::string back = dir_ + "/back.bin";
  ASSERT_TRUE(sgz::UnpackFile(out_, back, false).ok());
  EXPECT_EQ(ReadFile(back), ReadFile(in_));
}

TEST_F(PackChangingInputTest, ShrinkingInputFailsWithoutTrace) {
  ExpectFailedCleanly(PackWhile([this] { ASSERT_EQ(truncate(in_.c_str(), 1 << 20), 0); }));
}

TEST_F(PackChangingInputTest, GrowingInputFailsWithoutTrace) {
  ExpectFailedCleanly(PackWhile([this] {
    int fd = open(in_.c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "more", 4), 4);
    close(fd);
  }));
}

}  // namespace
}  // namespace sgz_api_test
