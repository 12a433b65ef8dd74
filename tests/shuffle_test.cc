// Every SIMD variant of the shuffles equals the portable one, byte for byte,
// on random inputs of every shape the transforms use and on corpus data.
#include "streams/shuffle.h"

#include <gtest/gtest.h>

#include "gguf_builder.h"
#include "test_util.h"

namespace sgz::internal {
namespace {

using shuffle_internal::Variant;

TEST(Shuffle, EveryVariantMatchesGenericOnRandomInput) {
  size_t count;
  const Variant* variants = shuffle_internal::Variants(&count);
  fixtures::Rng rng(99);
  struct Shape { size_t stride, width; };
  const Shape shapes[] = {{1, 1}, {2, 2}, {4, 4}, {8, 8}, {144, 16}, {34, 2}, {210, 16}, {20, 4}, {3, 1}};
  int checked = 0;
  for (size_t v = 1; v < count; ++v) {
    if (!variants[v].supported) {
      printf("skipping %s: not supported by this CPU\n", variants[v].name);
      continue;
    }
    for (const Shape& sh : shapes) {
      for (size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 4099}) {
        std::vector<uint8_t> src(n * sh.stride + 7), want(n * sh.width), got(n * sh.width);
        for (uint8_t& b : src) b = static_cast<uint8_t>(rng.Next());
        shuffle_internal::GatherGeneric(src.data(), sh.stride, sh.width, n, want.data());
        variants[v].gather(src.data(), sh.stride, sh.width, n, got.data());
        ASSERT_EQ(want, got) << variants[v].name << " gather stride " << sh.stride << " width " << sh.width << " n " << n;
        std::vector<uint8_t> back_want(src.size(), 0xEE), back_got(src.size(), 0xEE);
        shuffle_internal::ScatterGeneric(want.data(), sh.stride, sh.width, n, back_want.data());
        variants[v].scatter(want.data(), sh.stride, sh.width, n, back_got.data());
        ASSERT_EQ(back_want, back_got) << variants[v].name << " scatter stride " << sh.stride << " n " << n;
        ++checked;
      }
    }
  }
  printf("dispatcher picked: %s\n", ShuffleVariant());
  EXPECT_GT(checked, 0);
}

TEST(Shuffle, EveryVariantMatchesGenericOnCorpusData) {
  SGZ_REQUIRE_CORPUS();
  const std::string bytes = testing::ReadFile(testing::CorpusDir() + "/llm-mix/esrgan-thick-llm-mix-BF16.gguf");
  ASSERT_GT(bytes.size(), 4u << 20);
  const uint8_t* src = reinterpret_cast<const uint8_t*>(bytes.data()) + (1 << 20);
  size_t count;
  const Variant* variants = shuffle_internal::Variants(&count);
  for (size_t width : {2, 4}) {
    const size_t n = (3u << 20) / width - 5;
    std::vector<uint8_t> want(n * width), got(n * width), back(n * width);
    shuffle_internal::GatherGeneric(src, width, width, n, want.data());
    for (size_t v = 1; v < count; ++v) {
      if (!variants[v].supported) continue;
      variants[v].gather(src, width, width, n, got.data());
      ASSERT_TRUE(want == got) << variants[v].name;
      variants[v].scatter(got.data(), width, width, n, back.data());
      ASSERT_TRUE(memcmp(back.data(), src, back.size()) == 0) << variants[v].name;
    }
  }
}

}  // namespace
}  // namespace sgz::internal
