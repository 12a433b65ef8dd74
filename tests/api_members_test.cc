// Archives of several members through the public API: PackFiles (names,
// order, refusals), Reader::members() and OpenMember (tensors, ranges,
// unpack, verify of one member), the C API, and one-file packs unchanged.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "api_test_util.h"
#include "sgz/sgz_c.h"

namespace sgz_api_test {
namespace {

namespace fs = std::filesystem;

// dir_/in/m/{demo.gguf, sub/all-types.gguf, notes.txt} and dir_/in/solo.gguf.
class MembersTest : public TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    in_ = dir_ + "/in";
    fs::create_directories(in_ + "/m/sub");
    files_["m/demo.gguf"] = ReadFile(DemoPath());
    files_["m/sub/all-types.gguf"] = ReadFile(Fixture("valid/all-types.gguf"));
    files_["m/notes.txt"] = "not a model\n";
    files_["solo.gguf"] = ReadFile(Fixture("valid/big-endian.gguf"));
    for (const auto& [name, bytes] : files_) WriteFile(in_ + "/" + name, bytes);
  }

  std::string in_;
  std::map<std::string, std::string> files_;  // member name -> bytes
};

TEST_F(MembersTest, ListPackInputsNamesAndSorts) {
  sgz::ErrorOr<std::vector<sgz::PackInput>> listed = sgz::ListPackInputs({in_ + "/solo.gguf", in_ + "/m/"});
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  std::vector<std::string> names;
  for (const sgz::PackInput& p : *listed) names.push_back(p.name);
  // Byte order: "m/notes.txt" < "m/sub/..." ('n' < 's'); directories by base name.
  EXPECT_EQ(names, (std::vector<std::string>{"m/demo.gguf", "m/notes.txt", "m/sub/all-types.gguf", "solo.gguf"}));
  EXPECT_EQ((*listed)[0].path, in_ + "/m//demo.gguf");
}

TEST_F(MembersTest, PacksEveryMemberAndReadsEachAlone) {
  const std::string out = dir_ + "/m.sgz";
  sgz::PackSummary summary;
  sgz::Error e = sgz::PackFiles({in_ + "/m", in_ + "/solo.gguf"}, out, sgz::PackFileOptions(), &summary);
  ASSERT_TRUE(e.ok()) << e.ToString();
  ASSERT_EQ(summary.members.size(), 4u);
  EXPECT_FALSE(summary.members[1].gguf);  // notes.txt
  sgz::ErrorOr<sgz::Reader> archive = sgz::Reader::Open(out);
  ASSERT_TRUE(archive.ok()) << archive.error().ToString();
  const std::vector<sgz::MemberInfo>& members = archive->members();
  ASSERT_EQ(members.size(), files_.size());
  uint64_t stored = 0;
  size_t i = 0;
  for (const auto& [name, bytes] : files_) {  // std::map: byte order, as in the archive
    SCOPED_TRACE(name);
    EXPECT_EQ(members[i].name, name);
    EXPECT_EQ(members[i].original_size, bytes.size());
    EXPECT_EQ(members[i].gguf, name != "m/notes.txt");
    EXPECT_TRUE(members[i].attributes.has_mode);
    stored += members[i].stored_size;
    sgz::ErrorOr<sgz::Reader> m = archive->OpenMember(name);
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    EXPECT_EQ(m->file_name(), name);
    EXPECT_EQ(m->original_size(), bytes.size());
    EXPECT_EQ(UnpackToString(*m), bytes);
    EXPECT_TRUE(m->Verify().ok());
    // Each tensor is the bytes at its offset in the original.
    for (const sgz::TensorInfo& t : m->tensors()) {
      std::string got(t.size, '\0');
      ASSERT_TRUE(m->ReadTensor(t.name, got.data(), got.size()).ok()) << t.name;
      EXPECT_EQ(got, bytes.substr(t.offset, t.size)) << t.name;
    }
    std::string range(5, '\0');
    if (bytes.size() >= 7) {
      ASSERT_TRUE(m->ReadRange(2, 5, range.data()).ok());
      EXPECT_EQ(range, bytes.substr(2, 5));
    }
    // Unpacked to a path: the bytes and the recorded mode.
    const std::string path = dir_ + "/out" + std::to_string(i);
    ASSERT_TRUE(m->Unpack(path, false).ok());
    EXPECT_EQ(ReadFile(path), bytes);
    ++i;
  }
  EXPECT_LT(stored, fs::file_size(out));
  // The reader of the archive itself reads member 0.
  EXPECT_EQ(archive->file_name(), "m/demo.gguf");
  EXPECT_EQ(UnpackToString(*archive), files_["m/demo.gguf"]);
}

TEST_F(MembersTest, OpenMemberOfAnUnknownNameSuggests) {
  const std::string out = dir_ + "/m.sgz";
  ASSERT_TRUE(sgz::PackFiles({in_ + "/m"}, out).ok());
  sgz::ErrorOr<sgz::Reader> archive = sgz::Reader::Open(out);
  ASSERT_TRUE(archive.ok());
  sgz::ErrorOr<sgz::Reader> m = archive->OpenMember("m/demo.ggu");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), sgz::ErrorCode::kNotFound);
  EXPECT_NE(m.error().message().find("did you mean 'm/demo.gguf'"), std::string::npos) << m.error().message();
}

TEST_F(MembersTest, MemberReaderOutlivesTheArchiveReader) {
  const std::string out = dir_ + "/m.sgz";
  ASSERT_TRUE(sgz::PackFiles({in_ + "/m"}, out).ok());
  std::optional<sgz::Reader> member;
  {
    sgz::ErrorOr<sgz::Reader> archive = sgz::Reader::Open(out);
    ASSERT_TRUE(archive.ok());
    sgz::ErrorOr<sgz::Reader> m = archive->OpenMember("m/sub/all-types.gguf");
    ASSERT_TRUE(m.ok());
    member.emplace(std::move(m).value());
  }
  EXPECT_EQ(UnpackToString(*member), files_["m/sub/all-types.gguf"]);
}

TEST_F(MembersTest, OneFileIsExactlyPackFile) {
  ASSERT_TRUE(sgz::PackFile(DemoPath(), dir_ + "/a.sgz").ok());
  sgz::PackSummary summary;
  ASSERT_TRUE(sgz::PackFiles({DemoPath()}, dir_ + "/b.sgz", sgz::PackFileOptions(), &summary).ok());
  EXPECT_EQ(ReadFile(dir_ + "/a.sgz"), ReadFile(dir_ + "/b.sgz"));
  ASSERT_EQ(summary.members.size(), 1u);
  EXPECT_EQ(summary.members[0].name, "demo.gguf");
  sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(dir_ + "/b.sgz");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->members().size(), 1u);
  EXPECT_EQ(r->members()[0].name, "demo.gguf");
}

// Each refusal comes before the output exists.
TEST_F(MembersTest, RefusesBeforeWriting) {
  const std::string out = dir_ + "/r.sgz";
  fs::create_directories(dir_ + "/x/m");
  WriteFile(dir_ + "/x/m/demo.gguf", "other");
  struct Case {
    std::vector<std::string> inputs;
    std::string message;
  };
  fs::create_directories(dir_ + "/l");
  ASSERT_EQ(symlink((in_ + "/solo.gguf").c_str(), (dir_ + "/l/link.gguf").c_str()), 0);
  std::vector<Case> cases = {
      {{in_ + "/m", dir_ + "/x/m"}, "member name 'm/demo.gguf' given twice"},
      {{dir_ + "/l"}, "not a regular file or directory (a symbolic link)"},
      {{DemoPath(), "-"}, "standard input can only be packed alone"},
      {{in_ + "/solo.gguf", dir_ + "/nope"}, "No such file or directory"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    sgz::Error e = sgz::PackFiles(c.inputs, out);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.message().find(c.message), std::string::npos) << e.message();
    EXPECT_FALSE(Exists(out));
  }
  // "a" (a file) and "a/b" (a member below a directory "a") cannot both be restored.
  fs::create_directories(dir_ + "/y/solo.gguf");
  WriteFile(dir_ + "/y/solo.gguf/b", "b");
  sgz::Error e = sgz::PackFiles({in_ + "/solo.gguf", dir_ + "/y/solo.gguf"}, out);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("is a file and also the directory of 'solo.gguf/b'"), std::string::npos) << e.message();
  EXPECT_FALSE(Exists(out));
  // The output inside a packed directory, already there, is an input: refused even with overwrite.
  WriteFile(in_ + "/m/self.sgz", "x");
  sgz::PackFileOptions o;
  o.overwrite = true;
  e = sgz::PackFiles({in_ + "/m", in_ + "/solo.gguf"}, in_ + "/m/self.sgz", o);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.message().find("refusing to write over an input"), std::string::npos) << e.message();
  EXPECT_EQ(ReadFile(in_ + "/m/self.sgz"), "x");
}

TEST_F(MembersTest, DotNamesTheDirectoryItself) {
  const std::string cwd = fs::current_path().string();
  ASSERT_EQ(chdir((in_ + "/m/sub").c_str()), 0);
  sgz::ErrorOr<std::vector<sgz::PackInput>> listed = sgz::ListPackInputs({".", ".."});
  ASSERT_EQ(chdir(cwd.c_str()), 0);
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  std::vector<std::string> names;
  for (const sgz::PackInput& p : *listed) names.push_back(p.name);
  // "..", the directory m, holds sub/all-types.gguf as well: two names for one file.
  EXPECT_EQ(names, (std::vector<std::string>{"m/demo.gguf", "m/notes.txt", "m/sub/all-types.gguf",
                                             "sub/all-types.gguf"}));
}

TEST_F(MembersTest, CApiListsAndOpensMembers) {
  const std::string out = dir_ + "/c.sgz";
  const std::string m = in_ + "/m", solo = in_ + "/solo.gguf";
  const char* inputs[] = {m.c_str(), solo.c_str()};
  ASSERT_EQ(sgz_pack_files(inputs, 2, out.c_str(), nullptr), SGZ_OK) << sgz_last_error();
  sgz_reader* r = nullptr;
  ASSERT_EQ(sgz_reader_open(out.c_str(), &r), SGZ_OK);
  ASSERT_EQ(sgz_reader_member_count(r), 4u);
  sgz_member_info info;
  ASSERT_EQ(sgz_reader_member_info(r, 3, &info), SGZ_OK);
  EXPECT_STREQ(info.name, "solo.gguf");
  EXPECT_EQ(info.original_size, files_["solo.gguf"].size());
  EXPECT_EQ(sgz_reader_member_info(r, 4, &info), SGZ_INVALID_ARGUMENT);
  sgz_reader* member = nullptr;
  ASSERT_EQ(sgz_reader_open_member(r, "solo.gguf", &member), SGZ_OK);
  sgz_reader_close(r);  // the member reader keeps the archive open
  std::string bytes(files_["solo.gguf"].size(), '\0');
  ASSERT_EQ(sgz_reader_read_range(member, 0, bytes.size(), bytes.data()), SGZ_OK) << sgz_last_error();
  EXPECT_EQ(bytes, files_["solo.gguf"]);
  EXPECT_EQ(sgz_reader_open_member(member, "nope", &r), SGZ_NOT_FOUND);
  EXPECT_EQ(r, nullptr);
  sgz_reader_close(member);
}

// A null path among the inputs, or none, is refused before anything is
// written, by both C functions that take a list of paths.
TEST_F(MembersTest, CApiRefusesANullOrNoInput) {
  const std::string out = dir_ + "/c.sgz", solo = in_ + "/solo.gguf";
  const char* inputs[] = {solo.c_str(), nullptr};
  EXPECT_EQ(sgz_pack_files(inputs, 2, out.c_str(), nullptr), SGZ_INVALID_ARGUMENT);
  EXPECT_STREQ(sgz_last_error(), "sgz_pack_files: null input");
  EXPECT_EQ(sgz_pack_files(inputs, 0, out.c_str(), nullptr), SGZ_INVALID_ARGUMENT);
  EXPECT_STREQ(sgz_last_error(), "sgz_pack_files: no inputs");
  EXPECT_FALSE(std::filesystem::exists(out));
  ASSERT_EQ(sgz_pack_files(inputs, 1, out.c_str(), nullptr), SGZ_OK) << sgz_last_error();
  const std::string before = ReadFile(out);
  EXPECT_EQ(sgz_append_files(out.c_str(), inputs, 2, nullptr, 0), SGZ_INVALID_ARGUMENT);
  EXPECT_STREQ(sgz_last_error(), "sgz_append_files: null input");
  EXPECT_EQ(sgz_append_files(out.c_str(), inputs, 0, nullptr, 0), SGZ_INVALID_ARGUMENT);
  EXPECT_STREQ(sgz_last_error(), "sgz_append_files: no inputs");
  EXPECT_EQ(ReadFile(out), before);
}

}  // namespace
}  // namespace sgz_api_test
