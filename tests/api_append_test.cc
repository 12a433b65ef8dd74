// Appending members through the public API: AppendFiles (members, shared
// chunks, replace, refusals, the summary), Reader's ignored_bytes after an
// interrupted add, sgz_append_files, and sgz_unpack_stream_members of an
// appended archive.
#include <filesystem>
#include <iterator>
#include <map>

#include "api_test_util.h"
#include "sgz/sgz_c.h"

namespace sgz_api_test {
namespace {

namespace fs = std::filesystem;

std::string MemberBytes(const sgz::Reader& archive, const std::string& name) {
  sgz::ErrorOr<sgz::Reader> m = archive.OpenMember(name);
  EXPECT_TRUE(m.ok()) << name;
  return m.ok() ? UnpackToString(*m) : "";
}

class AppendTest : public TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    fs::create_directories(dir_ + "/in/d");
    files_["demo.gguf"] = ReadFile(DemoPath());
    files_["d/all-types.gguf"] = ReadFile(Fixture("valid/all-types.gguf"));
    files_["notes.txt"] = "notes\n";
    for (const auto& [name, bytes] : files_) WriteFile(dir_ + "/in/" + name, bytes);
    archive_ = dir_ + "/z.sgz";
    // Format 2.3 at most (no transform 5, no rans), so that the versions an
    // add declares show (2.1, rewritten to 2.2).
    sgz::PackFileOptions o;
    o.format_minor = 3;
    ASSERT_TRUE(sgz::PackFile(dir_ + "/in/demo.gguf", archive_, o).ok());
  }
  // The archive holds exactly `names`, each with its bytes.
  void ExpectMembers(const std::vector<std::string>& names) {
    sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(archive_);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    std::vector<std::string> got;
    for (const sgz::MemberInfo& m : r->members()) got.push_back(m.name);
    EXPECT_EQ(got, names);
    for (const std::string& n : names) EXPECT_EQ(MemberBytes(*r, n), files_[n]) << n;
  }
  std::string archive_;
  std::map<std::string, std::string> files_;
};

TEST_F(AppendTest, AddsMembersAfterTheArchives) {
  sgz::AppendSummary summary;
  sgz::AppendOptions o;
  o.pack.format_minor = 3;
  const sgz::Error e = sgz::AppendFiles(archive_, {dir_ + "/in/notes.txt", dir_ + "/in/d"}, o, &summary);
  ASSERT_TRUE(e.ok()) << e.ToString();
  ExpectMembers({"demo.gguf", "d/all-types.gguf", "notes.txt"});
  EXPECT_EQ(summary.members.size(), 2u);
  EXPECT_EQ(summary.members[0].name, "d/all-types.gguf");
  EXPECT_EQ(summary.archive_size, fs::file_size(archive_));
  EXPECT_LT(summary.old_size, summary.archive_size);
  EXPECT_EQ(summary.original_size, files_["d/all-types.gguf"].size() + files_["notes.txt"].size());
  // all-types.gguf's metadata is coded against demo.gguf's (transform 3):
  // the header of the 2.1 archive is rewritten to 2.2.
  EXPECT_EQ(summary.format.minor, 2u);
  EXPECT_EQ(summary.dropped_bytes, 0u);
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(archive_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->archive_info().format.minor, 2u);
}

TEST_F(AppendTest, NameTakenIsRefusedUnlessReplace) {
  const std::string before = ReadFile(archive_);
  sgz::Error e = sgz::AppendFiles(archive_, {dir_ + "/in/demo.gguf"});
  EXPECT_EQ(e.code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "member 'demo.gguf' is already in the archive");
  EXPECT_EQ(e.path(), archive_);
  EXPECT_EQ(ReadFile(archive_), before);
  files_["demo.gguf"] = "replaced\n";
  WriteFile(dir_ + "/in/demo.gguf", files_["demo.gguf"]);
  sgz::AppendOptions o;
  o.replace = true;
  sgz::AppendSummary summary;
  e = sgz::AppendFiles(archive_, {dir_ + "/in/demo.gguf", dir_ + "/in/notes.txt"}, o, &summary);
  ASSERT_TRUE(e.ok()) << e.ToString();
  EXPECT_EQ(summary.replaced, std::vector<std::string>{"demo.gguf"});
  ExpectMembers({"demo.gguf", "notes.txt"});
}

TEST_F(AppendTest, SharesChunksWithTheArchive) {
  fs::create_directories(dir_ + "/copy");
  WriteFile(dir_ + "/copy/again.gguf", files_["demo.gguf"]);
  files_["again.gguf"] = files_["demo.gguf"];
  // Small chunks: demo.gguf's data section spans several, so it is not grouped.
  sgz::PackFileOptions small;
  small.chunk_size = 4096;
  small.overwrite = true;
  ASSERT_TRUE(sgz::PackFile(dir_ + "/in/demo.gguf", archive_, small).ok());
  sgz::AppendOptions o;
  o.pack.chunk_size = 4096;
  sgz::AppendSummary summary;
  ASSERT_TRUE(sgz::AppendFiles(archive_, {dir_ + "/copy/again.gguf"}, o, &summary).ok());
  EXPECT_EQ(summary.shared_size, files_["demo.gguf"].size());
  EXPECT_LT(summary.archive_size - summary.old_size, summary.old_size / 10);
  ExpectMembers({"demo.gguf", "again.gguf"});
}

TEST_F(AppendTest, InterruptedAddIsIgnoredThenRemoved) {
  const uint64_t old_size = fs::file_size(archive_);
  ASSERT_TRUE(sgz::AppendFiles(archive_, {dir_ + "/in/notes.txt"}).ok());
  const std::string full = ReadFile(archive_);
  // A crash: the file ends part way through what the add wrote.
  WriteFile(archive_, full.substr(0, old_size + 30));
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(archive_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->archive_info().ignored_bytes, 30u);
  EXPECT_EQ(r->archive_info().archive_size, old_size);
  EXPECT_EQ(r->members().size(), 1u);
  sgz_reader* c = nullptr;
  ASSERT_EQ(sgz_reader_open(archive_.c_str(), &c), SGZ_OK);
  sgz_archive_info info;
  ASSERT_EQ(sgz_reader_info(c, &info), SGZ_OK);
  EXPECT_EQ(info.ignored_bytes, 30u);
  sgz_reader_close(c);
  // The next add removes the tail first: the same archive as without it.
  const std::string in = dir_ + "/in/notes.txt";
  const char* inputs[] = {in.c_str()};
  ASSERT_EQ(sgz_append_files(archive_.c_str(), inputs, 1, nullptr, 0), SGZ_OK);
  EXPECT_EQ(ReadFile(archive_), full);
  EXPECT_EQ(sgz_append_files(archive_.c_str(), inputs, 1, nullptr, 0), SGZ_INVALID_ARGUMENT);
  ASSERT_EQ(sgz_append_files(archive_.c_str(), inputs, 1, nullptr, 1), SGZ_OK);
  ExpectMembers({"demo.gguf", "notes.txt"});
}

TEST_F(AppendTest, Refusals) {
  EXPECT_EQ(sgz::AppendFiles("-", {dir_ + "/in/notes.txt"}).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(sgz::AppendFiles(archive_, {"-"}).code(), sgz::ErrorCode::kInvalidArgument);
  EXPECT_EQ(sgz::AppendFiles(archive_, {archive_}).code(), sgz::ErrorCode::kInvalidArgument);
  const sgz::Error not_archive = sgz::AppendFiles(dir_ + "/in/d/all-types.gguf", {dir_ + "/in/notes.txt"});
  EXPECT_EQ(not_archive.code(), sgz::ErrorCode::kCorrupt);
  EXPECT_EQ(ReadFile(dir_ + "/in/d/all-types.gguf"), files_["d/all-types.gguf"]);
  sgz::AppendOptions bad;
  bad.pack.level = 0;
  EXPECT_EQ(sgz::AppendFiles(archive_, {dir_ + "/in/notes.txt"}, bad).code(), sgz::ErrorCode::kInvalidArgument);
  ExpectMembers({"demo.gguf"});
}

// The first member, packed before the archive had member records, is named
// from the manifest at the end of the stream.
TEST_F(AppendTest, CUnpacksAnAppendedArchiveInOnePass) {
  ASSERT_TRUE(sgz::AppendFiles(archive_, {dir_ + "/in/notes.txt", dir_ + "/in/d"}).ok());
  const std::string all = dir_ + "/all", one = dir_ + "/one";
  fs::create_directories(all);
  fs::create_directories(one);
  int rc;
  {
    ScopedRedirect in(STDIN_FILENO, archive_);
    ASSERT_TRUE(in.ok());
    rc = sgz_unpack_stream_members("-", all.c_str(), nullptr, 0, nullptr);
  }
  ASSERT_EQ(rc, SGZ_OK) << sgz_last_error();
  for (const auto& [name, bytes] : files_) EXPECT_EQ(ReadFile(all + "/" + name), bytes) << name;
  const char* selected[] = {"demo.gguf"};
  ASSERT_EQ(sgz_unpack_stream_members(archive_.c_str(), one.c_str(), selected, 1, nullptr), SGZ_OK) << sgz_last_error();
  EXPECT_EQ(ReadFile(one + "/demo.gguf"), files_["demo.gguf"]);
  EXPECT_EQ(std::distance(fs::directory_iterator(one), fs::directory_iterator()), 1);
  EXPECT_EQ(sgz_unpack_stream_members(archive_.c_str(), one.c_str(), selected, 1, nullptr), SGZ_INVALID_ARGUMENT);
  sgz_unpack_options options;
  sgz_unpack_options_init(&options);
  options.overwrite = 1;
  EXPECT_EQ(sgz_unpack_stream_members(archive_.c_str(), one.c_str(), selected, 1, &options), SGZ_OK);
  EXPECT_EQ(sgz_unpack_stream_members(archive_.c_str(), one.c_str(), nullptr, 1, nullptr), SGZ_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace sgz_api_test
