#include "streams/gguf_reader.h"

#include <gtest/gtest.h>

#include <set>

#include "fixture_set.h"
#include "gguf_builder.h"
#include "streams/ggml_types.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using fixtures::AllFixtures;
using fixtures::Fixture;
using fixtures::GgufBuilder;

bool IsGguf(const Fixture& f) { return f.path.size() > 5 && f.path.substr(f.path.size() - 5) == ".gguf"; }

Result<GgufLayout> Parse(const std::string& bytes) {
  return ParseGguf(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

void ExpectRegionsCoverFile(const GgufLayout& layout, uint64_t size) {
  uint64_t pos = 0;
  for (const Region& r : layout.regions) {
    EXPECT_EQ(r.offset, pos);
    EXPECT_GT(r.size, 0u);
    pos += r.size;
  }
  EXPECT_EQ(pos, size);
}

TEST(GgufReader, ValidFixturesParseAndRegionsCoverTheFile) {
  int n = 0;
  for (const Fixture& f : AllFixtures()) {
    if (!f.expected_error.empty()) continue;
    SCOPED_TRACE(f.path);
    Result<GgufLayout> layout = Parse(f.bytes);
    ASSERT_TRUE(layout.ok()) << layout.status().ToString();
    ExpectRegionsCoverFile(*layout, f.bytes.size());
    for (const GgufTensor& t : layout->tensors) {
      EXPECT_EQ(t.offset % layout->alignment, 0u) << t.name;
      EXPECT_LE(t.offset + t.size, f.bytes.size());
    }
    ++n;
  }
  EXPECT_GE(n, 10);
}

TEST(GgufReader, EveryBrokenFixtureIsRejectedWithItsOwnMessage) {
  std::set<std::string> messages;
  int n = 0;
  for (const Fixture& f : AllFixtures()) {
    if (f.expected_error.empty() || !IsGguf(f)) continue;
    SCOPED_TRACE(f.path);
    Result<GgufLayout> layout = Parse(f.bytes);
    ASSERT_FALSE(layout.ok());
    EXPECT_NE(layout.status().message().find(f.expected_error), std::string::npos)
        << "got: " << layout.status().message();
    EXPECT_TRUE(messages.insert(layout.status().message()).second) << "message not distinct";
    ++n;
  }
  EXPECT_GE(n, 15);
}

TEST(GgufReader, VersionErrorsAreNotSupportedOthersCorruption) {
  for (const Fixture& f : AllFixtures()) {
    if (f.expected_error.empty() || !IsGguf(f)) continue;
    Result<GgufLayout> layout = Parse(f.bytes);
    ASSERT_FALSE(layout.ok());
    const bool version = f.path.find("version-") != std::string::npos;
    EXPECT_EQ(layout.status().code(), version ? Status::Code::kNotSupported : Status::Code::kCorrupt) << f.path;
  }
}

TEST(GgufReader, ReadsBigEndianFiles) {
  GgufBuilder b(3, true);
  b.Alignment(64);
  b.KvString("general.name", "be");
  b.Tensor("w", 8, {64, 2});
  b.Tensor("n", 0, {5});
  const std::string bytes = b.Build();
  Result<GgufLayout> layout = Parse(bytes);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_TRUE(layout->big_endian);
  EXPECT_EQ(layout->alignment, 64u);
  ASSERT_EQ(layout->tensors.size(), 2u);
  EXPECT_EQ(layout->tensors[0].ne[0], 64);
  EXPECT_EQ(layout->tensors[0].size, 2u * 2 * 34);
  EXPECT_EQ(layout->tensors[1].offset, layout->data_offset + 192);
}

TEST(GgufReader, RecordsMetadataAndAlignment) {
  GgufBuilder b;
  b.Alignment(4096);
  b.KvAllScalars("x.");
  b.KvNestedArray("x.nested", {{1}, {2, 3}});
  b.Tensor("t", 12, {256, 3});
  const std::string bytes = b.Build();
  Result<GgufLayout> layout = Parse(bytes);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->alignment, 4096u);
  EXPECT_EQ(layout->data_offset % 4096, 0u);
  ASSERT_EQ(layout->kvs.size(), 14u);
  std::set<uint32_t> types;
  for (const GgufKv& kv : layout->kvs) types.insert(kv.type);
  EXPECT_EQ(types.size(), 13u);  // all 13 value types
  EXPECT_EQ(layout->tensors[0].size, 3u * 144);
}

// A long key on a long array of strings (found by review of the fuzzers'
// blind spot: inputs of megabytes). Parsing is linear in the input.
TEST(GgufReader, LongKeyOnLongArrayParses) {
  GgufBuilder b;
  b.KvStringArray(std::string(1 << 20, 'k'), std::vector<std::string>(1 << 17));
  const std::string bytes = b.Build();
  Result<GgufLayout> layout = Parse(bytes);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->kvs[0].value_size, 12u + (8u << 17));
}

TEST(GgufReader, EveryPrefixOfAValidFileIsRejectedNotCrashed) {
  const std::string bytes = AllFixtures()[0].bytes.substr(0, 12000);
  for (size_t n = 0; n < bytes.size(); n += 7) {
    Result<GgufLayout> layout = Parse(bytes.substr(0, n));
    EXPECT_FALSE(layout.ok()) << n;
  }
}

TEST(GgmlTypes, TableRowsAreConsistent) {
  int known = 0;
  for (uint32_t id = 0; id < kGgmlTypeCount; ++id) {
    const GgmlType* t = FindGgmlType(id);
    if (t == nullptr) continue;
    ++known;
    EXPECT_EQ(t->id, id);
    uint32_t sum = 0;
    for (const BlockField& f : t->fields) sum += f.bytes;
    if (!t->fields.empty()) {
      EXPECT_EQ(sum, t->block_bytes) << t->name;
    }
    EXPECT_LE(t->StreamCount() + 1, 64u);
  }
  EXPECT_EQ(known, 32);
  for (uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 1000u}) EXPECT_EQ(FindGgmlType(removed), nullptr);
  EXPECT_EQ(FindGgmlType(12)->block_bytes, 144u);
  EXPECT_EQ(GgmlTypeName(200), "type#200");
}

TEST(GgufReader, CorpusFilesParse) {
  SGZ_REQUIRE_CORPUS();
  for (const std::string& path : testing::CorpusFiles()) {
    SCOPED_TRACE(path);
    const std::string bytes = testing::ReadFile(path);
    Result<GgufLayout> layout = Parse(bytes);
    ASSERT_TRUE(layout.ok()) << layout.status().ToString();
    ExpectRegionsCoverFile(*layout, bytes.size());
  }
}

}  // namespace
}  // namespace sgz::internal

