// Member names: hand-made archives whose manifests (tests/manifest_builder.h,
// checksum recomputed) carry names that could lead an unpacker out of its
// directory, or that two members share. Every reader refuses them
// (Corruption naming the rule); `sgz unpack -C` writes nothing. The writer
// itself never writes such names (PackMembers, from PackFiles' checks).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "container/member_names.h"
#include "manifest_builder.h"
#include "container/writer.h"
#include "file_util.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using ::sgz_test::ReadFile;

// Two members, all-types.gguf and demo.gguf, packed from memory.
std::string TwoMembers() {
  static const std::string archive =
      testing::PackedMembers({"/fixtures/valid/all-types.gguf", "/fixtures/demo.gguf"});
  return archive;
}

// `archive` with its file names replaced by `names` (as many as it has
// files), the manifest re-encoded and its checksum recomputed.
std::string Renamed(const std::string& archive, const std::vector<std::string>& names) {
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  Manifest m = (*a)->manifest();
  EXPECT_EQ(m.files.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) m.files[i].name = names[i];
  return testing::Rebuild(archive, testing::ManifestV2(m), 2, (*a)->header().minor);
}

struct Hostile {
  std::vector<std::string> names;
  std::string rule;  // in the error message
};

const std::vector<Hostile>& HostileNames() {
  static const std::vector<Hostile> cases = {
      {{"", "b"}, "is empty"},
      {{"/etc/passwd", "b"}, "is an absolute path"},
      {{"a//b", "b"}, "has an empty component"},
      {{"a/", "b"}, "has an empty component"},
      {{"./a", "b"}, "has a '.' component"},
      {{"a/./b", "b"}, "has a '.' component"},
      {{"..", "b"}, "has a '..' component"},
      {{"../evil", "b"}, "has a '..' component"},
      {{"a/../../evil", "b"}, "has a '..' component"},
      {{std::string("a\0b", 3), "b"}, "holds a NUL byte"},
      {{"same", "same"}, "'same' appears more than once"},
  };
  return cases;
}

TEST(MemberNames, TwoValidMembersOpen) {
  const std::string archive = Renamed(TwoMembers(), {"zoo/a.gguf", "zoo/b\\c.gguf"});
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->manifest().files[1].name, "zoo/b\\c.gguf");  // '\' is an ordinary byte
}

TEST(MemberNames, EveryReaderRefusesHostileNames) {
  for (const Hostile& h : HostileNames()) {
    SCOPED_TRACE(h.rule);
    const std::string archive = Renamed(TwoMembers(), h.names);
    Result<std::unique_ptr<Archive>> a = testing::OpenMemory(archive);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), Status::Code::kCorrupt);
    EXPECT_NE(a.status().message().find(h.rule), std::string::npos) << a.status().message();
    // The stream reader meets the names first in the member records (which
    // still name "m0", "m1" here) and checks the manifest's at the end.
    const Status streamed = testing::StreamingVerify(archive);
    EXPECT_EQ(streamed.code(), Status::Code::kCorrupt) << streamed.ToString();
    EXPECT_NE(streamed.message().find(h.rule), std::string::npos) << streamed.message();
  }
}

TEST(MemberNames, OneFileArchiveMayHaveNoNameButNoHostileOne) {
  const std::string one = testing::Pack(ReadFile(testing::SourceDir() + "/fixtures/demo.gguf"));
  EXPECT_TRUE(testing::OpenMemory(Renamed(one, {""})).ok());  // packed from standard input
  Result<std::unique_ptr<Archive>> a = testing::OpenMemory(Renamed(one, {"../demo.gguf"}));
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("file entry 0: member name '../demo.gguf' has a '..' component"),
            std::string::npos)
      << a.status().message();
}

TEST(MemberNames, CheckMemberNameLimits) {
  EXPECT_TRUE(CheckMemberName(std::string(kMaxNameBytes, 'a')).ok());
  EXPECT_FALSE(CheckMemberName(std::string(kMaxNameBytes + 1, 'a')).ok());
  EXPECT_TRUE(CheckMemberName("a/.b/..c/b..").ok());  // dots inside a component are fine
}

// The command line: nothing is written, inside or outside the directory.
TEST(MemberNames, UnpackWritesNothing) {
  std::string dir = (std::filesystem::temp_directory_path() / "sgz_member_names.XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::filesystem::create_directories(dir + "/out");
  for (const Hostile& h : HostileNames()) {
    if (h.names[0].find('\0') != std::string::npos) continue;  // the shell cannot show it; the library test covers it
    SCOPED_TRACE(h.rule);
    const std::string path = dir + "/h.sgz";
    ::sgz_test::WriteFile(path, Renamed(TwoMembers(), h.names));
    const std::string err = dir + "/err";
    const int rc = std::system((std::string(SGZ_CLI) + " unpack '" + path + "' -C '" + dir + "/out' 2>'" + err + "'").c_str());
    ASSERT_TRUE(WIFEXITED(rc));
    EXPECT_EQ(WEXITSTATUS(rc), 2) << ReadFile(err);
    EXPECT_NE(ReadFile(err).find(h.rule), std::string::npos) << ReadFile(err);
    EXPECT_TRUE(std::filesystem::is_empty(dir + "/out"));
    EXPECT_FALSE(std::filesystem::exists(dir + "/evil"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sgz::internal
