// The C API's prediction options (format 2.3): sgz_pack_files with prediction
// off, on (the default) and with the scales predicted too, on the family of
// fixtures/format-2.3-predicted unpacked first (no corpus needed); every pack
// unpacked and compared byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api_test_util.h"
#include "sgz/sgz_c.h"

namespace {

using namespace sgz_api_test;

const char* const kMembers[] = {"tiny-BF16.gguf", "tiny.imatrix.gguf", "tiny-Q4_K.gguf", "tiny-Q4_K-imatrix.gguf",
                                "tiny-Q6_K.gguf"};

class CApiPredictTest : public TempDirTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    sgz::ErrorOr<sgz::Reader> family = sgz::Reader::Open(Fixture("format-2.3-predicted/family.sgz"));
    ASSERT_TRUE(family.ok()) << family.error().ToString();
    for (const char* name : kMembers) {
      sgz::ErrorOr<sgz::Reader> m = family->OpenMember(name);
      ASSERT_TRUE(m.ok()) << m.error().ToString();
      paths_.push_back(dir_ + "/" + name);
      originals_.push_back(UnpackToString(*m));
      WriteFile(paths_.back(), originals_.back());
    }
  }

  // Packs the family with `o`; on success checks every member byte for byte
  // and returns the archive's size.
  uint64_t Packed(const sgz_pack_options& o, const std::string& out) {
    std::vector<const char*> in;
    for (const std::string& p : paths_) in.push_back(p.c_str());
    EXPECT_EQ(sgz_pack_files(in.data(), in.size(), out.c_str(), &o), SGZ_OK) << sgz_last_error();
    sgz::ErrorOr<sgz::Reader> r = sgz::Reader::Open(out);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return 0;
    for (size_t i = 0; i < paths_.size(); ++i) {
      sgz::ErrorOr<sgz::Reader> m = r->OpenMember(kMembers[i]);
      EXPECT_TRUE(m.ok()) << kMembers[i];
      if (m.ok()) {
        EXPECT_EQ(UnpackToString(*m), originals_[i]) << kMembers[i];
      }
    }
    return ReadFile(out).size();
  }

  std::vector<std::string> paths_, originals_;
};

TEST_F(CApiPredictTest, OffOnAndScales) {
  sgz_pack_options o;
  sgz_pack_options_init(&o);
  EXPECT_EQ(o.predict, 1);
  EXPECT_EQ(o.predict_scales, 0);
  EXPECT_EQ(o.parent, nullptr);
  EXPECT_EQ(o.imatrix, nullptr);
  o.threads = 1;
  const uint64_t on = Packed(o, dir_ + "/on.sgz");
  o.predict = 0;
  const uint64_t off = Packed(o, dir_ + "/off.sgz");
  o.predict = 1;
  o.predict_scales = 1;
  const uint64_t scales = Packed(o, dir_ + "/scales.sgz");
  o.parent = "tiny-BF16.gguf";
  o.imatrix = "tiny.imatrix.gguf";
  const uint64_t named = Packed(o, dir_ + "/named.sgz");
  // The quants predicted leave the stored scales; predicted too, little.
  EXPECT_LT(on, off);
  EXPECT_LT(scales, on);
  EXPECT_EQ(named, scales);
}

TEST_F(CApiPredictTest, AMissingParentMemberIsRefused) {
  sgz_pack_options o;
  sgz_pack_options_init(&o);
  o.parent = "nope.gguf";
  std::vector<const char*> in;
  for (const std::string& p : paths_) in.push_back(p.c_str());
  const std::string out = dir_ + "/x.sgz";
  EXPECT_EQ(sgz_pack_files(in.data(), in.size(), out.c_str(), &o), SGZ_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sgz_last_error()).find("nope.gguf"), std::string::npos) << sgz_last_error();
  EXPECT_FALSE(Exists(out));
}

}  // namespace
