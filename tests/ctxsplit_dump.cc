// ctxsplit_dump DIR: writes random chunks of every type (hostile K-quant headers
// included) with sgz's transform-5 streams and contexts, for the reference reader's
// self-test (format-spec/reference/selftest_ctxsplit.py): per case DIR/T_LEN_SEED.in
// (the chunk), .split (the concatenated streams) and .ctx (the contexts of the stream
// with a rule, empty when none).
#include <cstdio>
#include <string>
#include <vector>

#include "gguf_builder.h"
#include "streams/context_split.h"
#include "streams/ggml_types.h"
#include "streams/transform.h"

namespace {

using namespace sgz::internal;

bool Write(const std::string& path, const std::vector<uint8_t>& v) {
  FILE* f = fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = v.empty() || fwrite(v.data(), 1, v.size(), f) == v.size();  // no null pointer for nothing
  return fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: ctxsplit_dump DIR\n");
    return 2;
  }
  static const uint16_t kHalves[] = {0x0000, 0x8000, 0x0001, 0x03ff, 0x3c00, 0x7bff, 0x7c00, 0x7e00, 0xffff};
  int cases = 0;
  for (uint32_t id : {12u, 13u, 30u, 11u, 14u, 2u}) {
    const GgmlType* t = FindGgmlType(id);
    // BF16: once every bit pattern (65536 values), so every exponent bucket occurs.
    for (uint64_t blocks : {uint64_t{0}, uint64_t{1}, uint64_t{5}, uint64_t{id == 30 ? 65536u : 400u}}) {
      for (uint64_t extra : {uint64_t{0}, uint64_t{t->block_bytes - 1}}) {
        const uint64_t len = blocks * t->block_bytes + extra;
        const uint64_t seed = id * 1000 + blocks * 10 + (extra ? 1 : 0);
        fixtures::Rng rng(seed);
        std::vector<uint8_t> in(len);
        for (uint8_t& c : in) c = static_cast<uint8_t>(rng.Next());
        for (uint64_t i = 0; id == 30 && blocks == 65536 && i < blocks; ++i) {
          in[2 * i] = static_cast<uint8_t>(i);
          in[2 * i + 1] = static_cast<uint8_t>(i >> 8);
        }
        // Half the K blocks get a special d or dmin; the rest keep random halves,
        // whose exponents spread the zero point over its whole range.
        for (uint64_t b = 0; (id == 12 || id == 13) && b < blocks; b += 2) {
          const uint16_t h = kHalves[(b / 2) % (sizeof(kHalves) / sizeof(kHalves[0]))];
          const size_t at = b * t->block_bytes + ((b / 2) % 2 ? 2 : 0);
          in[at] = static_cast<uint8_t>(h);
          in[at + 1] = static_cast<uint8_t>(h >> 8);
        }
        std::vector<uint8_t> split(len), ctx;
        SplitStreams(Transform::kContextSplit, t, in.data(), len, split.data());
        const std::vector<uint64_t> sizes = StreamSizes(Transform::kContextSplit, t, len);
        for (size_t i = 0; i < sizes.size(); ++i) {
          if (StreamContexts(t, i) == 0) continue;
          ctx.resize(sizes[i]);
          ComputeContexts(t, split.data(), len, i, ctx.data());
        }
        const std::string base = std::string(argv[1]) + "/" + std::to_string(id) + "_" + std::to_string(len) + "_" +
                                 std::to_string(seed);
        if (!Write(base + ".in", in) || !Write(base + ".split", split) || !Write(base + ".ctx", ctx)) {
          fprintf(stderr, "ctxsplit_dump: cannot write %s\n", base.c_str());
          return 1;
        }
        ++cases;
      }
    }
  }
  printf("%d cases\n", cases);
  return 0;
}
