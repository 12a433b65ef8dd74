// The reference quantizers against the corpus's model family (corpus/zoo/):
// every quantized tensor of every member re-made from the BF16 parent's
// values, block by block, with both roundings, and the quants predicted from
// each block's stored scales. Prints the share of bit-exact blocks per member
// and type and the speed of each quantizer (printed, not asserted).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/coding.h"
#include "streams/ggml_types.h"
#include "streams/gguf_reader.h"
#include "streams/quant/quant.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using testing::CorpusDir;
using testing::ReadFile;

struct Gguf {
  std::string bytes;
  GgufLayout layout;
  std::map<std::string, size_t> index;  // tensor name -> layout.tensors index

  const uint8_t* Data(const GgufTensor& t) const { return reinterpret_cast<const uint8_t*>(bytes.data()) + t.offset; }
  const GgufTensor* Find(const std::string& name) const {
    auto it = index.find(name);
    return it == index.end() ? nullptr : &layout.tensors[it->second];
  }
  bool HasKey(const std::string& key) const {
    for (const GgufKv& kv : layout.kvs) {
      if (kv.key == key) return true;
    }
    return false;
  }
};

std::unique_ptr<Gguf> LoadGguf(const std::string& path) {
  auto g = std::make_unique<Gguf>();
  g->bytes = ReadFile(path);
  auto layout = ParseGguf(reinterpret_cast<const uint8_t*>(g->bytes.data()), g->bytes.size());
  EXPECT_TRUE(layout.ok()) << path << ": " << layout.status().ToString();
  if (!layout.ok()) return nullptr;
  g->layout = std::move(layout).value();
  for (size_t i = 0; i < g->layout.tensors.size(); ++i) g->index[g->layout.tensors[i].name] = i;
  return g;
}

// A float tensor's values widened to F32 (exact), as llama.cpp's quantizer
// reads them. Empty for a type that is not F32/F16/BF16.
std::vector<float> Widen(const Gguf& g, const GgufTensor& t) {
  std::vector<float> v(static_cast<size_t>(t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3]));
  if (!WidenToFloat(t.type, g.Data(t), static_cast<int64_t>(v.size()), v.data())) return {};
  return v;
}

// llama.cpp's importance of a column: in_sum2 / counts (1 where counts is 0).
std::map<std::string, std::vector<float>> LoadImatrix(const Gguf& g) {
  std::map<std::string, std::vector<float>> out;
  const std::string suffix = ".in_sum2";
  for (const GgufTensor& t : g.layout.tensors) {
    if (t.name.size() <= suffix.size() || t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string base = t.name.substr(0, t.name.size() - suffix.size());
    const GgufTensor* counts = g.Find(base + ".counts");
    if (!counts) continue;
    const std::vector<float> sums = Widen(g, t);
    const std::vector<float> cnt = Widen(g, *counts);
    if (cnt.empty() || sums.size() != static_cast<size_t>(t.ne[0]) * cnt.size()) continue;
    std::vector<float> importance(sums.size());
    ImatrixImportance(sums.data(), cnt.data(), t.ne[0], static_cast<int64_t>(cnt.size()), importance.data());
    out[base] = std::move(importance);
  }
  return out;
}

constexpr FpRounding kRoundings[] = {FpRounding::kPlain, FpRounding::kFma, FpRounding::kFmaNoAssert};
constexpr int kNumRoundings = 3;

struct Tally {
  uint64_t blocks = 0;
  uint64_t tensors = 0;
  uint64_t exact[kNumRoundings] = {};          // blocks the quantizer reproduces, per rounding
  uint64_t tensors_exact[kNumRoundings] = {};  // tensors reproduced whole, per rounding
  uint64_t predict = 0;                        // blocks whose quants the stored scales give
  double sec[kNumRoundings] = {};
  double sec_predict = 0;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

uint64_t SameBlocks(const uint8_t* a, const uint8_t* b, int64_t nb, uint32_t block_bytes) {
  uint64_t same = 0;
  for (int64_t i = 0; i < nb; ++i) same += std::memcmp(a + i * block_bytes, b + i * block_bytes, block_bytes) == 0;
  return same;
}

// Compares every quantized tensor of `member` with its re-quantization.
std::map<uint32_t, Tally> CompareMember(const Gguf& parent, const Gguf& member,
                                        const std::map<std::string, std::vector<float>>* imatrix) {
  std::map<uint32_t, Tally> out;
  for (const GgufTensor& t : member.layout.tensors) {
    if (!CanQuantize(t.type)) continue;
    const GgufTensor* pt = parent.Find(t.name);
    if (!pt) continue;
    const std::vector<float> x = Widen(parent, *pt);
    if (x.empty()) continue;
    const GgmlType* gt = FindGgmlType(t.type);
    const int64_t n = t.ne[0];
    const int64_t rows = static_cast<int64_t>(x.size()) / n;
    const int64_t nb = n / gt->block_weights;
    const size_t row_bytes = static_cast<size_t>(nb) * gt->block_bytes;
    const float* importance = nullptr;
    if (imatrix) {
      auto it = imatrix->find(t.name);
      if (it != imatrix->end() && static_cast<int64_t>(it->second.size()) == n) importance = it->second.data();
    }
    const uint8_t* stored = member.Data(t);
    std::vector<uint8_t> mine(row_bytes * rows);
    Tally& tally = out[t.type];
    tally.blocks += nb * rows;
    ++tally.tensors;
    for (int k = 0; k < kNumRoundings; ++k) {
      auto start = std::chrono::steady_clock::now();
      for (int64_t row = 0; row < rows; ++row) {
        QuantizeRow(t.type, x.data() + row * n, n, importance, kRoundings[k], mine.data() + row * row_bytes);
      }
      tally.sec[k] += Seconds(start);
      const uint64_t same = SameBlocks(mine.data(), stored, nb * rows, gt->block_bytes);
      tally.exact[k] += same;
      tally.tensors_exact[k] += same == static_cast<uint64_t>(nb * rows);
    }
    std::memcpy(mine.data(), stored, mine.size());
    auto start = std::chrono::steady_clock::now();
    for (int64_t row = 0; row < rows; ++row) {
      PredictQuants(t.type, x.data() + row * n, n, importance, FpRounding::kPlain, mine.data() + row * row_bytes);
    }
    tally.sec_predict += Seconds(start);
    tally.predict += SameBlocks(mine.data(), stored, nb * rows, gt->block_bytes);
  }
  return out;
}

std::string Percent(uint64_t a, uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f%%", b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0);
  return buf;
}

void PrintRow(const std::string& member, uint32_t type, const Tally& t) {
  std::printf("| %s | %s | %llu | %s | %s | %s | %s | %llu/%llu/%llu of %llu | %.0f | %.0f | %.0f |\n",
              member.c_str(), GgmlTypeName(type).c_str(), static_cast<unsigned long long>(t.blocks),
              Percent(t.exact[0], t.blocks).c_str(), Percent(t.exact[1], t.blocks).c_str(),
              Percent(t.exact[2], t.blocks).c_str(), Percent(t.predict, t.blocks).c_str(),
              static_cast<unsigned long long>(t.tensors_exact[0]), static_cast<unsigned long long>(t.tensors_exact[1]),
              static_cast<unsigned long long>(t.tensors_exact[2]), static_cast<unsigned long long>(t.tensors),
              t.blocks / t.sec[0], t.blocks / t.sec[1], t.blocks / t.sec_predict);
}

void PrintHeader() {
  std::printf(
      "| member | type | blocks | plain | FMA | FMA, no assert | from stored scales | tensors exact plain/FMA/no "
      "assert | plain blocks/s | FMA blocks/s | predict blocks/s |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
}

// Every member of `paths` against `parent`: the quants from the stored scales
// always, and the quantizer of the member's build (FMA when the name says so).
void CheckFamily(const Gguf& parent, const std::vector<std::string>& paths,
                 const std::map<std::string, std::vector<float>>* imatrix) {
  for (const std::string& path : paths) {
    const std::string name = std::filesystem::path(path).filename().string();
    auto member = LoadGguf(path);
    ASSERT_TRUE(member);
    // llama_model_quantize() records no trace of an importance matrix in the
    // file (only the quantize tool adds quantize.imatrix.* keys): go by name.
    const bool with_imatrix =
        imatrix && (member->HasKey("quantize.imatrix.file") || name.find("-imatrix") != std::string::npos);
    const bool fma_build = name.find("-fma") != std::string::npos;
    for (const auto& [type, t] : CompareMember(parent, *member, with_imatrix ? imatrix : nullptr)) {
      PrintRow(name, type, t);
      // Rounding with the stored scales gives every quant, whatever the build.
      EXPECT_EQ(t.predict, t.blocks) << name << " " << GgmlTypeName(type);
      // The quantizer of the member's own build reproduces it whole.
      EXPECT_EQ(t.exact[fma_build ? 1 : 0], t.blocks) << name << " " << GgmlTypeName(type);
    }
  }
  std::fflush(stdout);
}

TEST(QuantZoo, EveryMemberFromTheParent) {
  SGZ_REQUIRE_CORPUS();
  const std::string zoo = CorpusDir() + "/zoo";
  if (!std::filesystem::is_directory(zoo)) GTEST_SKIP() << "corpus has no zoo/: skipping";
  auto parent = LoadGguf(zoo + "/esrgan-zoo-BF16.gguf");
  auto imatrix_file = LoadGguf(zoo + "/esrgan-zoo.imatrix.gguf");
  ASSERT_TRUE(parent && imatrix_file);
  const auto imatrix = LoadImatrix(*imatrix_file);
  ASSERT_FALSE(imatrix.empty());

  std::vector<std::string> members;
  for (const auto& e : std::filesystem::directory_iterator(zoo)) {
    const std::string name = e.path().filename().string();
    if (name.find("BF16") == std::string::npos && name.find(".imatrix.") == std::string::npos) {
      members.push_back(e.path().string());
    }
  }
  const std::string fma_member = CorpusDir() + "/zoo-fma/esrgan-zoo-Q4_K_M-fma.gguf";
  if (std::filesystem::exists(fma_member)) members.push_back(fma_member);
  std::sort(members.begin(), members.end());
  PrintHeader();
  CheckFamily(*parent, members, &imatrix);
}

// F16 members: the round-to-nearest-even half of every parent value.
TEST(QuantZoo, F16IsTheHalfOfTheParent) {
  SGZ_REQUIRE_CORPUS();
  const std::string zoo = CorpusDir() + "/zoo";
  if (!std::filesystem::is_directory(zoo)) GTEST_SKIP() << "corpus has no zoo/: skipping";
  auto parent = LoadGguf(zoo + "/esrgan-zoo-BF16.gguf");
  auto member = LoadGguf(zoo + "/esrgan-zoo-F16.gguf");
  ASSERT_TRUE(parent && member);
  uint64_t values = 0, same = 0, tensors = 0;
  for (const GgufTensor& t : member->layout.tensors) {
    if (t.type != 1) continue;
    const GgufTensor* pt = parent->Find(t.name);
    ASSERT_NE(pt, nullptr) << t.name;
    const std::vector<float> x = Widen(*parent, *pt);
    const uint8_t* h = member->Data(t);
    for (size_t i = 0; i < x.size(); ++i) same += FloatToHalf(x[i]) == LoadU16LE(h + 2 * i);
    values += x.size();
    ++tensors;
  }
  std::printf("esrgan-zoo-F16: %llu of %llu values (%llu tensors) are the half of the BF16 value\n",
              static_cast<unsigned long long>(same), static_cast<unsigned long long>(values),
              static_cast<unsigned long long>(tensors));
  EXPECT_GT(tensors, 0u);
  EXPECT_EQ(same, values);
}

// stories260K's rows (64, 172) are no multiple of 256: its "K" files fall
// back to Q5_0/Q5_1/Q8_0, made from the F32 original.
TEST(QuantZoo, Stories260KFromTheF32Original) {
  SGZ_REQUIRE_CORPUS();
  const std::string dir = CorpusDir() + "/stories260K";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "corpus has no stories260K/: skipping";
  auto parent = LoadGguf(dir + "/stories260K.gguf");
  ASSERT_TRUE(parent);
  std::vector<std::string> members;
  for (const char* q : {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M"}) members.push_back(dir + "/stories260K-" + q + ".gguf");
  PrintHeader();
  CheckFamily(*parent, members, nullptr);
}

}  // namespace
}  // namespace sgz::internal
